"""Backup and restore drill (issue 14): write, back up, write more, restore, verify.

The restored database holds exactly what was there at the backup (its audit chain ends at the
backup's head and its tables replay from its trail), and a tampered backup is refused."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cartrial.actor import Actor
from cartrial.cli.main import app
from cartrial.services.admin import create_site
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.audit import CHAIN_HEAD
from cartrial.store.models import Site
from tests.simulated_trials import SimulatedTrial
from tests.store.conftest import PG_URL, postgres_unreachable

runner = CliRunner()
ADMIN = Actor(None, "cli:test", "admin")


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def _head(url: str) -> tuple[int, str]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        seq, sha = s.execute(CHAIN_HEAD).one()
    engine.dispose()
    return int(seq), str(sha)


def _add_site(url: str, code: str) -> None:
    engine = make_engine(url)
    create_site(
        make_sessionmaker(engine), actor=ADMIN, code=code, name=f"Site {code}", time_zone="UTC"
    )
    engine.dispose()


def _sites(url: str) -> int:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        count = s.scalar(select(func.count()).select_from(Site)) or 0
    engine.dispose()
    return count


def test_sqlite_drill_restores_the_state_at_the_backup(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    live = tmp_path / "live.db"
    shutil.copy(small_trial.path, live)
    url = f"sqlite:///{live}"
    backup = tmp_path / "backup.db"
    status, output = _run("db", "backup", "--url", url, "--out", str(backup))
    assert status == 0, output
    assert "every table matches its audit trail" in output
    at_backup, sites_at_backup = _head(url), _sites(url)
    _add_site(url, "ZZ")  # written after the backup
    assert _head(url)[0] > at_backup[0]
    restored = tmp_path / "restored.db"
    status, output = _run("db", "restore", str(backup), "--url", f"sqlite:///{restored}")
    assert status == 0, output
    assert _head(f"sqlite:///{restored}") == at_backup
    assert _sites(f"sqlite:///{restored}") == sites_at_backup
    # restore never overwrites
    status, output = _run("db", "restore", str(backup), "--url", f"sqlite:///{restored}")
    assert status == 2 and "restore never overwrites" in output


def test_a_tampered_backup_is_refused_and_removed(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    shutil.copy(small_trial.path, backup)
    with sqlite3.connect(backup) as db:
        db.execute("UPDATE lab_result SET value = value + 1 WHERE rowid = 1")
    restored = tmp_path / "restored.db"
    status, output = _run("db", "restore", str(backup), "--url", f"sqlite:///{restored}")
    assert status == 2 and "does not verify" in output and "lab_result" in output
    assert not restored.exists()


def test_postgresql_drill_with_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    reason = postgres_unreachable()
    if reason is not None or shutil.which("pg_dump") is None:
        pytest.skip(reason or "pg_dump not installed")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    names = [f"cartrial_drill_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    urls = [make_url(PG_URL).set(database=n).render_as_string(hide_password=False) for n in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        assert _run("db", "init", "--url", urls[0])[0] == 0
        _add_site(urls[0], "AA")
        backup = tmp_path / "pg.dump"
        status, output = _run("db", "backup", "--url", urls[0], "--out", str(backup))
        assert status == 0, output
        at_backup = _head(urls[0])
        _add_site(urls[0], "BB")
        status, output = _run("db", "restore", str(backup), "--url", urls[1])
        assert status == 0, output
        assert _head(urls[1]) == at_backup and _sites(urls[1]) == 1
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
