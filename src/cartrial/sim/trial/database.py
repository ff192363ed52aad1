"""The simulated trial's database: a new SQLite file, or an empty database by URL.

A simulation writes tens of thousands of small transactions. On SQLite each
commit waits for the disk twice by default (rollback journal, ``synchronous=
FULL``); a simulated trial's file runs in write-ahead-log mode with
``synchronous=NORMAL`` instead (SQLite documentation, "Write-Ahead Logging":
a committed transaction survives a crash of the program, only a power loss of
the machine may lose the last ones). That is the right trade for data that a
seed reproduces, and the wrong one for a site's trial data, so
:func:`cartrial.store.make_engine` keeps its defaults and only this module
changes them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from cartrial.store import make_engine, upgrade

__all__ = ["simulation_engine"]


def simulation_engine(url: str) -> Engine:
    """A migrated engine for a simulated trial at ``url`` (SQLite: WAL, synchronous NORMAL)."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fast_commits(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    upgrade(engine)
    return engine
