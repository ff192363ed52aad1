"""Lesions say whether they are lymph nodes (RECIST 1.1: short axis, 10 mm normal size);
engine versions get 64 characters (``cartrial.response 0.1.0 RECIST 1.1`` did not fit 32).

On SQLite the tables are rebuilt (batch mode), so their DELETE-refusing triggers
are made again; the migration environment switches foreign keys off around the
rebuild and checks them before committing (``cartrial.store.schema_change``).

The downgrade refuses, naming the table, record and value, when an engine
version is longer than the 32 characters revision 0004 holds (a derived RECIST
response's ``cartrial.response 0.1.0 RECIST 1.1`` is 34): PostgreSQL cannot
narrow the column, and cutting the stored value would change trial data without
an audit entry (21 CFR 11.10(e)). SQLite, which does not enforce the length,
refuses the same way so that both backends agree.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cartrial.errors import InputError

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ENGINE_VERSION_TABLES = (
    "adverse_event",
    "dlt_adjudication",
    "eligibility_decision",
    "escalation_decision",
    "lab_result",
    "tumour_assessment",
)
_NULLABLE = {"adverse_event": True, "lab_result": True, "tumour_assessment": True}


def _retrigger(table: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'cartrial: DELETE on {table} is refused: "
            "records are kept (21 CFR 11.10(c), (e))'); END"
        )


def _engine_version_length(old: int, new: int) -> None:
    for table in ENGINE_VERSION_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "engine_version",
                existing_type=sa.String(old),
                type_=sa.String(new),
                existing_nullable=_NULLABLE.get(table, False),
            )
        _retrigger(table)


def _refuse_longer_than(limit: int) -> None:
    bind = op.get_bind()
    for table in ENGINE_VERSION_TABLES:
        longer = sa.text(
            f"SELECT id, engine_version FROM {table} WHERE length(engine_version) > :limit "
            "ORDER BY id"
        )
        rows = bind.execute(longer, {"limit": limit}).all()
        if rows:
            record_id, value = rows[0]
            raise InputError(
                f"{table}.engine_version",
                value,
                f"at most {limit} characters, the column's size at revision {down_revision} "
                f"({len(rows)} record(s) longer, first {record_id}): downgrade refused, "
                "nothing changed",
            )


def upgrade() -> None:
    with op.batch_alter_table("lesion_measurement") as batch:
        batch.add_column(
            sa.Column("is_nodal", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("lesion_measurement") as batch:
        batch.alter_column("is_nodal", existing_type=sa.Boolean(), server_default=None)
    _retrigger("lesion_measurement")
    _engine_version_length(32, 64)


def downgrade() -> None:
    _refuse_longer_than(32)
    with op.batch_alter_table("lesion_measurement") as batch:
        batch.drop_column("is_nodal")
    _retrigger("lesion_measurement")
    _engine_version_length(64, 32)
