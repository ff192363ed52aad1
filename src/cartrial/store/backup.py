"""Backups of the trial database and restores that are checked before they are used.

SQLite: the online backup API (``sqlite3.Connection.backup``, the SQLite "Online Backup API"),
which copies a consistent snapshot page by page while the database stays in use; the copy is a
plain SQLite file. PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot of one
database) and ``pg_restore`` into an empty database; point-in-time recovery needs WAL archiving
on the server (``docs/store.md``). A restore is accepted only when the restored database's
audit chain verifies and its trail replays to its tables
(:mod:`cartrial.store.audit_replay`); otherwise the restored copy is removed (SQLite) and the
problem named.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from cartrial.errors import CartrialError, InputError

__all__ = ["BackupResult", "backup_database", "restore_database"]


@dataclass(frozen=True)
class BackupResult:
    path: Path
    kind: str
    """'sqlite' (a SQLite file) or 'pg_dump' (PostgreSQL custom format)."""
    size_bytes: int


def _sqlite_file(url: str, *, must_exist: bool) -> Path:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        raise InputError("--url", url, "a SQLite file URL (sqlite:///path.db) or PostgreSQL URL")
    path = Path(parsed.database)
    if must_exist and not path.is_file():
        raise InputError("--url", url, "an existing SQLite database file")
    return path


def _postgres_dsn(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise CartrialError(f"{name} is not installed: PostgreSQL backups use its client tools")
    return found


def backup_database(url: str, out: Path) -> BackupResult:
    """Write a consistent copy of the database at ``url`` to ``out`` (which must not exist)."""
    if out.exists():
        raise InputError("--out", str(out), "a path where no file exists yet")
    out.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("postgresql"):
        subprocess.run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--file={out}",
                _postgres_dsn(url),
            ],
            check=True,
            capture_output=True,
        )
        return BackupResult(out, "pg_dump", out.stat().st_size)
    source = _sqlite_file(url, must_exist=True)
    with sqlite3.connect(source) as live, sqlite3.connect(out) as copy:
        live.backup(copy)
    copy.close()
    return BackupResult(out, "sqlite", out.stat().st_size)


def restore_database(backup: Path, url: str) -> None:
    """Restore ``backup`` into ``url`` (a new SQLite file, or an empty PostgreSQL database)."""
    if not backup.is_file():
        raise InputError("BACKUP", str(backup), "an existing backup file")
    if url.startswith("postgresql"):
        result = subprocess.run(
            [_tool("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={_postgres_dsn(url)}",
             str(backup)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise CartrialError(f"pg_restore refused {backup}: {result.stderr.strip()[:500]}")
        return
    target = _sqlite_file(url, must_exist=False)
    if target.exists():
        raise InputError(
            "--url", url, "a path where no database exists yet (restore never overwrites)"
        )
    with open(backup, "rb") as head:
        if head.read(16) != b"SQLite format 3\x00":
            raise InputError("BACKUP", str(backup), "a SQLite backup made by cartrial db backup")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(backup) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    copy.close()
