"""User accounts: argon2id password hashes, login with lockout, role grants.

- 21 CFR 11.300(a): unique user name + password per person; 11.100(a): never
  reassigned (accounts are deactivated, not deleted);
- 21 CFR 11.300(b), (d): passwords stored only as argon2id hashes (RFC 9106);
  every attempt is in the audit trail;
- throttling, NIST SP 800-63B section 5.2.2 (rate limiting) and the OWASP
  Authentication Cheat Sheet (account lockout; authentication responses):
  :data:`MAX_FAILED_LOGINS` consecutive failures lock the account for
  :data:`FIRST_LOCK`, doubled by every further failure up to :data:`LONGEST_LOCK`
  (:func:`lock_delay`); the lock expires by itself, so a guesser cannot lock a
  person out for good, and an administrator may still lift it at once. A wrong
  user name, a wrong password and a locked account get the same answer
  (:data:`LOGIN_REFUSED`) after the same argon2 work, so the answer does not say
  whether an account exists;
- 21 CFR 11.10(d), (g) / Annex 11 section 12: a user acts in one role granted at
  one site, or sponsor-wide (grant without a site).
"""

from __future__ import annotations

import datetime as dt
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
    "FIRST_LOCK",
    "LOGIN_REFUSED",
    "LONGEST_LOCK",
    "MAX_FAILED_LOGINS",
    "MIN_PASSWORD_LENGTH",
    "actor_for",
    "check_password",
    "check_reentered_password",
    "hash_password",
    "lock_delay",
    "locked_until",
    "password_matches",
    "verify_login",
    "virtual_accounts",
]

MAX_FAILED_LOGINS = 5
#: How long the account is locked after :data:`MAX_FAILED_LOGINS` failures (module doc).
FIRST_LOCK = dt.timedelta(minutes=1)
#: The cap of the doubling lock (module doc).
LONGEST_LOCK = dt.timedelta(hours=1)
#: The one answer to a wrong user name, a wrong password and a locked account.
LOGIN_REFUSED = (
    "sign-in refused: unknown user name or wrong password, or too many failed attempts "
    "(then wait a few minutes and try again, or ask an administrator)"
)
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


def lock_delay(failed_logins: int) -> dt.timedelta:
    """How long ``failed_logins`` consecutive failures lock the account (module doc).

    None below :data:`MAX_FAILED_LOGINS`; then :data:`FIRST_LOCK` doubled per
    further failure, capped at :data:`LONGEST_LOCK` (5 -> 1 min, 6 -> 2 min, ...,
    11 and more -> 1 h).
    """
    if failed_logins < MAX_FAILED_LOGINS:
        return dt.timedelta(0)
    doublings = min(failed_logins - MAX_FAILED_LOGINS, 12)  # 2**12 min is far past the cap
    delay: dt.timedelta = FIRST_LOCK * (2**doublings)
    return min(delay, LONGEST_LOCK)


def locked_until(user: User) -> dt.datetime | None:
    """When the user's current lock ends (None: not locked; may be in the past)."""
    if user.locked_at is None:
        return None
    return user.locked_at + lock_delay(max(user.failed_logins, MAX_FAILED_LOGINS))


#: A hash to verify against when there is no account (or it is locked), so that every
#: refusal costs the same argon2 work and time does not tell them apart (module doc).
_DECOY: dict[str, str] = {}


def _decoy_check(password: str) -> None:
    hasher = _HASHER
    key = str(id(hasher))
    if key not in _DECOY:
        _DECOY[key] = hasher.hash("decoy password never used")
    _matches(_DECOY[key], password)


def verify_login(
    session: Session, *, username: str, password: str, now: dt.datetime | None = None
) -> User:
    """Check ``username`` and ``password``; count failures and lock for a while (module doc).

    Writes a ``login`` or ``login_failed`` audit entry (its reason says which refusal
    it was: the trail tells an administrator, the answer does not tell the caller).
    The caller commits even when this raises, so that the failure count and its
    entry are kept. A deactivated account is named only to someone who gave its
    right password.
    """
    now = now or utcnow()
    user = session.scalars(select(User).where(User.username == username)).first()
    refused = AuthenticationError(LOGIN_REFUSED)
    if user is None:
        _decoy_check(password)
        record_event(
            session,
            action="login_failed",
            table_name="user_account",
            record_id="-",
            new_value=username,
            reason="unknown user name",
        )
        raise refused
    until = locked_until(user)
    if until is not None and now < until:
        _decoy_check(password)  # the password is not tried while locked
        record_event(
            session,
            action="login_failed",
            table_name="user_account",
            record_id=user.id,
            new_value=str(user.failed_logins),
            reason=f"locked until {until.isoformat()}",
        )
        raise refused
    session.info["reason"] = "login attempt"
    if not _matches(user.password_hash, password):
        _count_failure(session, user, now, "wrong password")
        raise refused
    if not user.is_active:
        raise AuthenticationError(f"account {username!r} is deactivated")
    if user.failed_logins:
        user.failed_logins = 0
    if user.locked_at is not None:
        user.locked_at = None
    record_event(session, action="login", table_name="user_account", record_id=user.id)
    return user


def _count_failure(session: Session, user: User, now: dt.datetime, reason: str) -> None:
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_at = now
    record_event(
        session,
        action="login_failed",
        table_name="user_account",
        record_id=user.id,
        new_value=str(user.failed_logins),
        reason=reason,
    )


def count_failed_reentry(session: Session, user_id: str, purpose: str) -> None:
    """Count a wrong password re-entered for ``purpose`` (a signature) as a failed login.

    NIST SP 800-63B section 5.2.2: every attempt to prove the password is rate-limited,
    so a borrowed session cannot guess it at the signature prompt either. Called in a
    transaction of its own after the refused use case rolled back.
    """
    user = session.get(User, user_id)
    if user is not None:
        _count_failure(session, user, utcnow(), f"wrong password re-entered for {purpose}")


def check_reentered_password(session: Session, user: User, password: str, purpose: str) -> bool:
    """Whether ``password`` is ``user``'s, re-entered for ``purpose`` (21 CFR 11.300(d)).

    For a signed-in person proving it again (a password change, an administrator's
    reset): a wrong one counts as a failed login and locks like one (module doc),
    so a borrowed session cannot be used to guess the password; while the account
    is locked nothing is tried. The caller commits even when this returns False.
    """
    now = utcnow()
    until = locked_until(user)
    if until is not None and now < until:
        _decoy_check(password)
        return False
    if _matches(user.password_hash, password):
        return True
    _count_failure(session, user, now, f"wrong password re-entered for {purpose}")
    return False


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
