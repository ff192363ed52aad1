"""Pooled PostgreSQL connections: pinged after resting, and a lost one is a 503.

``cartrial.store.db`` pings a connection only when it has rested in the pool for
more than ``PING_AFTER_IDLE_SECONDS``; one in steady use goes out unchecked, and
if the server has dropped it the request fails once, nothing committed, and the
API answers ``503 database_unavailable``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from cartrial.services.context import Sessions
from cartrial.store import db, make_engine, make_sessionmaker
from cartrial.web.api import create_app
from tests.store.conftest import PG_URL, postgres_unreachable
from tests.store.trial import PASSWORD, build_world


@pytest.fixture
def admin() -> Iterator[Engine]:
    reason = postgres_unreachable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires it)")
        pytest.skip(reason)
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()


def test_a_rested_connection_the_server_dropped_is_replaced_before_use(
    admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)  # every checkout has rested
    engine = make_engine(PG_URL, pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(admin, first)
        second = _backend_pid(engine)  # the ping failed: a new connection, no error
        assert second != first
    finally:
        engine.dispose()


def test_a_connection_in_steady_use_is_not_pinged_and_a_drop_fails_once(
    admin: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 3600.0)
    engine = make_engine(PG_URL, pool_size=1)
    try:
        first = _backend_pid(engine)
        _terminate(admin, first)
        with pytest.raises(OperationalError), engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert _backend_pid(engine) != first  # the pool reconnected for the next one
    finally:
        engine.dispose()


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # a server to drop us
def test_the_api_answers_503_when_the_database_connection_is_lost(
    admin: Engine, sessions: Sessions
) -> None:
    engine = sessions.kw["bind"]
    world = build_world(sessions)
    client = TestClient(create_app(world.sessions))
    login = {"username": "mon", "password": PASSWORD, "role": "monitor", "site": None}
    reply = client.post("/api/v1/auth/login", json=login)
    assert reply.status_code == 200, reply.text
    headers = {"Authorization": f"Bearer {reply.json()['token']}"}
    assert client.get("/api/v1/subjects", headers=headers).status_code == 200
    with admin.connect() as connection:
        pids = connection.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
            {"d": engine.url.database},
        ).scalars()
        for pid in list(pids):
            connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    # used a moment ago, so not pinged (PING_AFTER_IDLE_SECONDS is 10 s): the drop shows
    lost = client.get("/api/v1/subjects", headers=headers)
    assert lost.status_code == 503
    assert lost.json() == {
        "code": "database_unavailable",
        "message": (
            "the database connection was lost; reload before entering the change again "
            "(a change sent as the connection dropped may have been saved)"
        ),
        "field": None,
    }
    assert client.get("/api/v1/subjects", headers=headers).status_code == 200


def test_the_token_check_stays_on_the_event_loop_only_while_a_connection_is_free(
    admin: Engine, tmp_path: Path
) -> None:
    from cartrial.web.api.deps import _spare_postgresql_connection

    engine = make_engine(PG_URL, pool_size=1)
    try:
        sessions = make_sessionmaker(engine)
        assert _spare_postgresql_connection(sessions)
        with engine.connect() as busy:
            busy.execute(text("SELECT 1"))
            assert not _spare_postgresql_connection(sessions)  # it would wait: a thread
        assert _spare_postgresql_connection(sessions)
    finally:
        engine.dispose()
    sqlite = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert not _spare_postgresql_connection(make_sessionmaker(sqlite))  # BEGIN IMMEDIATE
    sqlite.dispose()
