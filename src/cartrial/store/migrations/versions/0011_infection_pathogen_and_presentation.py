"""An adverse event keeps the infection's pathogen and presentation, for the AESI rule.

The AESI "serious or opportunistic infection" (uclm802; CLINICAL_RULES section 4)
flagged every infection, because nothing said which organism caused it: a grade 2,
non-serious, common bacterial infection was an AESI (issue 13). Opportunistic is now
read from the organism and, for organisms that also cause common infections, the
presentation (``cartrial.safety.infections``), so the AE record stores both. Both
columns are nullable: AEs recorded before this revision, and every AE that is not an
infection, have none.

Columns are added with ``ADD COLUMN`` on both backends (no table rebuild, so
``adverse_event``'s DELETE-refusing trigger stays). Downgrade drops them (batch mode
rebuilds the table on SQLite) and makes the trigger again.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("adverse_event", sa.Column("pathogen", sa.String(200), nullable=True))
    op.add_column("adverse_event", sa.Column("presentation", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("adverse_event") as batch:
        batch.drop_column("presentation")
        batch.drop_column("pathogen")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS adverse_event_no_delete")
        op.execute(
            "CREATE TRIGGER adverse_event_no_delete BEFORE DELETE ON adverse_event BEGIN "
            "SELECT RAISE(ABORT, 'cartrial: DELETE on adverse_event is refused: "
            "records are kept (21 CFR 11.10(c), (e))'); END"
        )
