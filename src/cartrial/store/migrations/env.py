"""Alembic environment: the schema comes only from these migrations (STYLE practice 14)."""

from __future__ import annotations

from alembic import context

from cartrial.store.models import Base

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
