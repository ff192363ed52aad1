"""`cartrial serve`'s worker settings: request threads per worker and the pool that matches."""

from __future__ import annotations

import anyio
import anyio.to_thread
import pytest
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from cartrial.store import make_engine
from cartrial.store.db import TrialSession
from cartrial.web.api.app import create_app
from cartrial.web.api.serve import DEFAULT_THREADS, threads_per_worker


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
