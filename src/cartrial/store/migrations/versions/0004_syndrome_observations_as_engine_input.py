"""CRS/ICANS observations stored as the ASTCT engine reads them (kind + validated JSON).

The four fixed columns of 0001 (temperature, vasopressors, oxygen, ICE score)
could not hold what ASTCT 2019 grading needs (vasopressor agents, oxygen device
and flow, the ICE items, seizures, ...). On SQLite the table is rebuilt, so its
DELETE-refusing trigger is made again.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TRIGGER_SQLITE = (
    "CREATE TRIGGER ae_observation_no_delete BEFORE DELETE ON ae_observation BEGIN "
    "SELECT RAISE(ABORT, 'cartrial: DELETE on ae_observation is refused: "
    "records are kept (21 CFR 11.10(c), (e))'); END"
)


def _retrigger() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS ae_observation_no_delete")
        op.execute(_TRIGGER_SQLITE)


def upgrade() -> None:
    with op.batch_alter_table("ae_observation") as batch:
        batch.drop_column("temperature_c")
        batch.drop_column("vasopressors")
        batch.drop_column("oxygen")
        batch.drop_column("ice_score")
        batch.add_column(sa.Column("kind", sa.String(32), nullable=False, server_default="?"))
        batch.add_column(sa.Column("payload_json", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("ae_observation") as batch:
        batch.alter_column("kind", existing_type=sa.String(32), server_default=None)
        batch.alter_column("payload_json", existing_type=sa.Text(), server_default=None)
    _retrigger()


def downgrade() -> None:
    with op.batch_alter_table("ae_observation") as batch:
        batch.drop_column("payload_json")
        batch.drop_column("kind")
        batch.add_column(sa.Column("temperature_c", sa.Numeric(4, 1), nullable=True))
        batch.add_column(sa.Column("vasopressors", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("oxygen", sa.String(32), nullable=True))
        batch.add_column(sa.Column("ice_score", sa.Integer(), nullable=True))
    _retrigger()
