"""Typed dependencies: the session factory, the current actor, roles (STYLE practice 12).

``Authorization: Bearer <secret>``: secrets starting ``ct_`` are API tokens,
others are login-session tokens (idle timeout). Role dependencies check the
action against :data:`cartrial.services.access.PERMISSIONS`; the site check is
in the service, where the subject's site is known.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.pool import QueuePool
from starlette.concurrency import run_in_threadpool

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, InputError
from cartrial.services import auth
from cartrial.services.access import authorize
from cartrial.services.context import Sessions

__all__ = [
    "CurrentActor",
    "RequireAuditReader",
    "RequireInvestigator",
    "RequireSiteStaff",
    "SessionsDep",
    "refuse_nul_in_parameters",
    "require",
]

_bearer = HTTPBearer(auto_error=False)


# Dependencies that do no I/O are ``async def``: FastAPI runs them on the event loop
# instead of handing each to a worker thread and back.


async def refuse_nul_in_parameters(request: Request) -> None:
    """A path or query parameter holding NUL (0x00) is a 422 naming the parameter.

    PostgreSQL text cannot hold NUL (its driver refuses the statement), so a filter
    such as ``?test=a%00b`` would otherwise fail inside the database as a 500; the
    request bodies refuse NUL in their schemas (``schemas._In``). Refused on every
    backend, so that an answer does not depend on the database.
    """
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if isinstance(value, str) and "\x00" in value:
            raise InputError(name, value, "text without NUL characters")


async def get_sessions(request: Request) -> Sessions:
    """The app's sessions; a POST with an ``Idempotency-Key`` gets its request's own
    (:mod:`cartrial.web.api.idempotency`: one transaction, the reply stored in it)."""
    unit = getattr(request.state, "idempotency", None)
    sessions: Sessions = unit.sessions if unit is not None else request.app.state.sessions
    return sessions


SessionsDep = Annotated[Sessions, Depends(get_sessions)]


async def current_actor(
    sessions: SessionsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The actor behind the bearer token.

    On PostgreSQL an API token is checked on the event loop, not in the request
    thread pool: it is one indexed read on a pooled connection outside any
    transaction (about 0.2 ms; the pool keeps one connection more than the worker
    has threads for it; when none is free it goes to a thread rather than have the
    loop wait for one), and handing it to a thread made every request queue twice
    for the worker's few threads (measured: p99 102-103 ms where it was 109-127 ms;
    docs/store.md, Load). On SQLite every transaction queues for the one write lock
    (``BEGIN IMMEDIATE``, store.db), which must not stall the event loop, and a
    login session is also written (its idle clock): both go to a thread.
    """
    if credentials is None or not credentials.credentials:
        raise AuthenticationError("sign in first: send 'Authorization: Bearer <token>'")
    secret = credentials.credentials
    if not secret.startswith("ct_"):
        return await run_in_threadpool(auth.resolve_session, sessions, secret)
    if _spare_postgresql_connection(sessions):
        return auth.resolve_api_token(sessions, secret)
    return await run_in_threadpool(auth.resolve_api_token, sessions, secret)


def _spare_postgresql_connection(sessions: Sessions) -> bool:
    """PostgreSQL with a pooled connection free now, so the loop never waits for one."""
    engine = sessions.kw["bind"]
    pool = engine.pool
    if engine.dialect.name != "postgresql" or not isinstance(pool, QueuePool):
        return False
    return bool(pool.checkedout() < pool.size())


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(action: str) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency that refuses actors whose role may not do ``action``."""

    async def dependency(actor: CurrentActor) -> Actor:
        authorize(actor, action)
        return actor

    return dependency


RequireSiteStaff = Annotated[Actor, Depends(require("ae.record"))]
RequireInvestigator = Annotated[Actor, Depends(require("eligibility.sign"))]
RequireAuditReader = Annotated[Actor, Depends(require("audit.read"))]
