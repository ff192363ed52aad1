"""Signed checkpoints catch what the hash chain cannot (issue 14): the trail cut short at its
end, or an entry edited with every later hash recomputed."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.audit import GENESIS, compute_entry_sha256
from cartrial.store.models import AuditEntry
from tests.simulated_trials import SimulatedTrial

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


def _setup(small_trial: SimulatedTrial, tmp_path: Path) -> tuple[Path, list[str]]:
    db = tmp_path / "trial.db"
    shutil.copy(small_trial.path, db)
    private, public, folder = tmp_path / "k.pem", tmp_path / "k.pub", tmp_path / "checkpoints"
    assert (
        _run("audit", "keygen", "--private-key", str(private), "--public-key", str(public))[0] == 0
    )
    status, output = _run("audit", "checkpoint", "--key", str(private), "--dir", str(folder),
                          "--url", f"sqlite:///{db}")  # fmt: skip
    assert status == 0, output
    verify = ["audit", "verify", "--url", f"sqlite:///{db}", "--checkpoints", str(folder),
              "--public-key", str(public)]  # fmt: skip
    return db, verify


def _rehash_from(path: Path, first: int) -> None:
    """Recompute every hash from entry ``first`` on, as someone covering an edit would."""
    engine = make_engine(f"sqlite:///{path}")
    with make_sessionmaker(engine)() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.seq >= first - 1)
                                       .order_by(AuditEntry.seq)))  # fmt: skip
    engine.dispose()
    prev_sha = entries[0].entry_sha256 if entries[0].seq == first - 1 else GENESIS
    with sqlite3.connect(path) as db:
        for entry in entries:
            if entry.seq < first:
                continue
            sha = compute_entry_sha256(prev_sha, entry)
            db.execute("UPDATE audit_entry SET prev_sha256 = ?, entry_sha256 = ? WHERE seq = ?",
                       (prev_sha, sha, entry.seq))  # fmt: skip
            prev_sha = sha


def test_an_untouched_trail_matches_its_signed_checkpoint(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    _, verify = _setup(small_trial, tmp_path)
    status, output = _run(*verify)
    assert status == 0, output
    assert "1 signed checkpoints match the trail" in output


def test_the_last_entries_deleted_pass_the_chain_but_not_the_checkpoint(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    db_path, verify = _setup(small_trial, tmp_path)
    with sqlite3.connect(db_path) as db:
        last = db.execute("SELECT max(seq) FROM audit_entry").fetchone()[0]
        db.execute("DROP TRIGGER audit_entry_no_delete")
        db.execute("DELETE FROM audit_entry WHERE seq > ?", (last - 2,))
    status, output = _run(*verify)
    assert status == 1
    assert "hash chain verified" in output  # what the chain alone would say
    assert (
        f"the trail ends at entry {last - 2}, shorter than the checkpoint's entry {last}" in output
    )


def test_an_edited_entry_with_every_hash_recomputed_is_caught(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    db_path, verify = _setup(small_trial, tmp_path)
    with sqlite3.connect(db_path) as db:
        db.execute("DROP TRIGGER audit_entry_no_update")
        seq = db.execute("SELECT max(seq) - 5 FROM audit_entry").fetchone()[0]
        db.execute("UPDATE audit_entry SET reason = 'rewritten' WHERE seq = ?", (seq,))
    _rehash_from(db_path, seq)
    status, output = _run(*verify)
    assert status == 1
    assert "hash chain verified" in output
    assert "hashes to" in output and "the checkpoint signed" in output


def test_a_forged_checkpoint_fails_its_signature(
    small_trial: SimulatedTrial, tmp_path: Path
) -> None:
    _, verify = _setup(small_trial, tmp_path)
    file = next((tmp_path / "checkpoints").glob("checkpoint-*.json"))
    doc = json.loads(file.read_text())
    doc["seq"] = doc["seq"] - 1
    file.write_text(json.dumps(doc))
    status, output = _run(*verify)
    assert status == 1 and "its signature does not verify" in output
