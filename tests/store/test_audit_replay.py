"""Changes made to the tables by direct SQL are found by replaying the audit trail
(issue 14: UPDATE, INSERT and DELETE by SQL went unnoticed by ``audit verify``)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cartrial.cli.main import app
from tests.simulated_trials import SimulatedTrial

runner = CliRunner()


def _copy(small_trial: SimulatedTrial, tmp_path: Path) -> Path:
    path = tmp_path / "trial.db"
    shutil.copy(small_trial.path, path)
    return path


def _verify(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", "verify", "--url", f"sqlite:///{path}"])
    return result.exit_code, " ".join(result.output.split())


def test_an_untouched_simulated_trial_matches_its_trail(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    status, output = _verify(_copy(small_trial, tmp_path))
    assert status == 0, output
    assert "every table matches its audit trail" in output


def test_sql_update_insert_and_delete_are_each_named(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    path = _copy(small_trial, tmp_path)
    with sqlite3.connect(path) as db:
        lab_id, _value = db.execute(
            "SELECT id, value FROM lab_result ORDER BY id LIMIT 1"
        ).fetchone()
        db.execute("UPDATE lab_result SET value = 999 WHERE id = ?", (lab_id,))
        columns = [r[1] for r in db.execute("PRAGMA table_info(vital_sign)")]
        row = db.execute(f"SELECT {', '.join(columns)} FROM vital_sign LIMIT 1").fetchone()
        copy = dict(zip(columns, row, strict=True)) | {"id": "00000000-0000-0000-0000-0000000000ff"}
        db.execute(
            f"INSERT INTO vital_sign ({', '.join(copy)}) VALUES ({', '.join('?' * len(copy))})",
            list(copy.values()),
        )
        ae_id = db.execute("SELECT id FROM adverse_event ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("DROP TRIGGER adverse_event_no_delete")
        db.execute("DELETE FROM adverse_event WHERE id = ?", (ae_id,))
    status, output = _verify(path)
    assert status == 1
    assert f"lab_result {lab_id} value: the table holds '999', the trail gives" in output
    assert (
        "vital_sign 00000000-0000-0000-0000-0000000000ff: a row the audit trail never inserted"
        in output
    )
    assert f"adverse_event {ae_id}: inserted by the trail but no longer in the table" in output


def test_truncate_of_trial_data_is_refused_on_postgresql(engine: Engine) -> None:
    """Revision 0009: every table whose rows are kept refuses TRUNCATE, not only the trail."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE statement")
    for table in ("subject", "lab_result", "adverse_event", "audit_entry"):
        with pytest.raises(DBAPIError, match=r"TRUNCATE on .* is refused"), engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
