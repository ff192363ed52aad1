"""Idempotency keys: the stored reply of a POST sent with an ``Idempotency-Key`` header.

A client that retries after a lost reply (the server crashed after COMMIT) got a second
AE or lab (issue 14). ``idempotency_key`` keeps, per user and key, the request's
fingerprint and the reply it got, written in the transaction of the records the
request created (:mod:`cartrial.store.idempotency`). It is not trial data: no
audit trigger, DELETE allowed (expired keys are purged), not exported.

A new table only, on both backends (``CREATE TABLE`` / ``DROP TABLE``, no rebuild of
another table, so no trigger is touched). Downgrade drops the table and the keys in it:
a retry after a downgrade is then a new request.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The one place to renumber this revision (and what it follows).
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_key",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_idempotency_key_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_key")),
    )
    op.create_index(
        op.f("ix_idempotency_key_expires_at"), "idempotency_key", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_idempotency_key_expires_at"), table_name="idempotency_key")
    op.drop_table("idempotency_key")
