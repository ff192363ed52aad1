"""``cartrial db|site|user|audit``: set up a database, add users, verify the trail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from cartrial.cli.main import app

runner = CliRunner()


def _run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--url", url])
    return result.exit_code, result.output


def test_init_add_user_and_verify_then_tampering_is_named(tmp_path: Path) -> None:
    path = tmp_path / "trial.db"
    url = f"sqlite:///{path}"
    assert _run(url, "db", "init") == (0, f"initialised {url} at revision 0010\n")
    assert _run(url, "db", "init")[0] == 2
    assert _run(url, "site", "add", "A", "Site A", "--time-zone", "Asia/Shanghai") == (
        0,
        "site A added (Asia/Shanghai)\n",
    )
    code, out = _run(
        url,
        "user",
        "add",
        "ada",
        "--name",
        "Ada Investigator",
        "--role",
        "investigator@A",
        "--role",
        "monitor",
        "--password",
        "correct horse battery",
    )
    assert (code, out) == (0, "user ada added: investigator@A, monitor (all sites)\n")
    assert _run(url, "audit", "verify") == (
        0,
        "audit trail intact: 4 entries, hash chain verified\n",
    )
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_entry_no_update")
        conn.execute("UPDATE audit_entry SET new_value = 'Site Z' WHERE seq = 1")
    code, out = _run(url, "audit", "verify")
    assert (code, out) == (
        1,
        "audit trail broken at entry 1: its content does not match its hash\n",
    )


def test_user_add_refuses_a_short_password_naming_the_field(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _run(url, "db", "init")
    code, out = _run(
        url, "user", "add", "bob", "--name", "Bob", "--role", "coordinator", "--password", "short"
    )
    assert code == 2
    assert "field 'password': got '(hidden)', expected at least 12 characters" in out


def test_commands_on_an_uninitialised_database_say_to_run_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, out = _run(url, "audit", "verify")
    assert code == 2 and "run `cartrial db init` first" in out
