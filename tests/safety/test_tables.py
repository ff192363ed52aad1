"""Safety tables on the three-patient fixture, counts derived by hand.

tests/data/safety/trial/patients.json: P01 (DL1) CRS grade 3 (definite, hospitalised,
tocilizumab in crs/P01.json) and nausea grade 1; P02 (DL1) CRS grade 2 and a grade 3
pleural effusion on day 36 (outside the 30-day TEAE window); P03 (DL2) lymphodepleted,
not infused, febrile neutropenia grade 3 (hospitalised).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.protocol.load import load_protocol
from cartrial.safety.astct import grade_crs
from cartrial.safety.astct_input import load_crs_file
from cartrial.safety.events import SafetyFile
from cartrial.safety.inputs import parse_input
from cartrial.safety.tables import SafetyTables, compute_safety_tables, percent

DATA = Path(__file__).parent.parent / "data" / "safety"
TRIAL = DATA / "trial"
PROTOCOL = str(DATA / "protocol_safety_test.yaml")


def tables() -> SafetyTables:
    patients = parse_input(SafetyFile, json.loads((TRIAL / "patients.json").read_text()))
    crs = load_crs_file(json.loads((TRIAL / "crs" / "P01.json").read_text()))
    treatment = {
        "P01": grade_crs(observations=crs.observations, infusion=crs.infusion, patient="P01")
    }
    return compute_safety_tables(
        patients=patients.patients,
        protocol=load_protocol(PROTOCOL).protocol,
        by_dose_level=True,
        crs_treatment=treatment,
    )


def test_percent_one_decimal_half_up() -> None:
    assert [percent(1, 3), percent(2, 3), percent(1, 16), percent(0, 0)] == [
        "33.3",
        "66.7",
        "6.3",
        "-",
    ]


def test_safety_population_is_everyone_treated() -> None:
    t = tables()
    assert t.population == {"overall": 3, "DL1": 2, "DL2": 1}


def test_teae_incidence_counts_each_patient_once_at_worst_grade() -> None:
    t = tables()
    rows = {(r.soc, r.term): r.counts for r in t.teae}
    anyrow = rows[("Any TEAE", None)]["overall"]
    assert (anyrow.g1_2, anyrow.g3, anyrow.g4, anyrow.g5, anyrow.any) == (1, 2, 0, 0, 3)
    crs = rows[("Immune system disorders", "Cytokine release syndrome")]
    assert (crs["DL1"].g1_2, crs["DL1"].g3, crs["DL2"].any) == (1, 1, 0)
    assert ("Respiratory, thoracic and mediastinal disorders", "Pleural effusion") not in rows


def test_crs_summary_onset_duration_and_tocilizumab() -> None:
    overall = tables().crs[0]
    assert overall.patients == 2
    assert overall.by_worst_grade == {1: 0, 2: 1, 3: 1, 4: 0, 5: 0}
    assert (overall.onset_day_median, overall.onset_day_range) == (1.0, (1, 1))
    assert (overall.duration_days_median, overall.duration_days_range) == (5.5, (4, 7))
    assert (overall.tocilizumab, overall.corticosteroids) == (1, 0)


def test_dlts_per_dose_level() -> None:
    rows = {r.group: r for r in tables().dlt}
    assert (rows["DL1"].treated, rows["DL1"].evaluable, rows["DL1"].with_dlt) == (2, 2, 1)
    assert rows["DL1"].dlts == ["P01: D2 Cytokine release syndrome"]
    assert (rows["DL2"].evaluable, rows["DL2"].with_dlt) == (0, 0)


def test_sae_and_aesi_listings_hold_teaes_only() -> None:
    t = tables()
    assert [f.ae_id for f in t.sae] == ["P01-1", "P03-1"]
    assert [f.ae_id for f in t.aesi] == ["P01-1", "P02-1"]


def test_cli_tables_json_and_html(tmp_path: Path) -> None:
    out = tmp_path / "safety.html"
    result = CliRunner().invoke(
        app,
        ["safety", "tables", str(TRIAL), "--protocol", PROTOCOL, "--by", "dose-level",
         "--html", str(out), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["groups"] == ["overall", "DL1", "DL2"]
    assert out.read_text().startswith("<!doctype html>")


def test_cli_tables_unknown_grouping_exits_2() -> None:
    result = CliRunner().invoke(
        app, ["safety", "tables", str(TRIAL), "--protocol", PROTOCOL, "--by", "site"]
    )
    assert result.exit_code == 2
    assert "field '--by': got 'site'" in result.stderr
    assert result.stdout == ""


def test_cli_tables_unwritable_html_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "safety.html"
    result = CliRunner().invoke(
        app, ["safety", "tables", str(TRIAL), "--protocol", PROTOCOL, "--html", str(target)]
    )
    assert result.exit_code == 2
    assert "field '--html'" in result.stderr
    assert result.stdout == ""
