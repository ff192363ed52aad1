"""TRUNCATE is refused on every table whose rows are kept, not only the append-only ones.

Revision 0001 refused TRUNCATE on the append-only tables (the audit trail, signatures) but
only DELETE on the trial data tables: ``TRUNCATE subject`` fired no row trigger and emptied
the table (issue 14). On PostgreSQL every table that has a ``<table>_no_delete`` trigger now
also has a statement-level ``<table>_no_truncate`` trigger calling the same refusal
(``cartrial_refuse_change``). SQLite has no TRUNCATE statement (a ``DELETE`` without
``WHERE`` fires the row triggers when a table has them), so nothing changes there.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_MISSING = sa.text(
    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT t.tgisinternal "
    "AND t.tgname = c.relname || '_no_delete' "
    "AND NOT EXISTS (SELECT 1 FROM pg_trigger u WHERE u.tgrelid = c.oid "
    "AND u.tgname = c.relname || '_no_truncate') ORDER BY c.relname"
)

# Recorded by the upgrade so the downgrade drops exactly these (the 0001 ones stay).
_ADDED = sa.text(
    "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND t.tgname = c.relname || '_no_truncate' "
    "AND EXISTS (SELECT 1 FROM pg_trigger d WHERE d.tgrelid = c.oid "
    "AND d.tgname = c.relname || '_no_update') ORDER BY c.relname"
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for (table,) in bind.execute(_MISSING).all():
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION cartrial_refuse_change()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    append_only = {row[0] for row in bind.execute(_ADDED).all()}
    tables = bind.execute(
        sa.text(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND t.tgname = c.relname || '_no_truncate'"
        )
    ).all()
    for (table,) in tables:
        if table not in append_only:  # 0001 made the append-only tables' triggers
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
