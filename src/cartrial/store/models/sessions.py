"""Login sessions and API tokens (21 CFR 11.10(d), 11.300).

Neither is trial data, so neither is audited field by field (logins and token
use are audited as events). Both store only the SHA-256 of a 256-bit random
secret: the secret is shown once and never kept (hashed at rest). A session
ends after :data:`IDLE_TIMEOUT` without activity; an API token at its
``expires_at``, :data:`API_TOKEN_LIFETIME` after its creation unless its creator
chose a shorter or longer life, never over :data:`API_TOKEN_LONGEST` (NIST SP
800-63B section 7.1: long-lived secrets are bounded; OWASP REST Security Cheat
Sheet: tokens expire). Neither grants anything by itself: the grant it names is
read again on every request (:mod:`cartrial.services.auth`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.base import Base, UtcDateTime, new_id, utcnow

__all__ = ["API_TOKEN_LIFETIME", "API_TOKEN_LONGEST", "IDLE_TIMEOUT", "ApiToken", "AuthSession"]

IDLE_TIMEOUT = dt.timedelta(minutes=15)
#: An API token's life when its creator does not choose one (module doc).
API_TOKEN_LIFETIME = dt.timedelta(days=90)
#: The longest life an API token may be given (module doc).
API_TOKEN_LONGEST = dt.timedelta(days=365)


class AuthSession(Base):
    __tablename__ = "auth_session"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class ApiToken(Base):
    __tablename__ = "api_token"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str | None] = mapped_column(ForeignKey("site.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
