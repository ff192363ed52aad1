"""``cartrial screen``: decisions, batch summaries and bad input (exit 2, nothing partial)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

DATA = Path(__file__).parents[1] / "data"
MINI = str(DATA / "protocols" / "mini.yaml")
ELIGIBLE = json.loads((DATA / "screening" / "mini-eligible.json").read_text())

runner = CliRunner()


def write(tmp_path: Path, record: object, name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(record))
    return path


def test_eligible_record_json_output() -> None:
    result = runner.invoke(
        app,
        ["screen", "--protocol", MINI, str(DATA / "screening" / "mini-eligible.json"), "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["decision"] == "eligible"
    # 600/uL = 0.6 x10^9/L, above the "<= 0.5" exclusion.
    assert payload["criteria"][1]["verdict"] == "met"
    assert "ANC 600 /uL" in payload["criteria"][1]["reason"]


def test_excluded_record_names_the_value_and_threshold(tmp_path: Path) -> None:
    record = {**ELIGIBLE, "labs": [{"test": "anc", "value": 500, "unit": "/mm3"}]}
    result = runner.invoke(app, ["screen", "-p", MINI, str(write(tmp_path, record)), "--json"])
    payload = json.loads(result.stdout)
    assert payload["decision"] == "not_eligible"
    assert payload["criteria"][1]["reason"] == "excluded: ANC 500 /mm3 is ≤ 0.5 x10^9/L"


def test_missing_data_makes_the_decision_incomplete(tmp_path: Path) -> None:
    record = {k: v for k, v in ELIGIBLE.items() if k != "birth_date"}
    payload = json.loads(
        runner.invoke(app, ["screen", "-p", MINI, str(write(tmp_path, record)), "--json"]).stdout
    )
    assert payload["decision"] == "incomplete"
    assert payload["criteria"][0]["verdict"] == "needs_review"


def test_batch_from_jsonl_prints_a_summary(tmp_path: Path) -> None:
    young = {**ELIGIBLE, "subject_id": "M-002", "birth_date": "2010-01-01"}
    path = tmp_path / "cohort.jsonl"
    path.write_text(json.dumps(ELIGIBLE) + "\n" + json.dumps(young) + "\n")
    result = runner.invoke(app, ["screen", "-p", MINI, str(path), "--json"])
    payload = json.loads(result.stdout)
    assert [r["decision"] for r in payload["results"]] == ["eligible", "not_eligible"]
    assert payload["summary"][0]["top_failures"][0]["criterion_id"] == "I1"
    table = runner.invoke(app, ["screen", "-p", MINI, str(path)])
    assert table.exit_code == 0
    assert "Screening summary" in table.stdout


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {**ELIGIBLE, "birth_date": "2026-04-01"},
            "field 'birth_date': got '2026-04-01', expected a date before consent_date 2026-03-10",
        ),
        ({**ELIGIBLE, "weight_kg": -70}, "field 'weight_kg': got -70"),
        ({k: v for k, v in ELIGIBLE.items() if k != "consent_date"}, "field 'consent_date'"),
        ({**ELIGIBLE, "labs": [{"test": "anc", "value": 1.0}]}, "field 'labs[0].unit'"),
        (
            {**ELIGIBLE, "labs": [{"test": "creatinine", "value": 1.0, "unit": "mg/L"}]},
            "expected one of the units of creatinine: mg/dL, umol/L (unit symbols are "
            "case-sensitive; the litre may be written L or l)",
        ),
        (
            {**ELIGIBLE, "labs": [{"test": "cholesterol", "value": 1.0, "unit": "mg/dL"}]},
            "field 'labs[0].test': got 'cholesterol'",
        ),
    ],
)
def test_bad_record_exits_2_naming_the_field(tmp_path: Path, record: object, message: str) -> None:
    result = runner.invoke(app, ["screen", "-p", MINI, str(write(tmp_path, record))])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_malformed_json_exits_2_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"subject_id": "X",\n "consent_date": }')
    result = runner.invoke(app, ["screen", "-p", MINI, str(path)])
    assert result.exit_code == 2
    assert "line 2" in result.stderr


def test_one_bad_record_in_a_batch_prints_nothing_partial(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text(json.dumps(ELIGIBLE) + "\n" + json.dumps({"subject_id": "B"}) + "\n")
    result = runner.invoke(app, ["screen", "-p", MINI, str(path), "--json"])
    assert result.exit_code == 2
    assert f"{path}:2" in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_unknown_protocol_exits_2() -> None:
    result = runner.invoke(
        app, ["screen", "-p", "no-such-trial", str(DATA / "screening" / "mini-eligible.json")]
    )
    assert result.exit_code == 2
    assert "unknown protocol 'no-such-trial'" in result.stderr
