"""Idempotency keys: the stored reply of a POST, kept for a retry (not trial data).

One row per (user, key) whose request succeeded (2xx), written in the same
transaction as the records the request created (:mod:`cartrial.store.idempotency`).
Like login sessions and API tokens, a row is not a trial record: it is not audited
(the records it refers to are, in the same transaction), not exported, and purged
once expired.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.base import Base, UtcDateTime

__all__ = ["IdempotencyKey"]


class IdempotencyKey(Base):
    __tablename__ = "idempotency_key"

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
