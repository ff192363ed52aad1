"""Lab results keep what CTCAE v5.0 grades them against: term, ULN, LLN, baseline, anticoagulation.

A lab value entered through the services was graded without its baseline and
anticoagulation flag, and the ULN/LLN it was graded against were not stored, so
the stored grade could not be re-derived from the record and differed from
``cartrial safety grade-lab`` on the same value (issue 12: ALT 150 U/L, ULN 40,
baseline 60 is grade 1 against the baseline, CTCAE v5.0 "1.5 - 3.0 x baseline if
baseline was abnormal", and grade 2 against the ULN, "> 3.0 - 5.0 x ULN if
baseline was normal"). The new columns are nullable (``ctcae_term``, ``uln``,
``lln``, ``baseline``: values recorded before this revision did not keep them);
``on_anticoagulation`` is NOT NULL with the server default false, what every lab
was graded as until now.

Columns are added with ``ADD COLUMN`` on both backends (no table rebuild, so
``lab_result``'s DELETE-refusing trigger stays). The default stays on the column,
as 0006's ``site.time_zone`` does: dropping it on SQLite means rebuilding the
table. Downgrade drops the columns (SQLite 3.35+ ``DROP COLUMN``; batch mode on
older) and makes the trigger again.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = ("ctcae_term", "uln", "lln", "baseline", "on_anticoagulation")


def upgrade() -> None:
    op.add_column("lab_result", sa.Column("ctcae_term", sa.String(200), nullable=True))
    for name in ("uln", "lln", "baseline"):
        op.add_column("lab_result", sa.Column(name, sa.Numeric(14, 4), nullable=True))
    op.add_column(
        "lab_result",
        sa.Column("on_anticoagulation", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("lab_result") as batch:
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS lab_result_no_delete")
        op.execute(
            "CREATE TRIGGER lab_result_no_delete BEFORE DELETE ON lab_result BEGIN "
            "SELECT RAISE(ABORT, 'cartrial: DELETE on lab_result is refused: "
            "records are kept (21 CFR 11.10(c), (e))'); END"
        )
