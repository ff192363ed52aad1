"""`cartrial serve`'s worker settings: request threads per worker and the pool that matches."""

from __future__ import annotations

import threading
import time

import anyio
import anyio.to_thread
import httpx
import pytest
import uvicorn
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool
from starlette.types import Receive, Scope, Send

from cartrial.store import make_engine
from cartrial.store.db import TrialSession
from cartrial.web.api.app import create_app
from cartrial.web.api.keep_alive import DEFAULT_KEEP_ALIVE_REQUESTS, RecycleConnections
from cartrial.web.api.serve import DEFAULT_THREADS, keep_alive_requests, threads_per_worker


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, DEFAULT_THREADS), ("3", 3), ("0", DEFAULT_THREADS), ("many", DEFAULT_THREADS)],
)
def test_threads_per_worker_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: int
) -> None:
    if raw is None:
        monkeypatch.delenv("CARTRIAL_API_THREADS", raising=False)
    else:
        monkeypatch.setenv("CARTRIAL_API_THREADS", raw)
    assert threads_per_worker() == expected


def test_the_app_caps_its_request_threads_while_it_runs(
    sessions: sessionmaker[TrialSession],
) -> None:
    async def tokens(threads: int | None) -> float:
        app = create_app(sessions, threads=threads)
        async with app.router.lifespan_context(app):
            return anyio.to_thread.current_default_thread_limiter().total_tokens

    assert anyio.run(tokens, 3) == 3
    assert anyio.run(tokens, None) == 40  # anyio's own default, untouched


def test_pool_size_sets_postgresql_connections_kept_and_overflow() -> None:
    engine = make_engine("postgresql://u@127.0.0.1/db", pool_size=3)
    assert isinstance(engine.pool, QueuePool)
    assert (engine.pool.size(), engine.pool._max_overflow) == (3, 3)
    default = make_engine("postgresql://u@127.0.0.1/db")
    assert isinstance(default.pool, QueuePool) and default.pool.size() == 5


def _tiny_app(max_requests: int) -> RecycleConnections:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        port = scope["client"][1]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(port).encode()})

    return RecycleConnections(app, max_requests=max_requests)


def test_every_third_response_of_a_connection_asks_the_client_to_reconnect() -> None:
    """Over real sockets: 7 requests with a limit of 3 use 3 connections (3 + 3 + 1)."""
    config = uvicorn.Config(_tiny_app(3), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            replies = [client.get("/") for _ in range(7)]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    closing = [r.headers.get("connection") == "close" for r in replies]
    assert closing == [False, False, True, False, False, True, False]
    client_ports = [r.text for r in replies]  # the server saw each connection's own port
    assert len(set(client_ports[0:3])) == 1
    assert len(set(client_ports[3:6])) == 1
    assert len(set(client_ports)) == 3


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="max_requests: got 0, expected at least 1"):
        _tiny_app(0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, DEFAULT_KEEP_ALIVE_REQUESTS), ("500", 500), ("0", DEFAULT_KEEP_ALIVE_REQUESTS)],
)
def test_keep_alive_requests_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, expected: int
) -> None:
    if raw is None:
        monkeypatch.delenv("CARTRIAL_API_KEEP_ALIVE_REQUESTS", raising=False)
    else:
        monkeypatch.setenv("CARTRIAL_API_KEEP_ALIVE_REQUESTS", raw)
    assert keep_alive_requests() == expected


def test_the_serve_help_states_the_servers_keep_alive_default() -> None:
    from cartrial.cli.store import serve

    help_text = str(serve.__annotations__)
    assert f"[default: {DEFAULT_KEEP_ALIVE_REQUESTS}]" in help_text
