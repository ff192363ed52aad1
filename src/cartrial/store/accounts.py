"""User accounts: argon2id password hashes, login with lockout, role grants.

- 21 CFR 11.300(a): unique user name + password per person; 11.100(a): never
  reassigned (accounts are deactivated, not deleted);
- 21 CFR 11.300(b), (d): passwords stored only as argon2id hashes (RFC 9106);
  :data:`MAX_FAILED_LOGINS` consecutive failures lock the account until an
  administrator unlocks it, and every attempt is in the audit trail;
- 21 CFR 11.10(d), (g) / Annex 11 section 12: a user acts in one role granted at
  one site, or sponsor-wide (grant without a site).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, InputError, PermissionDenied
from cartrial.store.audit import record_event
from cartrial.store.models import RoleGrant, Site, User, utcnow
from cartrial.vocabulary import ROLES

__all__ = [
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_LENGTH",
    "actor_for",
    "check_password",
    "hash_password",
    "verify_login",
    "virtual_accounts",
]

MAX_FAILED_LOGINS = 5
MIN_PASSWORD_LENGTH = 12
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (t=3, m=64 MiB, p=4)


def check_password(password: str) -> str:
    """Refuse a password shorter than :data:`MIN_PASSWORD_LENGTH` characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(
            "password", "(hidden)", f"at least {MIN_PASSWORD_LENGTH} characters (21 CFR 11.300)"
        )
    return password


#: Under :func:`virtual_accounts`: a test-sized hasher and a seeded salt source.
_VIRTUAL: ContextVar[tuple[PasswordHasher, np.random.Generator] | None] = ContextVar(
    "cartrial_virtual_accounts", default=None
)


@contextmanager
def virtual_accounts(seed: int) -> Iterator[None]:
    """Hash the passwords of a simulation's virtual users cheaply and reproducibly.

    Still argon2id, with test-sized cost (t=1, 1 MiB) and salts drawn from
    ``seed``, so a simulated trial with a few hundred signatures runs in seconds
    and the same seed gives the same stored hashes. Only the whole-trial
    simulator uses it (this thread's context only); real accounts always get
    RFC 9106's profile and a random salt (21 CFR 11.300(b)).
    """
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    token = _VIRTUAL.set((hasher, np.random.default_rng([seed, 0xA2])))
    try:
        yield
    finally:
        _VIRTUAL.reset(token)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the text starts ``$argon2id$``)."""
    virtual = _VIRTUAL.get()
    if virtual is not None:
        hasher, salts = virtual
        return hasher.hash(check_password(password), salt=salts.bytes(16))
    return _HASHER.hash(check_password(password))


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def verify_login(session: Session, *, username: str, password: str) -> User:
    """Check ``username`` and ``password``; count failures and lock after the limit.

    Writes a ``login`` or ``login_failed`` audit entry. The caller commits even
    when this raises, so that the failure count and its entry are kept.
    """
    user = session.scalars(select(User).where(User.username == username)).first()
    generic = AuthenticationError("unknown user name or wrong password")
    if user is None:
        record_event(
            session,
            action="login_failed",
            table_name="user_account",
            record_id="-",
            new_value=username,
            reason="unknown user name",
        )
        raise generic
    if not user.is_active:
        raise AuthenticationError(f"account {username!r} is deactivated")
    if user.locked_at is not None:
        raise AuthenticationError(
            f"account {username!r} is locked after {MAX_FAILED_LOGINS} failed logins; "
            "an administrator must unlock it (21 CFR 11.300(d))"
        )
    session.info["reason"] = "login attempt"
    if not _matches(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_at = utcnow()
        record_event(
            session,
            action="login_failed",
            table_name="user_account",
            record_id=user.id,
            new_value=str(user.failed_logins),
        )
        raise generic
    if user.failed_logins:
        user.failed_logins = 0
    record_event(session, action="login", table_name="user_account", record_id=user.id)
    return user


def actor_for(session: Session, *, user: User, role: str, site_code: str | None) -> Actor:
    """The actor ``user`` becomes in ``role`` at ``site_code`` (None: sponsor-wide).

    Refused unless the user holds that grant, unrevoked.
    """
    if role not in ROLES:
        raise InputError("role", role, "one of " + ", ".join(ROLES))
    site_id = None
    if site_code is not None:
        site = session.scalars(select(Site).where(Site.code == site_code)).first()
        if site is None:
            raise InputError("site", site_code, "the code of a registered site")
        site_id = site.id
    grant = session.scalars(
        select(RoleGrant).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == role,
            RoleGrant.site_id.is_(None) if site_id is None else RoleGrant.site_id == site_id,
            RoleGrant.revoked_at.is_(None),
        )
    ).first()
    if grant is None:
        raise PermissionDenied(action=f"act as {role}", role=role, site=site_code or "all sites")
    return Actor(user_id=user.id, username=user.username, role=role, site_id=site_id)


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (signature re-authentication, 21 CFR 11.200(a))."""
    return _matches(user.password_hash, password)
