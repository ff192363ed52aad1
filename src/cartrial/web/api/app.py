"""The FastAPI application: ``create_app(sessions)``, routes under ``/api/v1``, pages at ``/``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI
from starlette.routing import Match
from starlette.types import Scope

from cartrial import __version__
from cartrial.services.context import Sessions
from cartrial.web.api.body_limit import DEFAULT_MAX_BODY_BYTES, LimitBodySize
from cartrial.web.api.deps import refuse_nul_in_parameters
from cartrial.web.api.error_docs import document_error_responses
from cartrial.web.api.errors import install_error_handlers
from cartrial.web.api.idempotency import read_idempotency_key
from cartrial.web.api.keep_alive import RecycleConnections
from cartrial.web.api.routes import router

__all__ = ["API_PREFIX", "create_app"]

API_PREFIX = "/api/v1"


class _UnderPrefix(APIRouter):
    """The API's routes, skipped at once for a path outside :data:`API_PREFIX`.

    FastAPI tries an application's routes in order, each route's pattern in turn;
    the API's hundred-odd patterns came before every page's, and a page request
    spent a quarter of its server time failing them (measured: 0.17-0.19 ms of
    matching per page request; docs/web.md, Performance). Every API route's path
    starts with the prefix, so a path without it can match none of them.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if API_PREFIX not in scope.get("path", ""):
            return Match.NONE, {}
        return super().matches(scope)


def create_app(
    sessions: Sessions,
    *,
    threads: int | None = None,
    keep_alive_requests: int | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """The API bound to one database (a session factory from ``cartrial.store``).

    ``threads`` caps the threads running requests (anyio's default is 40);
    ``keep_alive_requests`` closes each connection after that many requests
    (:mod:`cartrial.web.api.keep_alive`; None: never); a request body over
    ``max_body_bytes`` is a 413 before it is read (:mod:`cartrial.web.api.body_limit`).
    """

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if threads is not None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="cartrial",
        version=__version__,
        description="The trial database of a CAR-T first-in-human trial (docs/store.md).",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.sessions = sessions
    if keep_alive_requests is not None:
        app.add_middleware(RecycleConnections, max_requests=keep_alive_requests)
    app.add_middleware(LimitBodySize, max_bytes=max_body_bytes)  # outermost: before any read
    install_error_handlers(app)
    api = _UnderPrefix()
    api.include_router(router)
    app.include_router(
        api,
        prefix=API_PREFIX,
        dependencies=[Depends(refuse_nul_in_parameters), Depends(read_idempotency_key)],
    )
    document_error_responses(app)
    from cartrial.web.pages import install_pages  # the pages import the API's dependencies

    install_pages(app)
    return app
