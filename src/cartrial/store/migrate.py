"""Create and upgrade the schema with the bundled Alembic migrations.

The schema is made only by migrations (STYLE practice 14; Annex 11 section 10,
change control): ``cartrial db init`` and ``cartrial db upgrade`` both run
:func:`upgrade` to the head revision; :func:`schema_differences` compares the
head schema with the ORM models (a test keeps it empty).

:func:`upgrade` and :func:`downgrade` hand the migrations a connection with no
transaction begun: the migrations' ``env.py`` switches SQLite's foreign keys off
outside the transaction, runs every revision in one transaction and checks the
foreign keys before committing (:mod:`cartrial.store.schema_change`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from cartrial.store.models import Base

__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "schema_differences",
    "upgrade",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    """An Alembic configuration pointing at the bundled migrations (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Migrate the database to ``revision``; returns the revision reached."""
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(engine) or "(none)"


def downgrade(engine: Engine, revision: str) -> str | None:
    """Migrate the database down to ``revision`` (``base``: nothing); returns the revision reached.

    Data that only a later revision can hold is lost with its columns (a
    downgrade drops them); a migration refuses rather than alter a value.
    """
    config = alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
    return current_revision(engine)


def head_revision() -> str:
    """The newest bundled migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return head or "(none)"


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def schema_differences(engine: Engine) -> list[Any]:
    """What differs between the migrated database and the ORM models (empty: they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
