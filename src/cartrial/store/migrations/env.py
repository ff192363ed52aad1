"""Alembic environment: the schema comes only from these migrations (STYLE practice 14).

Every run goes through :func:`cartrial.store.schema_change.schema_change`: on
SQLite foreign keys are off during the changes and ``PRAGMA foreign_key_check``
runs before the commit (https://www.sqlite.org/lang_altertable.html, "Making
Other Kinds Of Table Schema Changes"); all revisions of one run are one
transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

from alembic import context

from cartrial.store.models import Base
from cartrial.store.schema_change import schema_change

config = context.config
connection = config.attributes["connection"]
target = context.get_revision_argument() or "base"
with schema_change(connection, target=str(target)):
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
