"""Study summary on the documented example study (docs/examples/response/study), by hand.

Subjects (days from infusion):
- 101-003 DL2 ovarian: PR d42, PR d70 (confirmed), PD d126; alive d300.
- 102-001 DL1 pancreatic: SD d42, new lesion d70 (RECIST PD), then shrinking; alive d200.
- 103-002 DL1 mesothelioma: 40 mm -> 36 (SD d42) -> 38 -> 45 (+9 mm, +25 % over nadir: PD
  d154); dies d250.
- 104-001 DL2 mesothelioma: 34 -> 21 (PR d28) -> CR d56, d84 (confirmed), d168; alive d365.
- 105-001 DL1 ovarian: new lesion d28 (PD); dies d120.
- 106-001 DL2 pancreatic: no assessment; dies d20.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from cartrial.cli.common import read_json_file
from cartrial.response.lesions import parse_subject
from cartrial.response.summary import StudySummary, summarise_study

STUDY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "response" / "study"


@pytest.fixture(scope="module")
def summary() -> StudySummary:
    files = sorted(STUDY.glob("*.json"))
    return summarise_study([parse_subject(read_json_file(f)) for f in files])


def test_bor_table(summary: StudySummary) -> None:
    rows = [
        (r.subject_id, r.best_overall_response, r.best_overall_response_in_window)
        for r in summary.subjects
    ]
    assert rows == [
        ("101-003", "PR", "SD"),  # the day-70 confirmation is outside the 56-day window
        ("102-001", "SD", "SD"),
        ("103-002", "SD", "SD"),
        ("104-001", "CR", "PR"),  # PR d28 confirmed by CR d56; CR d56 unconfirmed in window
        ("105-001", "PD", "PD"),
        ("106-001", "NE", "NE"),
    ]
    assert summary.subjects[3].best_change_pct == Decimal("-79.41")  # 7 / 34 - 1


def test_orr_and_dcr_overall(summary: StudySummary) -> None:
    overall = [(e.endpoint, e.responders, e.n) for e in summary.rates if e.group_by == "overall"]
    assert overall == [("ORR", 2, 6), ("DCR", 4, 6)]
    window = [(e.endpoint, e.responders) for e in summary.rates_in_window if e.group == "all"]
    assert window == [("ORR", 1), ("DCR", 4)]


def test_derived_times_and_their_rules(summary: StudySummary) -> None:
    pfs = [(r.pfs.days, r.pfs.event, r.pfs.rule) for r in summary.subjects]
    assert pfs == [
        (126, True, "progression"),
        (70, True, "progression"),
        (154, True, "progression"),
        (168, False, "censored"),
        (28, True, "progression"),
        (20, True, "death"),
    ]
    dor = [(r.dor.days, r.dor.event) if r.dor else None for r in summary.subjects]
    # DOR from the first CR/PR: 101-003 d42 -> PD d126; 104-001 PR d28 -> censored d168
    assert dor == [(84, True), None, None, (140, False), None, None]


def test_kaplan_meier_of_os(summary: StudySummary) -> None:
    # OS: 20 (death), 120 (death), 200+, 250 (death), 300+, 365+.
    # S(20) = 5/6, S(120) = 5/6 * 4/5 = 2/3, S(250) = 2/3 * 2/3 = 4/9 -> median 250.
    everyone = summary.kaplan_meier["OS"][0]
    assert (everyone.label, everyone.n, everyone.events, everyone.median) == ("all", 6, 3, 250)
    assert everyone.landmarks[0].survival == pytest.approx(2 / 3)
    assert [k.label for k in summary.kaplan_meier["OS"]] == ["all", "DL1", "DL2"]


def test_criteria_per_tumour_type_come_from_the_settings() -> None:
    from cartrial.response.settings import ResponseSettings

    settings = ResponseSettings(
        criteria_by_tumour_type={"mesothelioma": "mrecist11", "pancreatic": "irecist"}
    )
    files = sorted(STUDY.glob("*.json"))
    result = summarise_study([parse_subject(read_json_file(f)) for f in files], settings=settings)
    rows = [(r.subject_id, r.criteria, r.i_best_overall_response) for r in result.subjects]
    assert rows == [
        ("101-003", "recist11", None),
        ("102-001", "irecist", "iPR"),  # pseudoprogression: iUPD reset, confirmed iPR
        ("103-002", "mrecist11", None),
        ("104-001", "mrecist11", None),
        ("105-001", "recist11", None),
        ("106-001", "irecist", "iNE"),
    ]
