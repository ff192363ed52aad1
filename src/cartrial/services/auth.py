"""Login sessions with an idle timeout, API tokens hashed at rest, password changes.

- 21 CFR 11.10(d) / Annex 11 section 12: every request is tied to a person,
  a role and a site; :func:`login` checks the password (lockout in
  :func:`cartrial.store.accounts.verify_login`) and the grant;
- grants are read on every request (issue 14): a session or API token acts only
  while its user is active and still holds the grant (role at site, or
  sponsor-wide) it was opened with, so a revocation, however it was made, takes
  effect on the next request (403), with no cache to expire. The check is part of
  the one SELECT that finds the session or token (an ``EXISTS`` on the user's
  grants, indexed by user), so it costs no extra round trip;
- 21 CFR 11.300(d): a session unused for :data:`~cartrial.store.models.IDLE_TIMEOUT`
  ends; a revoked API token stops working at once, and an expired one at its
  ``expires_at`` (:data:`~cartrial.store.models.API_TOKEN_LIFETIME` by default,
  at most :data:`~cartrial.store.models.API_TOKEN_LONGEST`). A session's last
  activity is written at most every :data:`TOUCH_INTERVAL` (a request inside it
  only reads), so the idle timeout is measured to within that and most requests
  write nothing;
- a password change needs the current password again (OWASP Authentication
  Cheat Sheet, "Require re-authentication for sensitive features"; NIST SP
  800-63B section 5.1.1.2 for the new one's length), is audited, and ends the
  user's other sessions (OWASP Session Management Cheat Sheet, "Renew the Session
  ID After Any Privilege Level Change" / invalidate sessions on password change);
- secrets are 256-bit random, shown once, stored only as SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, InputError, NotFoundError, PermissionDenied
from cartrial.services.access import user_in_scope
from cartrial.services.context import Sessions, transaction
from cartrial.store.accounts import (
    actor_for,
    check_reentered_password,
    hash_password,
    verify_login,
)
from cartrial.store.audit import record_event
from cartrial.store.models import (
    API_TOKEN_LIFETIME,
    API_TOKEN_LONGEST,
    IDLE_TIMEOUT,
    ApiToken,
    AuthSession,
    RoleGrant,
    User,
    utcnow,
)

__all__ = [
    "TOUCH_INTERVAL",
    "change_password",
    "create_api_token",
    "end_other_sessions",
    "login",
    "logout",
    "resolve_api_token",
    "resolve_session",
    "resolve_session_then",
    "revoke_api_token",
]


T = TypeVar("T")

#: How often a session's last activity is written (module doc).
TOUCH_INTERVAL = dt.timedelta(seconds=30)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def login(
    sessions: Sessions, *, username: str, password: str, role: str, site_code: str | None
) -> tuple[str, Actor]:
    """A new session token for the user acting in ``role`` at ``site_code``."""
    failure: AuthenticationError | None = None
    token = secrets.token_urlsafe(32)
    actor: Actor | None = None
    with transaction(sessions, Actor(None, username, None)) as session:
        try:
            user = verify_login(session, username=username, password=password)
        except AuthenticationError as exc:
            failure = exc  # commit the failure count and its audit entry, then raise
        else:
            actor = actor_for(session, user=user, role=role, site_code=site_code)
            session.add(
                AuthSession(
                    user_id=user.id, token_sha256=_digest(token), role=role, site_id=actor.site_id
                )
            )
    if failure is not None:
        raise failure
    assert actor is not None
    return token, actor


def _grant_held(holder: type[AuthSession] | type[ApiToken]) -> Label[bool]:
    """``EXISTS`` an unrevoked grant of the holder's user, role and site (module doc)."""
    return (
        select(RoleGrant.id)
        .where(
            RoleGrant.user_id == holder.user_id,
            RoleGrant.role == holder.role,
            RoleGrant.site_id.is_not_distinct_from(holder.site_id),
            RoleGrant.revoked_at.is_(None),
        )
        .exists()
        .label("granted")
    )


def _grant_revoked(role: str) -> PermissionDenied:
    return PermissionDenied(
        action=f"act as {role} any more: that grant was revoked (sign in with a role you hold)",
        role=role,
    )


# Built once: SQLAlchemy reuses the compiled form and its result layout as they are.
_SESSION_HOLDER = (
    select(
        AuthSession.id.label("session_id"),
        AuthSession.role,
        AuthSession.site_id,
        AuthSession.last_seen_at,
        AuthSession.ended_at,
        User.id.label("user_id"),
        User.username,
        User.is_active,
        _grant_held(AuthSession),
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_sha256 == bindparam("digest"))
)
_TOUCH_SESSION = (
    update(AuthSession)
    .where(AuthSession.id == bindparam("session_id"), AuthSession.ended_at.is_(None))
    .values(last_seen_at=bindparam("now"))
)
_END_SESSION = (
    update(AuthSession)
    .where(AuthSession.id == bindparam("session_id"), AuthSession.ended_at.is_(None))
    .values(ended_at=bindparam("now"))
)


def resolve_session(sessions: Sessions, token: str) -> Actor:
    """The actor behind a session token; an idle or ended session, or a lost grant, is refused.

    One SELECT (the session, its user and whether the grant is still held).
    """
    actor, _nothing = resolve_session_then(sessions, token, _read_nothing)
    return actor


def _read_nothing(_connection: Connection) -> None:
    return None


def resolve_session_then(
    sessions: Sessions, token: str, read: Callable[[Connection], T]
) -> tuple[Actor, T]:
    """:func:`resolve_session`'s actor, and ``read(connection)`` once the session is valid.

    One pooled connection, no ORM objects: the session, its user and whether the
    grant is still held in one SELECT; on PostgreSQL in autocommit (no BEGIN/COMMIT
    round trips: the check reads one row, and the touch and the expiry are one-row
    UPDATEs, atomic on their own), so a page's check and ``read`` (its kept body's
    key, :mod:`cartrial.web.pages.cache`) cost two round trips. SQLite keeps its
    ``BEGIN IMMEDIATE`` (store.db): the check, the writes and ``read`` are one
    transaction.
    """
    engine: Engine = sessions.kw["bind"]
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection:
        row = connection.execute(_SESSION_HOLDER, {"digest": _digest(token)}).first()
        now = utcnow()
        if row is None or row.ended_at is not None:
            raise AuthenticationError("not signed in (unknown or ended session)")
        last_seen = _aware(row.last_seen_at)
        if now - last_seen > IDLE_TIMEOUT:
            connection.execute(_END_SESSION, {"session_id": row.session_id, "now": now})
            connection.commit()
            minutes = int(IDLE_TIMEOUT.total_seconds() // 60)
            raise AuthenticationError(f"session expired after {minutes} minutes without activity")
        if not row.is_active:
            raise AuthenticationError("the account is deactivated")
        if not row.granted:
            raise _grant_revoked(row.role)
        if now - last_seen >= TOUCH_INTERVAL:
            connection.execute(_TOUCH_SESSION, {"session_id": row.session_id, "now": now})
            connection.commit()
        actor = Actor(row.user_id, row.username, row.role, row.site_id)
        return actor, read(connection)


def logout(sessions: Sessions, token: str) -> None:
    """End a session."""
    with sessions() as session, session.begin():
        row = session.scalars(
            select(AuthSession).where(AuthSession.token_sha256 == _digest(token))
        ).first()
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()


def create_api_token(
    sessions: Sessions, *, actor: Actor, label: str, lifetime: dt.timedelta | None = None
) -> tuple[str, ApiToken]:
    """A token acting as ``actor`` (same user, role, site); the secret is returned once.

    It expires after ``lifetime`` (default :data:`API_TOKEN_LIFETIME`, from one day
    to :data:`API_TOKEN_LONGEST`; module doc).
    """
    if actor.user_id is None:
        raise AuthenticationError("API tokens belong to a signed-in user")
    life = API_TOKEN_LIFETIME if lifetime is None else lifetime
    if not dt.timedelta(days=1) <= life <= API_TOKEN_LONGEST:
        raise InputError(
            "lifetime_days",
            life.total_seconds() / 86400,
            f"from 1 to {API_TOKEN_LONGEST.days} days (default {API_TOKEN_LIFETIME.days})",
        )
    secret = "ct_" + secrets.token_urlsafe(32)
    now = utcnow()
    with transaction(sessions, actor) as session:
        row = ApiToken(
            user_id=actor.user_id,
            token_sha256=_digest(secret),
            label=label,
            role=actor.role or "",
            site_id=actor.site_id,
            created_at=now,
            expires_at=now + life,
        )
        session.add(row)
        session.flush()
        record_event(
            session, action="insert", table_name="api_token", record_id=row.id, new_value=label
        )
    return secret, row


def revoke_api_token(sessions: Sessions, *, actor: Actor, token_id: str) -> None:
    """Revoke a token: its own user's, or, for an admin, one of a user in the admin's scope.

    Another user's token out of the admin's sites is "not found" (:func:`user_in_scope`).
    """
    with transaction(sessions, actor) as session:
        row = session.get(ApiToken, token_id)
        if row is None or (
            row.user_id != actor.user_id
            and (actor.role != "admin" or not user_in_scope(session, actor, row.user_id))
        ):
            raise NotFoundError("API token", token_id)
        row.revoked_at = utcnow()
        record_event(
            session,
            action="update",
            table_name="api_token",
            record_id=row.id,
            field="revoked_at",
            new_value="revoked",
        )


def end_other_sessions(session: Session, user_id: str, *, keep: str | None = None) -> int:
    """End every open login session of the user but the one whose token is ``keep``.

    Returns how many ended.
    """
    kept = _digest(keep) if keep is not None else None
    ended = 0
    now = utcnow()
    for row in session.scalars(
        select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.ended_at.is_(None))
    ):
        if row.token_sha256 != kept:
            row.ended_at = now
            ended += 1
    return ended


def change_password(
    sessions: Sessions,
    *,
    actor: Actor,
    current_password: str,
    new_password: str,
    session_token: str | None = None,
) -> int:
    """Change the signed-in user's own password, after re-entering the current one.

    The new password is checked (length) and hashed before anything is read; a wrong
    current password counts as a failed login (``check_reentered_password``) and
    changes nothing else. The change is audited (the hash itself is redacted in the
    trail) and the user's other sessions end; the one ``session_token`` names goes
    on. Returns how many sessions ended.
    """
    if actor.user_id is None:
        raise AuthenticationError("only a signed-in user changes a password")
    if new_password == current_password:
        raise InputError("new_password", "(hidden)", "a password other than the current one")
    new_hash = hash_password(new_password)
    refused = False
    ended = 0
    with transaction(sessions, actor, reason="password changed by its user") as session:
        user = session.get(User, actor.user_id)
        if user is None:
            raise AuthenticationError("not signed in")
        if not check_reentered_password(session, user, current_password, "a password change"):
            refused = True  # commit the failure count and its entry, then refuse
        else:
            user.password_hash = new_hash
            ended = end_other_sessions(session, user.id, keep=session_token)
    if refused:
        raise AuthenticationError(
            "password not changed: the current password is wrong, or the account is "
            "locked after too many failed attempts"
        )
    return ended


# Built once: SQLAlchemy reuses the compiled form and its result layout as they are,
# where a statement built per call is recompiled from the cache and re-adapted.
_TOKEN_HOLDER = (
    select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        ApiToken.role,
        ApiToken.site_id,
        User.id,
        User.username,
        User.is_active,
        _grant_held(ApiToken),
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_sha256 == bindparam("digest"))
)


def resolve_api_token(sessions: Sessions, secret: str) -> Actor:
    """The actor behind an API token; a revoked or expired token, a deactivated account
    or a lost grant is refused (one SELECT, module doc)."""
    # One SELECT of plain columns on a pooled connection, no session and no ORM
    # objects; on PostgreSQL in autocommit (no BEGIN/ROLLBACK round trips): the check
    # reads one row and writes nothing. SQLite keeps its BEGIN IMMEDIATE (store.db).
    engine: Engine = sessions.kw["bind"]
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection:
        row = connection.execute(_TOKEN_HOLDER, {"digest": _digest(secret)}).first()
    if row is None or row.revoked_at is not None:
        raise AuthenticationError("unknown or revoked API token")
    if row.expires_at is not None and utcnow() >= _aware(row.expires_at):
        raise AuthenticationError(
            f"API token expired at {_aware(row.expires_at).isoformat()}: create a new one"
        )
    if not row.is_active:
        raise AuthenticationError("the account is deactivated")
    if not row.granted:
        raise _grant_revoked(row.role)
    return Actor(row.id, row.username, row.role, row.site_id)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
