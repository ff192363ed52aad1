"""Export and import (21 CFR 11.10(b), (c); Annex 11 sections 8 and 17)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cartrial.errors import InputError
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.archive import export_database, import_database
from tests.store.trial import build_world, enrolled, with_lot


@pytest.fixture
def exported(tmp_path: Path, sqlite_template: Path) -> Path:
    """A small trial on SQLite, exported."""
    path = tmp_path / "source.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    world = build_world(make_sessionmaker(engine))
    with_lot(world, enrolled(world))
    export_database(engine, tmp_path / "export")
    engine.dispose()
    return tmp_path / "export"


def test_export_writes_json_csv_and_a_manifest_without_credentials_in_csv(exported: Path) -> None:
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["revision"] == "0006"
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
    again = export_database(engine, tmp_path / "again")
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
