"""Sites carry their time zone (``site.time_zone``, an IANA name such as ``Asia/Shanghai``).

Times stay stored in UTC; the services turn them into the site's local clock
before an engine counts study days (day 0 = the local calendar day of the
infusion, ``cartrial.services.site_clock``). The column is NOT NULL; sites
registered before this revision get ``UTC``, the clock every site was implicitly
given until now. An admin corrects a site on another clock with
``cartrial site set-time-zone`` (an audited change with its reason).

The column keeps its server default ``UTC`` on both backends: dropping a default
on SQLite means rebuilding ``site``, and with foreign keys on (``role_grant`` and
``subject`` refer to it) SQLite refuses to drop a referenced table that has rows.
New sites never rely on the default: the admin service requires a zone.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "site", sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC")
    )


def downgrade() -> None:
    op.drop_column("site", "time_zone")
