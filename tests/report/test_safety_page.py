"""The safety page (report/safety_page.py) on the three-patient fixture, by hand.

tests/data/safety/trial/patients.json: P01 (DL1) CRS grade 3 from day 2.3 to 5.4 (the
observations in crs/P01.json), nausea grade 1; P02 (DL1) CRS grade 2; P03 (DL2) not infused,
so no swimmer lane.
"""

from __future__ import annotations

import json
from pathlib import Path

from cartrial.protocol.load import load_protocol
from cartrial.report.safety_page import render_safety_html
from cartrial.safety.astct import grade_crs
from cartrial.safety.astct_input import load_crs_file
from cartrial.safety.events import SafetyFile
from cartrial.safety.inputs import parse_input
from cartrial.safety.tables import SafetyTables, compute_safety_tables

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


def test_html_report_has_tables_and_swimmer_plot() -> None:
    page = render_safety_html(tables())
    assert "<svg" in page
    assert "P01 (DL1)" in page
    assert "CRS grade 3, day 2.3 to 5.4" in page
    assert "Cytokine release syndrome" in page


def test_swimmer_plot_marks_a_death_after_the_lane() -> None:
    """A patient who died gets the cross 3 px after the lane's end (the x position is text:
    adding the offset to it used to raise TypeError for any trial with a death)."""
    from cartrial.safety.events import Death

    base = tables()
    died = base.patients[0].model_copy(
        update={"death": Death(time=base.patients[0].infusion, cause="unknown")}
    )
    page = render_safety_html(base.model_copy(update={"patients": [died, *base.patients[1:]]}))
    assert "&#x2715;</text>" in page
