"""DLT adjudication per subject: outcome (yes/no/pending/not evaluable), dose level, optional AE.

``cartrial.safety.dlt.assess_dlt`` adjudicates a subject, not one AE; the AE is
kept when one triggered the DLT. On SQLite the table is rebuilt (batch mode),
so its DELETE-refusing trigger is made again.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TRIGGER_SQLITE = (
    "CREATE TRIGGER dlt_adjudication_no_delete BEFORE DELETE ON dlt_adjudication BEGIN "
    "SELECT RAISE(ABORT, 'cartrial: DELETE on dlt_adjudication is refused: "
    "records are kept (21 CFR 11.10(c), (e))'); END"
)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("dlt_adjudication") as batch:
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=False, server_default="no"))
        batch.add_column(sa.Column("dose_level", sa.Integer(), nullable=True))
        batch.alter_column("adverse_event_id", existing_type=sa.String(36), nullable=True)
        batch.create_check_constraint(
            "ck_dlt_adjudication_outcome", "outcome IN ('yes', 'no', 'pending', 'not_evaluable')"
        )
    with op.batch_alter_table("dlt_adjudication") as batch:
        batch.alter_column("outcome", existing_type=sa.String(16), server_default=None)
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS dlt_adjudication_no_delete")
        op.execute(_TRIGGER_SQLITE)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("dlt_adjudication") as batch:
        batch.drop_constraint("ck_dlt_adjudication_outcome", type_="check")
        batch.alter_column("adverse_event_id", existing_type=sa.String(36), nullable=False)
        batch.drop_column("dose_level")
        batch.drop_column("outcome")
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS dlt_adjudication_no_delete")
        op.execute(_TRIGGER_SQLITE)
