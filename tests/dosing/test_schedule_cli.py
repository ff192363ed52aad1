"""``cartrial schedule``: the composed schedule as JSON and tables; bad input is exit 2."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cartrial.cli.main import app
from tests.dosing.conftest import SPARSE_PROTOCOL, TEST_PROTOCOL

runner = CliRunner()
BASE = [
    "schedule",
    "--protocol",
    str(TEST_PROTOCOL),
    "--infusion-date",
    "2026-03-02",
    "--weight-kg",
    "70",
    "--height-cm",
    "170",
]


def run_json(*extra: str) -> dict[str, Any]:
    result = runner.invoke(app, [*BASE, *extra, "--json"])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


def test_json_schedule_matches_clinical_rules_worked_numbers() -> None:
    # 170 cm / 70 kg: BSA 1.818; CrCl 45: fludarabine 24 mg/m2 -> 43.6 mg/day; Cy 909 mg/day.
    payload = run_json("--crcl", "45", "--dose-level", "3")
    assert payload["bsa"]["bsa_m2"] == "1.818"
    flu, cy = payload["lymphodepletion"]["agents"]
    assert (flu["agent"], flu["daily_dose_mg"], flu["renal_factor"]) == (
        "fludarabine",
        "43.6",
        "0.8",
    )
    assert (cy["agent"], cy["daily_dose_mg"]) == ("cyclophosphamide", "909.0")
    assert flu["dates"] == ["2026-02-25", "2026-02-26", "2026-02-27"]
    # level 3 = 1 x 10^6/kg x 70 kg
    assert payload["cell_dose"]["total_cells"] == 70_000_000
    assert payload["calendar"]["infusion"]["status"] == "needs_end_time"


def test_dubois_on_request_and_warned_when_it_differs_from_the_protocol() -> None:
    payload = run_json("--bsa-formula", "dubois", "--crcl", "90")
    assert payload["bsa"]["bsa_m2"] == "1.810"
    # 30 x 1.810 = 54.3 mg/day
    assert payload["lymphodepletion"]["agents"][0]["daily_dose_mg"] == "54.3"
    assert "BSA by dubois as requested; the protocol specifies mosteller" in payload["warnings"]


def test_default_dose_level_is_the_escalation_start_with_a_warning() -> None:
    payload = run_json()
    assert payload["cell_dose"]["level"] == 1
    assert "no --dose-level given: the escalation's starting level 1 is used" in payload["warnings"]


def test_no_crcl_warns_that_renal_adjustment_was_not_assessed() -> None:
    payload = run_json()
    assert payload["lymphodepletion"]["agents"][0]["daily_dose_mg"] == "54.5"
    assert any("renal adjustment of fludarabine NOT assessed" in w for w in payload["warnings"])


def test_weight_cap_in_the_schedule() -> None:
    # 120 kg capped at 100 kg: level 4 = 2 x 10^6 /kg x 100 = 200,000,000 cells; level 4 assumed.
    payload = run_json("--dose-level", "4", "--weight-kg", "120")
    assert payload["cell_dose"]["total_cells"] == 200_000_000
    assert payload["cell_dose"]["is_weight_capped"] is True
    assert any(w.startswith("dose level 4 is an assumed value") for w in payload["warnings"])


def test_ld_end_time_gives_the_earliest_infusion() -> None:
    # Day -3 = 27 Feb 2026, ended 16:00; + 72 h = 2 March 2026 16:00.
    payload = run_json("--ld-end-time", "16:00")
    timing = payload["calendar"]["infusion"]
    assert (timing["status"], timing["earliest"]) == ("satisfied_from_time", "2026-03-02T16:00:00")


def test_human_output_shows_tables_reasons_and_warnings() -> None:
    result = runner.invoke(app, [*BASE, "--crcl", "45"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.stdout.split())
    assert "Lymphodepletion (daily doses)" in out
    assert "43.632 -> 43.6 mg/day" in out
    assert "Treatment days" in out and "2026-02-27" in out
    assert "warning: the earliest infusion time depends on" in out


@pytest.mark.parametrize(
    ("option", "value", "field"),
    [
        ("--weight-kg", "-70", "weight_kg"),
        ("--weight-kg", "seventy", "weight_kg"),
        ("--height-cm", "0", "height_cm"),
        ("--dose-level", "9", "dose_level"),
        ("--infusion-date", "2026-02-30", "infusion_date"),
        ("--infusion-date", "02/03/2026", "infusion_date"),
        ("--crcl", "-5", "crcl"),
        ("--ld-end-time", "25:00", "ld_end_time"),
        ("--bsa-formula", "boyd", "bsa_formula"),
    ],
)
def test_bad_input_exits_2_naming_the_field(option: str, value: str, field: str) -> None:
    result = runner.invoke(app, [*BASE, option, value, "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"field '{field}'" in result.stderr


def test_sparse_protocol_exits_2_naming_what_is_open() -> None:
    result = runner.invoke(
        app,
        [
            "schedule",
            "-p",
            str(SPARSE_PROTOCOL),
            "--infusion-date",
            "2026-03-02",
            "--weight-kg",
            "70",
            "--height-cm",
            "170",
        ],
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    message = " ".join(result.stderr.split())
    assert "leaves open what a treatment schedule needs" in message
    assert "lymphodepletion" in message and "dose_levels" in message


def test_cockcroft_gault_when_no_crcl_is_given() -> None:
    # (140 - 60) x 72 / (72 x 1) = 80 mL/min (male): above 70, full fludarabine.
    # BSA sqrt(170 x 72 / 3600) = sqrt(3.4) = 1.8439 -> 1.844; 30 x 1.844 = 55.32 -> 55.3 mg.
    payload = run_json("--weight-kg", "72", "--age", "60", "--sex", "male", "--creatinine", "1")
    assert payload["crcl_ml_per_min"] == "80"
    assert payload["crcl_reason"] == (
        "Cockcroft-Gault (140 - 60) x 72 kg / (72 x 1 mg/dL) = 80.0 mL/min"
    )
    assert payload["lymphodepletion"]["agents"][0]["daily_dose_mg"] == "55.3"


def test_cockcroft_gault_female_in_umol_per_l() -> None:
    # 88.42 umol/L = 1 mg/dL; female: 80 x 0.85 = 68 mL/min -> 30-70 band, factor 0.8:
    # 24 mg/m2 x 1.844 m2 = 44.256 -> 44.3 mg/day.
    payload = run_json(
        "--weight-kg", "72", "--age", "60", "--sex", "female",
        "--creatinine", "88.42", "--creatinine-unit", "umol/L",
    )  # fmt: skip
    flu = payload["lymphodepletion"]["agents"][0]
    assert (flu["renal_factor"], flu["daily_dose_mg"]) == ("0.8", "44.3")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        (["--age", "60", "--creatinine", "1"], "sex"),
        (["--sex", "male", "--creatinine", "1"], "age_years"),
        (["--age", "60", "--sex", "male", "--creatinine", "0"], "serum_creatinine"),
        (["--age", "60", "--sex", "x", "--creatinine", "1"], "sex"),
        (["--age", "60", "--sex", "male", "--creatinine", "1", "--creatinine-unit", "g"],
         "creatinine.unit"),
    ],
)  # fmt: skip
def test_incomplete_cockcroft_gault_inputs_exit_2(extra: list[str], field: str) -> None:
    result = runner.invoke(app, [*BASE, *extra, "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"field '{field}'" in result.stderr


@settings(max_examples=40, deadline=None)
@given(
    weight=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=12,
    )
)
def test_any_weight_text_is_a_schedule_or_one_error_naming_the_field(weight: str) -> None:
    args = [a for a in BASE if a not in ("--weight-kg", "70")] + [f"--weight-kg={weight}"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert result.stdout == ""
        assert "field 'weight_kg'" in result.stderr
