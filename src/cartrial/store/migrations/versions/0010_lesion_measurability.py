"""Lesions say what kind they are, whether they lie in an irradiated field, when scanned.

RECIST 1.1 (Eisenhauer et al. 2009) section 3.1.2 makes some lesions non-measurable
whatever their size (effusions, ascites, leptomeningeal disease, lymphangitic
involvement ...), section 3.1.3 blastic bone lesions, cystic lesions and lesions in a
previously irradiated field as the protocol defines. ``lesion_measurement`` gains
``lesion_type`` (CHECK: ``cartrial.vocabulary.LESION_TYPES``), ``previously_irradiated``
and ``progressed_since_irradiation``; existing rows become ``mass``, not irradiated,
which is what the engine assumed of them before. ``scanned_on`` (nullable) is the day of
a lesion's scan when one assessment's scans were done on different days: the FDA 2018
endpoints guidance dates progression by the earliest scan that shows it.

On SQLite the table is rebuilt (batch mode), so its DELETE-refusing trigger is made
again. The downgrade drops the three columns; it refuses, naming the record and the
value, when a stored lesion is of another kind than ``mass``, marked irradiated or has
its own scan date: dropping that would change what the stored responses were derived
from.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from cartrial.errors import InputError
from cartrial.vocabulary import LESION_TYPES

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TABLE = "lesion_measurement"
_CHECK = "ck_lesion_measurement_lesion_type"


def _retrigger() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_delete")
        op.execute(
            f"CREATE TRIGGER {_TABLE}_no_delete BEFORE DELETE ON {_TABLE} BEGIN "
            f"SELECT RAISE(ABORT, 'cartrial: DELETE on {_TABLE} is refused: "
            "records are kept (21 CFR 11.10(c), (e))'); END"
        )


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(
            sa.Column("lesion_type", sa.String(40), nullable=False, server_default="mass")
        )
        batch.add_column(
            sa.Column(
                "previously_irradiated", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column(
                "progressed_since_irradiation",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )
        batch.add_column(sa.Column("scanned_on", sa.Date(), nullable=True))
    with op.batch_alter_table(_TABLE) as batch:
        batch.alter_column("lesion_type", existing_type=sa.String(40), server_default=None)
        batch.alter_column("previously_irradiated", existing_type=sa.Boolean(), server_default=None)
        batch.alter_column(
            "progressed_since_irradiation", existing_type=sa.Boolean(), server_default=None
        )
        batch.create_check_constraint(
            op.f(_CHECK), "lesion_type IN (" + ", ".join(f"'{v}'" for v in LESION_TYPES) + ")"
        )
    _retrigger()


def downgrade() -> None:
    found = (
        op.get_bind()
        .execute(
            sa.text(
                f"SELECT id, lesion_type, previously_irradiated, scanned_on FROM {_TABLE} "
                "WHERE lesion_type <> 'mass' OR previously_irradiated "
                "OR scanned_on IS NOT NULL ORDER BY id"
            )
        )
        .first()
    )
    if found is not None:
        record_id, lesion_type, irradiated, scanned_on = found
        raise InputError(
            f"{_TABLE}.lesion_type",
            f"{lesion_type} (previously_irradiated={bool(irradiated)}, "
            f"scanned_on={scanned_on}), record {record_id}",
            f"only 'mass' lesions, not irradiated, without their own scan date, which "
            f"revision {down_revision} can hold: downgrade refused, nothing changed",
        )
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_constraint(op.f(_CHECK), type_="check")
        batch.drop_column("scanned_on")
        batch.drop_column("progressed_since_irradiation")
        batch.drop_column("previously_irradiated")
        batch.drop_column("lesion_type")
    _retrigger()
