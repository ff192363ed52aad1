"""Engines and sessions: SQLite file ``cartrial.db`` by default, PostgreSQL by URL.

``CARTRIAL_DATABASE_URL`` selects the database (``postgresql://...`` uses the
psycopg 3 driver). On SQLite every transaction starts with ``BEGIN IMMEDIATE``
so that writers queue for the single write lock before they read the audit
chain's head, and foreign keys are switched on. Sessions built here carry the
audit-trail listeners (:mod:`cartrial.store.audit`).

A PostgreSQL connection that has rested in the pool for more than
:data:`PING_AFTER_IDLE_SECONDS` is pinged before it is handed out, and replaced
if the server has gone; one in steady use is not (a ``SELECT 1`` round trip on
every checkout was a fifth of an audited write's round trips). A connection
that breaks while in use fails that one transaction, which is rolled back and
reported as ``503 database_unavailable``; SQLAlchemy then discards the pool's
other connections, so the next request reconnects.
"""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from cartrial.extras import require

__all__ = [
    "DEFAULT_URL",
    "PING_AFTER_IDLE_SECONDS",
    "TrialSession",
    "database_url",
    "make_engine",
    "make_sessionmaker",
]

DEFAULT_URL = "sqlite:///cartrial.db"

#: A pooled connection idle longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 10.0


class TrialSession(Session):
    """A session whose flushes write the audit trail (listeners in ``store.audit``)."""


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url``, else ``$CARTRIAL_DATABASE_URL``, else ``sqlite:///cartrial.db``.

    >>> database_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
    """
    chosen = url or os.environ.get("CARTRIAL_DATABASE_URL") or DEFAULT_URL
    if chosen.startswith("postgresql://") or chosen.startswith("postgres://"):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen


def _sqlite_begin_immediate(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        rested = time.monotonic() - record.info.get("checked_in_at", time.monotonic())
        if rested <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)  # SELECT 1 outside any transaction
        except Exception as error:  # any failure: the pool retries with a new connection
            raise exc.DisconnectionError(f"pooled connection failed its ping: {error}") from error


def make_engine(
    url: str | None = None, *, schema: str | None = None, pool_size: int | None = None
) -> Engine:
    """An engine for ``url`` (see :func:`database_url`).

    ``schema`` sets PostgreSQL's search path (a private schema per test run);
    ``pool_size`` the PostgreSQL connections kept open (overflow as many again).
    """
    resolved = database_url(url)
    if resolved.startswith("postgresql+psycopg"):
        require("psycopg")  # a clear message naming the [postgres] extra when missing
    if resolved.startswith("sqlite"):
        engine = create_engine(resolved, connect_args={"check_same_thread": False})
        _sqlite_begin_immediate(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    pool: dict[str, Any] = {}
    if pool_size is not None:
        pool = {"pool_size": pool_size, "max_overflow": pool_size}
    engine = create_engine(resolved, connect_args=connect_args, **pool)
    _ping_after_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[TrialSession]:
    """Sessions bound to ``engine`` that write the audit trail on every flush."""
    # The flush listeners: the audit trail, what each flush writes (store.conflicts) and
    # text no longer than its column (store.column_lengths).
    from cartrial.store import audit, column_lengths, conflicts  # noqa: F401

    return sessionmaker(engine, class_=TrialSession, expire_on_commit=False)
