"""Login sessions with an idle timeout, and API tokens hashed at rest.

- 21 CFR 11.10(d) / Annex 11 section 12: every request is tied to a person,
  a role and a site; :func:`login` checks the password (lockout in
  :func:`cartrial.store.accounts.verify_login`) and the grant;
- 21 CFR 11.300(d): a session unused for :data:`~cartrial.store.models.IDLE_TIMEOUT`
  ends; a revoked API token stops working at once. A session's last activity is
  written at most every :data:`TOUCH_INTERVAL` (a request inside it only reads), so
  the idle timeout is measured to within that and most requests write nothing;
- secrets are 256-bit random, shown once, stored only as SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, bindparam, select

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, NotFoundError
from cartrial.services.context import Sessions, transaction
from cartrial.store.accounts import actor_for, verify_login
from cartrial.store.audit import record_event
from cartrial.store.models import IDLE_TIMEOUT, ApiToken, AuthSession, User, utcnow

__all__ = [
    "TOUCH_INTERVAL",
    "create_api_token",
    "login",
    "logout",
    "resolve_api_token",
    "resolve_session",
    "revoke_api_token",
]


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


def resolve_session(sessions: Sessions, token: str) -> Actor:
    """The actor behind a session token; an idle or ended session is refused."""
    problem: str | None = None
    actor: Actor | None = None
    with sessions() as session, session.begin():
        row = session.scalars(
            select(AuthSession).where(AuthSession.token_sha256 == _digest(token))
        ).first()
        now = utcnow()
        if row is None or row.ended_at is not None:
            problem = "not signed in (unknown or ended session)"
        elif now - row.last_seen_at > IDLE_TIMEOUT:
            row.ended_at = now
            minutes = int(IDLE_TIMEOUT.total_seconds() // 60)
            problem = f"session expired after {minutes} minutes without activity"
        else:
            if now - row.last_seen_at >= TOUCH_INTERVAL:
                row.last_seen_at = now
            user = session.get(User, row.user_id)
            if user is None or not user.is_active or user.locked_at is not None:
                problem = "the account is locked or deactivated"
            else:
                actor = Actor(user.id, user.username, row.role, row.site_id)
    if problem is not None or actor is None:
        raise AuthenticationError(problem or "not signed in")
    return actor


def logout(sessions: Sessions, token: str) -> None:
    """End a session."""
    with sessions() as session, session.begin():
        row = session.scalars(
            select(AuthSession).where(AuthSession.token_sha256 == _digest(token))
        ).first()
        if row is not None and row.ended_at is None:
            row.ended_at = utcnow()


def create_api_token(sessions: Sessions, *, actor: Actor, label: str) -> tuple[str, ApiToken]:
    """A token acting as ``actor`` (same user, role, site); the secret is returned once."""
    if actor.user_id is None:
        raise AuthenticationError("API tokens belong to a signed-in user")
    secret = "ct_" + secrets.token_urlsafe(32)
    with transaction(sessions, actor) as session:
        row = ApiToken(
            user_id=actor.user_id,
            token_sha256=_digest(secret),
            label=label,
            role=actor.role or "",
            site_id=actor.site_id,
        )
        session.add(row)
        session.flush()
        record_event(
            session, action="insert", table_name="api_token", record_id=row.id, new_value=label
        )
    return secret, row


def revoke_api_token(sessions: Sessions, *, actor: Actor, token_id: str) -> None:
    """Revoke a token (its own user or an admin)."""
    with transaction(sessions, actor) as session:
        row = session.get(ApiToken, token_id)
        if row is None or (row.user_id != actor.user_id and actor.role != "admin"):
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


# Built once: SQLAlchemy reuses the compiled form and its result layout as they are,
# where a statement built per call is recompiled from the cache and re-adapted.
_TOKEN_HOLDER = (
    select(
        ApiToken.revoked_at,
        ApiToken.role,
        ApiToken.site_id,
        User.id,
        User.username,
        User.is_active,
        User.locked_at,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_sha256 == bindparam("digest"))
)


def resolve_api_token(sessions: Sessions, secret: str) -> Actor:
    """The actor behind an API token; revoked tokens and locked accounts are refused."""
    # One SELECT of plain columns on a pooled connection, no session and no ORM
    # objects; on PostgreSQL in autocommit (no BEGIN/ROLLBACK round trips): the check
    # reads one row and writes nothing. SQLite keeps its BEGIN IMMEDIATE (store.db).
    engine: Engine = sessions.kw["bind"]
    options = {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection:
        row = connection.execute(_TOKEN_HOLDER, {"digest": _digest(secret)}).first()
    if row is None or row.revoked_at is not None:
        raise AuthenticationError("unknown or revoked API token")
    if not row.is_active or row.locked_at is not None:
        raise AuthenticationError("the account is locked or deactivated")
    return Actor(row.id, row.username, row.role, row.site_id)
