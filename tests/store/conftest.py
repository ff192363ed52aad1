"""Store fixtures: every test runs on SQLite, and on PostgreSQL when it is reachable.

PostgreSQL is at ``$CARTRIAL_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/test``). A run migrates one template
database (``cartrial_tmpl_<random>``) and each test gets its own copy
(``cartrial_test_<random>``, ``CREATE DATABASE ... TEMPLATE``), dropped
afterwards with the template, so parallel runs never collide. Unreachable: the
PostgreSQL half is skipped with the reason, and fails when ``CI=true``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import sessionmaker

from cartrial.actor import Actor
from cartrial.store import make_engine, make_sessionmaker, upgrade
from cartrial.store.db import TrialSession

PG_URL = os.environ.get(
    "CARTRIAL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_pg_state: dict[str, str | None] = {}


def postgres_unreachable() -> str | None:
    """None when PostgreSQL answers, else why not (checked once per run)."""
    if "reason" not in _pg_state:
        try:
            probe = create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
            probe.dispose()
            _pg_state["reason"] = None
        except Exception as exc:  # any failure to connect means "unreachable"
            _pg_state["reason"] = f"PostgreSQL at {PG_URL} unreachable: {exc.__class__.__name__}"
    return _pg_state["reason"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test copies it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    """A freshly migrated database (SQLite file or private PostgreSQL schema)."""
    if request.param == "sqlite":
        path = tmp_path / "trial.db"
        shutil.copy(sqlite_template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
        return
    reason = postgres_unreachable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires it)")
        pytest.skip(reason)
    template = request.getfixturevalue("pg_template")
    name = f"cartrial_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY"))
    eng = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated once per run, copied by each PostgreSQL test."""
    name = f"cartrial_tmpl_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    eng = make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))
    upgrade(eng)
    eng.dispose()
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[TrialSession]:
    return make_sessionmaker(engine)


ADMIN = Actor(user_id=None, username="setup", role="admin")


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with test-sized cost (production keeps RFC 9106's profile)."""
    from argon2 import PasswordHasher

    from cartrial.store import accounts

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
