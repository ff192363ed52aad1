"""The audit trail table: append-only, hash-chained (21 CFR 11.10(e); Annex 11 section 9).

One row per change of one field (or one row per inserted record, holding all its
values), written in the same transaction as the change. The database refuses
UPDATE and DELETE on it (triggers made by the migration); ``entry_sha256`` chains
each entry to the one before, so an edit made behind the triggers' back is
found by :func:`cartrial.store.audit.verify_chain`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.base import Base, UtcDateTime

__all__ = ["ACTIONS", "AuditEntry"]

#: What an entry records (TRIAL_DATA.md section 1.6 row 5).
ACTIONS = (
    "insert",
    "update",
    "delete",
    "sign",
    "refuse",
    "login",
    "login_failed",
    "lock",
    "export",
)


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[str | None] = mapped_column(String(36))
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(32))
    site_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(16))
    table_name: Mapped[str] = mapped_column(String(64), index=True)
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_sha256: Mapped[str] = mapped_column(String(64))
    entry_sha256: Mapped[str] = mapped_column(String(64))
