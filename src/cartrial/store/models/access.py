"""Sites, user accounts, role grants per site and electronic signatures.

- 21 CFR 11.10(d) / Annex 11 section 12: access limited to authorised users,
  scoped by site; a grant with no site is sponsor-wide;
- 21 CFR 11.100(a): user names are unique and never reassigned (accounts are
  deactivated, never deleted);
- 21 CFR 11.50 / 11.70 / Annex 11 section 14: a signature stores the printed
  name, the UTC time and the meaning, and is bound to the signed record by its
  version and the SHA-256 of its content.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.base import Record, UtcDateTime, utcnow
from cartrial.vocabulary import ROLES, SIGNATURE_MEANINGS

__all__ = ["RoleGrant", "Signature", "Site", "User"]


def _in(column: str, values: tuple[str, ...] | list[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Site(Record):
    """A trial site and its clock.

    ``time_zone`` is an IANA name (``Asia/Shanghai``): times are stored in UTC
    and turned into this clock where study days are counted
    (:mod:`cartrial.services.site_clock`). The server default ``UTC`` is what
    sites registered before migration 0006 got; the admin service always sets
    the zone explicitly.
    """

    __tablename__ = "site"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    time_zone: Mapped[str] = mapped_column(String(64), server_default="UTC")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class User(Record):
    """A named person's account; locked for a while after failed logins (21 CFR 11.300(d)).

    ``locked_at`` is when the latest lock began; it lasts
    :func:`cartrial.store.accounts.lock_delay` of ``failed_logins`` and then expires.
    """

    __tablename__ = "user_account"
    __audit_redact__ = frozenset({"password_hash"})

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class RoleGrant(Record):
    """One role of one user at one site (``site_id`` NULL: sponsor-wide)."""

    __tablename__ = "role_grant"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class Signature(Record):
    """An electronic signature manifest (21 CFR 11.50) linked to its record (11.70)."""

    __tablename__ = "signature"
    __table_args__ = (CheckConstraint(_in("meaning", list(SIGNATURE_MEANINGS)), name="meaning"),)

    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"))
    printed_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    meaning: Mapped[str] = mapped_column(String(32))
    statement: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(36), index=True)
    record_version: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
