"""API tokens expire (issue 14, accounts and access).

``api_token.expires_at``: a token works until then (NIST SP 800-63B section 7.1;
``cartrial.store.models.sessions``). Tokens created before this revision get the
default life counted from their creation (``created_at`` + 90 days), so a token
older than that stops working after the upgrade, as a new one would. Then the
column is made NOT NULL (``ALTER COLUMN`` on PostgreSQL; on SQLite batch mode
rebuilds ``api_token``, which has no triggers).

The login lock that expires and the per-request grant check need no column:
``user_account.locked_at`` is when the latest lock began, and its length follows
from ``failed_logins`` (``cartrial.store.accounts.lock_delay``).

Downgrade drops the column (batch mode on SQLite).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_LIFETIME = dt.timedelta(days=90)  # API_TOKEN_LIFETIME when this revision was written


def upgrade() -> None:
    op.add_column("api_token", sa.Column("expires_at", sa.DateTime(), nullable=True))
    tokens = sa.table(
        "api_token",
        sa.column("id", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("expires_at", sa.DateTime),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(tokens.c.id, tokens.c.created_at)).all()
    for token_id, created_at in rows:
        bind.execute(
            tokens.update().where(tokens.c.id == token_id).values(expires_at=created_at + _LIFETIME)
        )
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
