"""Export and import (21 CFR 11.10(b), (c); Annex 11 sections 8 and 17)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from cartrial.errors import InputError
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.archive import export_database, import_database
from tests.store.trial import ROOT, build_world, enrolled, with_lot


@pytest.fixture
def exported(tmp_path: Path, sqlite_template: Path) -> Path:
    """A small trial on SQLite, exported."""
    path = tmp_path / "source.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    world = build_world(make_sessionmaker(engine))
    with_lot(world, enrolled(world))
    export_database(engine, tmp_path / "export", actor=ROOT, source="cli")
    engine.dispose()
    return tmp_path / "export"


def test_export_writes_json_csv_and_a_manifest_without_credentials_in_csv(exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["revision"] == "0010"
    assert manifest["tables"]["subject"]["rows"] == 1
    assert manifest["tables"]["audit_entry"]["rows"] > 20
    assert "auth_session" not in manifest["tables"]
    with (exported / "user_account.csv").open() as handle:
        header = next(csv.reader(handle))
    assert "password_hash" not in header and "username" in header


def test_import_into_an_empty_database_round_trips_exactly_with_an_intact_chain(
    exported: Path, engine: Engine, tmp_path: Path
) -> None:
    report = import_database(engine, exported)
    assert (
        report.is_intact
        and report.checked
        == json.loads((exported / "manifest.json").read_text())["tables"]["audit_entry"]["rows"]
    )
    again = export_database(engine, tmp_path / "again", actor=ROOT, source="cli")
    first = json.loads((exported / "manifest.json").read_text())
    assert again == first


def test_import_refuses_a_non_empty_database(exported: Path, engine: Engine) -> None:
    import_database(engine, exported)
    with pytest.raises(InputError, match="an empty database to import into"):
        import_database(engine, exported)


def test_import_refuses_a_file_changed_after_export(exported: Path, engine: Engine) -> None:
    (exported / "site.json").write_text("[]")
    with pytest.raises(InputError, match=r"field 'site\.json'.*the SHA-256"):
        import_database(engine, exported)


def test_cli_export_appends_an_export_entry_after_the_files_without_it(
    engine: Engine, tmp_path: Path
) -> None:
    from sqlalchemy import select
    from typer.testing import CliRunner

    from cartrial.cli.main import app
    from cartrial.store.audit import verify_chain
    from cartrial.store.models import AuditEntry

    sessions = make_sessionmaker(engine)
    build_world(sessions)
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "export"
    result = CliRunner().invoke(app, ["export", str(out), "--url", url])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    exported = manifest["tables"]["audit_entry"]["rows"]
    rows = sum(t["rows"] for t in manifest["tables"].values())
    with sessions() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert verify_chain(s).is_intact
    *_, last = entries
    assert len(entries) == exported + 1  # the files hold the trail as read, the entry comes after
    assert (last.seq, last.action, last.table_name, last.record_id, last.field) == (
        exported + 1,
        "export",
        "database",
        "-",
        "export",
    )
    assert (last.username or "").startswith("cli:")
    # 33 tables less login sessions and API tokens: 31.
    assert last.new_value == (
        f"whole database at revision 0010 as of audit entry {exported}: {rows} row(s) of "
        f"31 table(s) to {out.resolve()}; source: cli"
    )


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)  # SQLite blocks the writer
def test_an_export_reads_one_committed_state_while_a_site_writes(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A site added after the first table was read is in no file, its audit entry neither."""
    from cartrial.services import admin
    from cartrial.store import archive

    sessions = make_sessionmaker(engine)
    build_world(sessions)
    tables = archive._tables()

    def tables_with_a_write_between() -> Iterator[Any]:
        for n, table in enumerate(tables):
            if n == 1:  # after the first table has been read
                admin.create_site(
                    sessions, actor=ROOT, code="LATE", name="Late site", time_zone="UTC"
                )
            yield table

    monkeypatch.setattr(archive, "_tables", tables_with_a_write_between)
    manifest = export_database(engine, tmp_path / "export", actor=ROOT, source="cli")
    sites = json.loads((tmp_path / "export" / "site.json").read_text())
    entries = json.loads((tmp_path / "export" / "audit_entry.json").read_text())
    assert sorted(s["code"] for s in sites) == ["A", "B"]
    assert not any("LATE" in (e["new_value"] or "") for e in entries)
    assert manifest["audit_last_sha256"] == entries[-1]["entry_sha256"]
    assert manifest["tables"]["audit_entry"]["rows"] == len(entries)
