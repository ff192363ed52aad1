"""``cartrial safety`` commands: output, JSON, and bad input (exit 2, one message, no output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

DATA = Path(__file__).parent.parent / "data" / "safety"
runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["safety", *args])


def write(tmp_path: Path, payload: Any) -> str:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_grade_crs_prints_grade_and_reason() -> None:
    result = run("grade-crs", str(DATA / "crs_p01.json"))
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == (
        "P01: CRS grade 3: hypotension needing one vasopressor (norepinephrine) on day 2"
    )


def test_grade_crs_json() -> None:
    result = run("grade-crs", str(DATA / "crs_p01.json"), "--json")
    payload = json.loads(result.stdout)
    assert payload["grade"] == 3
    assert payload["onset_day"] == 2
    assert payload["tocilizumab"] is True
    assert [d["grade"] for d in payload["days"]] == [3, 3, 0]


def test_grade_icans_json() -> None:
    result = run("grade-icans", str(DATA / "icans_p01.json"), "--json")
    payload = json.loads(result.stdout)
    assert payload["grade"] == 4
    assert payload["reason"] == (
        "ICANS grade 4: unarousable or needing vigorous or repetitive tactile stimuli on day 5"
    )


CRS_OK = {"kind": "temperature", "time": "2026-03-03T08:00", "celsius": 38.5}


@pytest.mark.parametrize(
    ("observation", "message"),
    [
        (
            {"kind": "temperature", "celsius": 38.5},
            "field 'observations[1].time': got None, expected a value (the field is required)",
        ),
        (
            {"kind": "temperature", "time": "2026-03-03", "celsius": 38.5},
            "field 'observations[1].time': got '2026-03-03', expected an ISO date-time",
        ),
        (
            {"kind": "temperature", "time": "2026-03-03T08:00Z", "celsius": 38.5},
            "expected an ISO date-time with a time of day and no UTC offset",
        ),
        (
            {"kind": "temperature", "time": 1772524800, "celsius": 38.5},
            "field 'observations[1].time': got 1772524800, expected an ISO date-time",
        ),
        (
            {
                "kind": "oxygen",
                "time": "2026-03-03T09:00",
                "device": "nasal_cannula",
                "flow_l_min": -1,
            },
            "field 'observations[1].flow_l_min': got -1, expected Input should be greater than "
            "or equal to 0",
        ),
        (
            {"kind": "oxygen", "time": "2026-03-03T09:00", "device": "nasal_cannula"},
            "a nasal cannula needs 'flow_l_min'",
        ),
        (
            {"kind": "pulse", "time": "2026-03-03T09:00"},
            "field 'observations[1]'",
        ),
    ],
)
def test_grade_crs_bad_input_exits_2_naming_the_field(
    tmp_path: Path, observation: dict[str, Any], message: str
) -> None:
    path = write(tmp_path, {"observations": [CRS_OK, observation]})
    result = run("grade-crs", path, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(result.stderr.split())


def test_grade_icans_ice_component_out_of_range_exits_2(tmp_path: Path) -> None:
    ice = {"orientation": 5, "naming": 3, "commands": 1, "writing": 1, "attention": 1}
    path = write(tmp_path, {"assessments": [{"time": "2026-03-03T08:00", "ice": ice}]})
    result = run("grade-icans", path)
    assert result.exit_code == 2
    assert "field 'assessments[0].ice.orientation': got 5" in " ".join(result.stderr.split())
    assert result.stdout == ""


def test_unreadable_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    result = run("grade-crs", str(path))
    assert result.exit_code == 2
    assert "valid JSON" in result.stderr


def test_grade_lab_json() -> None:
    result = run("grade-lab", str(DATA / "labs_p01.json"), "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert [(g["term"], g["grade"]) for g in payload["labs"]] == [
        ("Neutrophil count decreased", 1),
        ("Alanine aminotransferase increased", 1),
        ("Anemia", 3),
        ("Blood bilirubin increased", 2),
    ]


def test_grade_lab_unknown_term_exits_2_and_prints_nothing(tmp_path: Path) -> None:
    labs = [
        {"term": "Neutrophil count decreased", "value": 1.0, "unit": "x10^9/L", "lln": 2.0},
        {"term": "Neutrophils low", "value": 1.0, "unit": "x10^9/L", "lln": 2.0},
    ]
    result = run("grade-lab", write(tmp_path, {"labs": labs}))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "field 'labs[1].term': got 'Neutrophils low'" in " ".join(result.stderr.split())


PROTOCOL = str(DATA / "protocol_safety_test.yaml")


def test_dlt_json_per_patient() -> None:
    result = run("dlt", "--protocol", PROTOCOL, str(DATA / "patients.json"), "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["window_days"] == 28
    summary = [(p["patient"], p["evaluable"], p["dlt"]) for p in payload["patients"]]
    assert summary == [("P01", True, True), ("P02", True, False), ("P03", False, False)]
    assert payload["patients"][0]["triggers"][0]["rule_id"] == "D2"
    assert payload["patients"][0]["triggers"][0]["ae_id"] == "P01-1"


def patients_with(ae: dict[str, Any]) -> dict[str, Any]:
    base = {"id": "AE1", "term": "Nausea", "onset": "2026-03-02T08:00", "grade": 2}
    return {
        "patients": [
            {
                "id": "P01",
                "first_lymphodepletion": "2026-02-25T09:00",
                "infusion": "2026-03-01T10:00",
                "adverse_events": [{**base, **ae}],
            }
        ]
    }


@pytest.mark.parametrize(
    ("ae", "message"),
    [
        ({"grade": 6}, "field 'patients[0].adverse_events[0].grade': got 6"),
        ({"grade": 0}, "field 'patients[0].adverse_events[0].grade': got 0"),
        # Any non-empty term is accepted (an unlisted one takes the investigator's grade,
        # test_ctcae_terms.py); an empty one is refused.
        ({"term": ""}, "field 'patients[0].adverse_events[0].term': got ''"),
        ({"onset": None}, "field 'patients[0].adverse_events[0].onset'"),
        ({"related_product": "likely"}, "field 'patients[0].adverse_events[0].related_product'"),
    ],
)
def test_dlt_bad_input_exits_2_naming_the_field(
    tmp_path: Path, ae: dict[str, Any], message: str
) -> None:
    result = run("dlt", "--protocol", PROTOCOL, write(tmp_path, patients_with(ae)), "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in " ".join(result.stderr.split())


def test_dlt_unknown_protocol_exits_2(tmp_path: Path) -> None:
    result = run("dlt", "--protocol", "no-such-protocol", write(tmp_path, patients_with({})))
    assert result.exit_code == 2
    assert "unknown protocol 'no-such-protocol'" in result.stderr


def test_every_safety_command_is_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "safety.md").read_text(encoding="utf-8")
    from cartrial.cli.safety import safety_app

    names = [c.name for c in safety_app.registered_commands]
    assert names == [
        "grade-crs",
        "grade-icans",
        "grade-fever",
        "grade-lab",
        "dlt",
        "teae",
        "tables",
    ]
    for name in names:
        assert f"`cartrial safety {name} " in docs, name


def test_dlt_escalation_data_feeds_the_escalation_engine() -> None:
    result = run("dlt", "--protocol", PROTOCOL, str(DATA / "patients.json"), "--escalation-data")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "patients": [
            {"subject": "P01", "level": 1, "dlt": "yes", "days_followed": 40,
             "grade2_related": False},
            {"subject": "P02", "level": 1, "dlt": "no", "days_followed": 37,
             "grade2_related": True},
        ]
    }  # fmt: skip


def test_teae_json_flags_each_ae() -> None:
    result = run("teae", "--protocol", PROTOCOL, str(DATA / "patients.json"), "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["adverse_events"]
    assert [(r["ae_id"], r["teae"], r["sae"], r["aesi"]) for r in rows] == [
        ("P01-1", True, True, "immune effector cell toxicity"),
        ("P01-2", True, False, None),
        ("P02-1", True, False, "immune effector cell toxicity"),
        ("P02-2", False, True, "on-target off-tumour serositis"),
        ("P03-1", True, True, None),
    ]


def test_dlt_with_bundled_uclm802() -> None:
    result = run("dlt", "--protocol", "uclm802", str(DATA / "patients.json"), "--json")
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["protocol"] == "uclm802"
    assert [(p["patient"], p["outcome"]) for p in payload["patients"]] == [
        ("P01", "yes"),
        ("P02", "no"),
        ("P03", "not_evaluable"),
    ]


def test_grade_fever_prints_fever_and_febrile_neutropenia(tmp_path: Path) -> None:
    # CTCAE v5.0: 39.4 °C is Fever grade 2 (> 39.0 - 40.0); > 38.3 °C with ANC 400/mm3
    # (< 1000/mm3) is Febrile neutropenia grade 3.
    path = write(
        tmp_path,
        {
            "patient": "P02",
            "observations": [
                {"kind": "temperature", "time": "2026-03-02T08:00", "celsius": "39.4"}
            ],
            "anc": [{"time": "2026-03-02T09:00", "value": "400", "unit": "/mm3"}],
        },
    )
    result = run("grade-fever", path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("P02: Fever grade 2: highest temperature 39.4 °C")
    assert lines[1].startswith("P02: Febrile neutropenia grade 3: ANC 400 /mm3")
    payload = json.loads(run("grade-fever", path, "--json").stdout)
    assert [t["grade"] for t in payload["terms"]] == [2, 3]


def test_grade_fever_unknown_anc_unit_is_exit_2(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "observations": [
                {"kind": "temperature", "time": "2026-03-02T08:00", "celsius": "39.4"}
            ],
            "anc": [{"time": "2026-03-02T09:00", "value": "400", "unit": "bananas"}],
        },
    )
    result = run("grade-fever", path)
    assert result.exit_code == 2
    assert "anc[0].unit" in result.stderr
    assert "Traceback" not in result.output


def test_grade_icans_refuses_ice_for_a_child(tmp_path: Path) -> None:
    ice = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 0}
    path = write(
        tmp_path,
        {"age_years": 9, "assessments": [{"time": "2026-03-02T08:00", "ice": ice}]},
    )
    result = run("grade-icans", path)
    assert result.exit_code == 2
    assert "assessments[0].ice" in result.stderr and "CAPD" in result.stderr


def test_teae_and_tables_accept_a_term_not_in_ctcae(tmp_path: Path) -> None:
    path = write(tmp_path, patients_with({"term": "Chest tightness", "grade": 3}))
    teae = run("teae", "--protocol", PROTOCOL, path)
    assert teae.exit_code == 0, teae.output
    assert teae.stdout.startswith(
        "P01 AE1 Chest tightness grade 3 (term not in CTCAE v5.0: investigator grade used):"
    )
    folder = tmp_path / "trial"
    folder.mkdir()
    (folder / "patients.json").write_text(Path(path).read_text(encoding="utf-8"))
    tables = run("tables", str(folder), "--protocol", PROTOCOL, "--json")
    assert tables.exit_code == 0, tables.output
    rows = json.loads(tables.stdout)["teae"]
    assert any(r["term"] == "Chest tightness" for r in rows)
