"""REDCap and ODM exchange on a simulated trial database: the dictionary REDCap reads, an ODM
export valid against the ODM 1.3.2 schema and equal in content to the stored records, and
imports that go through the services all at once or not at all."""

from __future__ import annotations

import csv
import io
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker
from typer.testing import CliRunner

from cartrial.actor import Actor
from cartrial.cli.main import app
from cartrial.errors import InputError
from cartrial.interop.forms import protocol_forms
from cartrial.interop.odm import validate_odm
from cartrial.interop.redcap_dictionary import data_dictionary_csv
from cartrial.protocol import load_bundled
from cartrial.services.admin import add_user
from cartrial.services.data import unlock_subject
from cartrial.services.exchange import follow_up_records
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.db import TrialSession
from cartrial.store.models import (
    AdverseEvent,
    AuditEntry,
    ConMed,
    DataLock,
    LabResult,
    Site,
    Subject,
    VitalSign,
)
from tests.simulated_trials import SimulatedTrial

runner = CliRunner()
PASSWORD = "import-password-2026"
ADMIN = Actor(None, "cli:test", "admin")
PROTOCOL = "szugh-msln-2024"

# REDCap's data dictionary header, as its Data Dictionary download writes it.
REDCAP_HEADER = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
]  # fmt: skip


@pytest.fixture
def trial(tmp_path: Path, small_trial: SimulatedTrial) -> tuple[str, str, str]:
    """A copy of the small simulated trial, an importing coordinator, and a subject code."""
    path = tmp_path / "trial.db"
    shutil.copy(small_trial.path, path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        subject = s.scalars(select(Subject).order_by(Subject.code)).first()
        assert subject is not None
        site = s.get(Site, subject.site_id)
        assert site is not None
        code, site_code = subject.code, site.code
    add_user(sessions, actor=ADMIN, username="importer", full_name="Ida Importer",
             password=PASSWORD, roles=[("coordinator", site_code)])  # fmt: skip
    engine.dispose()
    return url, code, site_code


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        out = {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0
               for m in (LabResult, VitalSign, AdverseEvent, ConMed)}  # fmt: skip
    engine.dispose()
    return out


def test_the_data_dictionary_has_redcaps_columns_and_valid_names() -> None:
    text = data_dictionary_csv(protocol_forms(load_bundled("uclm802").protocol))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == REDCAP_HEADER
    assert rows[1][:2] == ["record_id", "screening"]
    names = [r[0] for r in rows[1:]]
    assert len(names) == len(set(names))
    assert all(n.replace("_", "").isalnum() and n == n.lower() for n in names)
    lab_test = next(r for r in rows if r[0] == "lb_test")
    assert lab_test[3] == "text" and "anc" in lab_test[6]
    grade = next(r for r in rows if r[0] == "ae_grade")
    assert grade[3] == "dropdown" and grade[5].startswith("1, Grade 1 | 2, Grade 2")
    assert next(r for r in rows if r[0] == "lb_datetime")[7] == "datetime_ymd"


def test_odm_export_is_valid_and_holds_every_stored_follow_up_record(
    tmp_path: Path, trial: tuple[str, str, str]
) -> None:
    url, _, _ = trial
    out = tmp_path / "trial.xml"
    result = runner.invoke(
        app, ["odm", "export", "--protocol", PROTOCOL, "--url", url, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    validate_odm(out)
    xml = out.read_text(encoding="utf-8")
    stored = _counts(url)
    assert xml.count('<FormData FormOID="F.LABORATORY"') == stored["lab_result"] > 0
    assert xml.count('<FormData FormOID="F.VITAL_SIGNS"') == stored["vital_sign"]
    assert xml.count('<FormData FormOID="F.ADVERSE_EVENTS"') == stored["adverse_event"]
    assert xml.count('<FormData FormOID="F.CONCOMITANT_MEDICATIONS"') == stored["con_med"]


def test_odm_round_trip_imports_the_same_records_again(
    tmp_path: Path, trial: tuple[str, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Export, import into the same database: every record is there twice, value for value."""
    url, _, site_code = trial
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    _unlock_all(sessions)
    before = follow_up_records(sessions, PROTOCOL)
    out = tmp_path / "trial.xml"
    assert (
        runner.invoke(
            app, ["odm", "export", "--protocol", PROTOCOL, "--url", url, "--out", str(out)]
        ).exit_code
        == 0
    )
    monkeypatch.setenv("CARTRIAL_PASSWORD", PASSWORD)
    result = runner.invoke(app, ["odm", "import", str(out), "--protocol", PROTOCOL, "--url", url,
                                 "--user", "importer", "--role", "coordinator", "--site", site_code,
                                 "--reason", "ODM round trip test"])  # fmt: skip
    assert result.exit_code == 0, result.output
    after = follow_up_records(sessions, PROTOCOL)

    def content(records: list) -> Counter[tuple[str, str, tuple[tuple[str, str], ...]]]:  # type: ignore[type-arg]
        return Counter(
            (r.subject_code, r.form.name, tuple(sorted(r.values.items()))) for r in records
        )

    assert content(after) == content(before) + content(before)
    with sessions() as s:
        written = select(AuditEntry.reason).where(
            AuditEntry.username == "importer",
            AuditEntry.table_name.in_(["lab_result", "vital_sign", "adverse_event", "con_med"]),
        )
        reasons = Counter(s.scalars(written))
    assert set(reasons) == {"ODM round trip test"} and reasons.total() >= len(before)
    engine.dispose()


def _unlock_all(sessions: sessionmaker[TrialSession]) -> None:
    """The simulation locks every subject at its data cut; a data manager lifts the locks."""
    manager = Actor(None, "dm", "data_manager")
    with sessions() as s:
        locks = list(s.scalars(select(DataLock.id).where(DataLock.lifted_at.is_(None))))
    for lock_id in locks:
        unlock_subject(sessions, actor=manager, lock_id=lock_id, reason="import of site data")


def test_locked_subjects_refuse_an_import_and_keep_nothing(
    tmp_path: Path, trial: tuple[str, str, str]
) -> None:
    url, code, site = trial
    before = _counts(url)
    status, output = _redcap(tmp_path, url, site, [
        _lab(code, "1", "2025-03-02 08:30"),
    ], unlock=False)  # fmt: skip
    assert status == 2 and "locked" in output
    assert _counts(url) == before


def _lab(code: str, instance: str, when: str) -> dict[str, str]:
    return {"record_id": code, "redcap_repeat_instrument": "laboratory",
            "redcap_repeat_instance": instance, "lb_datetime": when, "lb_test": "alt",
            "lb_value": "41", "lb_unit": "U/L"}  # fmt: skip


def _ae(code: str, *, onset: str, grade: str) -> dict[str, str]:
    return {"record_id": code, "redcap_repeat_instrument": "adverse_events",
            "redcap_repeat_instance": "1", "ae_term": "Nausea", "ae_onset": onset,
            "ae_scale": "ctcae_v5", "ae_grade": grade}  # fmt: skip


def _export(rows: list[dict[str, str]]) -> str:
    header = ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance",
              "lb_datetime", "lb_test", "lb_value", "lb_unit", "ae_term", "ae_onset", "ae_scale",
              "ae_grade", "ae_serious", "scr_ecog"]  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _redcap(
    tmp_path: Path, url: str, site: str, rows: list[dict[str, str]], *, unlock: bool = True
) -> tuple[int, str]:
    if unlock:
        engine = make_engine(url)
        _unlock_all(make_sessionmaker(engine))
        engine.dispose()
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_text(data_dictionary_csv(protocol_forms(load_bundled(PROTOCOL).protocol)))
    records = tmp_path / "records.csv"
    records.write_text(_export(rows))
    result = runner.invoke(app, ["redcap", "import", str(records), "--dictionary", str(dictionary),
                                 "--url", url, "--user", "importer", "--role", "coordinator",
                                 "--site", site, "--reason", "REDCap migration"],
                           env={"CARTRIAL_PASSWORD": PASSWORD})  # fmt: skip
    return result.exit_code, result.output


def test_redcap_records_are_written_through_the_services(
    tmp_path: Path, trial: tuple[str, str, str]
) -> None:
    url, code, site = trial
    before = _counts(url)
    status, output = _redcap(tmp_path, url, site, [
        {"record_id": code, "scr_ecog": "1"},
        _lab(code, "1", "2025-03-02 08:30"),
        _ae(code, onset="2025-03-02", grade="1") | {"ae_serious": "0"},
    ])  # fmt: skip
    assert status == 0, output
    after = _counts(url)
    assert after["lab_result"] == before["lab_result"] + 1
    assert after["adverse_event"] == before["adverse_event"] + 1
    # the screening value is not imported, and the import says so by row and field
    assert "records.csv row 2" in output and "scr_ecog" in " ".join(output.split())


def test_a_bad_value_refuses_the_whole_file_naming_row_and_field(
    tmp_path: Path, trial: tuple[str, str, str]
) -> None:
    url, code, site = trial
    before = _counts(url)
    status, output = _redcap(tmp_path, url, site, [
        _lab(code, "1", "2025-03-02 08:30"),
        _lab(code, "2", "2025-03-03 08:30") | {"lb_value": "40", "lb_unit": "bananas"},
        _ae(code, onset="03/02/2025", grade="7"),
    ])  # fmt: skip
    flat = " ".join(output.split())
    assert status == 2
    assert "records.csv row 3" in flat and "lb_unit" in flat and "bananas" in flat
    assert "records.csv row 4" in flat and "ae_onset" in flat and "ae_grade" in flat
    assert _counts(url) == before


def test_a_refusal_by_a_service_mid_import_rolls_back_every_earlier_write(
    tmp_path: Path, trial: tuple[str, str, str]
) -> None:
    """The second record names a subject outside the user's site: the first is not kept."""
    url, code, site = trial
    before = _counts(url)
    status, output = _redcap(tmp_path, url, site, [
        _lab(code, "1", "2025-03-02 08:30"),
        _lab("S99-9999", "1", "2025-03-02 08:30"),
    ])  # fmt: skip
    assert status == 2
    assert "S99-9999" in output and "nothing was imported" in " ".join(output.split())
    assert _counts(url) == before


def test_an_odm_file_that_breaks_the_schema_names_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<?xml version="1.0"?>\n<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" FileOID="x"\n'
        ' FileType="Snapshot" CreationDateTime="2026-01-01T00:00:00">\n<Bogus/>\n</ODM>\n'
    )
    with pytest.raises(InputError, match=r"bad\.xml:line \d.*Bogus"):
        validate_odm(bad)


def test_a_malformed_dictionary_or_odm_file_exits_2_naming_the_place(tmp_path: Path) -> None:
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_text("Variable,Form\nrecord_id,screening\n")
    records = tmp_path / "records.csv"
    records.write_text("record_id\nS01-0001\n")
    result = runner.invoke(
        app,
        [
            "redcap",
            "import",
            str(records),
            "--dictionary",
            str(dictionary),
            "--user",
            "u",
            "--role",
            "coordinator",
            "--reason",
            "r",
        ],
    )
    assert result.exit_code == 2
    assert "dictionary.csv:row 1" in result.output and "Variable / Field Name" in result.output
    broken = tmp_path / "broken.xml"
    broken.write_text('<?xml version="1.0"?>\n<ODM>\n  <Study>\n</ODM>\n')
    result = runner.invoke(
        app,
        [
            "odm",
            "import",
            str(broken),
            "--protocol",
            PROTOCOL,
            "--user",
            "u",
            "--role",
            "coordinator",
            "--reason",
            "r",
        ],
    )
    assert result.exit_code == 2
    assert "broken.xml:line 4" in " ".join(result.output.split()), result.output
