"""The response format's follow-up inputs for PFS, OS and DOR, end to end, worked by hand.

References: FDA, Clinical Trial Endpoints for the Approval of Cancer Drugs and Biologics
(2018), table "PFS date of progression or censoring" (no baseline -> censored at the start;
progression between scheduled visits -> the earliest scan that shows it; more than the
allowed missed visits -> censored at the last assessment); RECIST 1.1 (Eisenhauer 2009)
section 4.3.5 (an unequivocal new lesion is PD); R survival ``quantile.survfit`` for the
midpoint median (derivation in tests/survival/test_km_median_rule.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError
from cartrial.response.lesions import parse_subject
from cartrial.response.summary import summarise_study
from tests.response.build import BASELINE, REFERENCE, tgt, visit

STUDY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "response" / "study"
runner = CliRunner()


def record(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subject_id": "S-1",
        "baseline_date": BASELINE.isoformat(),
        "reference_date": REFERENCE.isoformat(),
        "lesions": [tgt("T1", "liver", 40), tgt("T2", "lung", 20)],
        "assessments": [],
    }
    return base | extra


def summary_json(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["response", "summary", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def pfs_median(data: dict[str, Any]) -> float:
    median: float = data["kaplan_meier"]["PFS"][0]["median"]
    return median


def test_example_study_median_pfs_is_70_days_and_98_by_the_r_midpoint(tmp_path: Path) -> None:
    # PFS 20 (death), 28, 70, 126, 154 (PD), 168+: S = 5/6, 4/6, 3/6 from day 70 to 126.
    assert pfs_median(summary_json(str(STUDY))) == 70
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"km_median_rule": "midpoint"}), encoding="utf-8")
    assert pfs_median(summary_json(str(STUDY), "--settings", str(settings))) == 98


def test_settings_take_the_protocols_assessment_interval(tmp_path: Path) -> None:
    # 4-weekly imaging, one missed visit allowed (window 28 days): 101-003 PR day 70 then PD
    # day 126 and 103-002 SD day 98 then PD day 154 are 56 days apart: censored at 70 and 98.
    settings = tmp_path / "settings.json"
    settings.write_text(
        json.dumps({"assessment_interval_days": 28, "missed_assessments": 1}), encoding="utf-8"
    )
    rows = {
        r["subject_id"]: r["pfs"]
        for r in summary_json(str(STUDY), "--settings", str(settings))["subjects"]
    }
    assert (rows["101-003"]["days"], rows["101-003"]["rule"]) == (70, "missed-assessments")
    assert (rows["103-002"]["days"], rows["103-002"]["rule"]) == (98, "missed-assessments")
    assert (rows["102-001"]["days"], rows["102-001"]["rule"]) == (70, "progression")
    assert "1 x 28 days" in rows["101-003"]["reason"]


def test_subject_without_baseline_is_counted_ne_and_censored_at_infusion(tmp_path: Path) -> None:
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("101-003", "105-001"):
        (folder / f"{name}.json").write_text((STUDY / f"{name}.json").read_text())
    no_baseline = record(
        subject_id="107-001", baseline_date=None, lesions=[], death_date="2026-03-01"
    )
    (folder / "107-001.json").write_text(json.dumps(no_baseline), encoding="utf-8")
    data = summary_json(str(folder))
    row = next(r for r in data["subjects"] if r["subject_id"] == "107-001")
    assert row["best_overall_response"] == "NE"
    assert (row["pfs"]["days"], row["pfs"]["event"], row["pfs"]["rule"]) == (
        0,
        False,
        "no-baseline",
    )
    assert (row["os"]["days"], row["os"]["event"]) == (48, True)  # 12 Jan -> 1 Mar 2026
    table = runner.invoke(app, ["response", "summary", str(folder)])
    assert table.exit_code == 0
    assert "no-baseline" in table.stdout and "no baseline tumour assessment" in table.stdout


def test_progression_dated_by_the_earliest_scan_of_the_assessment() -> None:
    # Day 112 assessment: thorax CT on day 105 shows a new lung lesion; abdomen on day 112.
    pd_visit = visit(
        112, {"T1": 30, "T2": 15}, new=[{"id": "NEW1", "organ": "lung", "scan_date": "2026-04-27"}]
    )
    pd_visit["lesions"][1]["scan_date"] = "2026-04-27"
    subject = parse_subject(record(assessments=[visit(56, {"T1": 30, "T2": 15}), pd_visit]))
    row = summarise_study([subject]).subjects[0]
    assert (row.pfs.days, row.pfs.event, row.pfs.rule) == (105, True, "progression")


def test_target_progression_is_dated_by_the_last_scan_of_the_measured_targets() -> None:
    # Sum 60 -> 45 (day 56) -> 60 (day 112: +15 mm, +33 %): target PD. T1 scanned day 105,
    # T2 day 110, the assessment's last scan day 112 (another organ): PD dated day 110.
    pd_visit = visit(112, {"T1": 40, "T2": 20})
    pd_visit["lesions"][0]["scan_date"] = "2026-04-27"
    pd_visit["lesions"][1]["scan_date"] = "2026-05-02"
    subject = parse_subject(record(assessments=[visit(56, {"T1": 30, "T2": 15}), pd_visit]))
    row = summarise_study([subject]).subjects[0]
    assert (row.pfs.days, row.pfs.rule) == (110, "progression")


def test_withdrawal_and_symptomatic_deterioration_in_the_format() -> None:
    data = record(
        assessments=[visit(56, {"T1": 30, "T2": 15}), visit(112, {"T1": 30, "T2": 15})],
        withdrawal_date="2026-06-01",
        symptomatic_deterioration_date="2026-05-20",
    )
    row = summarise_study([parse_subject(data)]).subjects[0]
    assert (row.pfs.days, row.pfs.event, row.pfs.rule) == (112, False, "withdrawal")
    assert any("symptomatic deterioration on 2026-05-20" in n for n in row.pfs.notes)
    assert (row.os.days, row.os.rule) == (140, "withdrawn")


def test_scan_date_after_its_assessment_is_refused_naming_it() -> None:
    late = visit(56, {"T1": 30, "T2": 15})
    late["lesions"][0]["scan_date"] = "2026-03-10"  # the assessment is dated 2026-03-09
    with pytest.raises(
        InputError, match=r"assessments\[0\] \(2026-03-09\)\.lesions\[T1\]\.scan_date"
    ):
        parse_subject(record(assessments=[late]))


def test_no_baseline_with_lesions_is_refused() -> None:
    with pytest.raises(InputError, match="baseline_date is null"):
        parse_subject(record(baseline_date=None))
