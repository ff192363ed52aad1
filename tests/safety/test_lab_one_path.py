"""One path from a lab record to its CTCAE v5.0 grade, and one unit policy (issue 12).

Expectations are from CTCAE v5.0's ALT increased row, computed by hand:
ALT 150 U/L, ULN 40 U/L, baseline 60 U/L. The baseline is above the ULN, so it
is abnormal and the value is graded against it: 150 / 60 = 2.5 x baseline, in
"1.5 - 3.0 x baseline if baseline was abnormal" = grade 1. Read against the ULN
(as if the baseline were normal) 150 / 40 = 3.75 x ULN, in ">3.0 - 5.0 x ULN if
baseline was normal" = grade 2.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError, UnknownUnitError
from cartrial.safety.ctcae import LabRecord, grade_lab_record
from cartrial.safety.lab_input import lab_record
from cartrial.units import check_unit

runner = CliRunner()
ALT = {"term": "ALT increased", "value": 150, "unit": "U/L", "uln": 40, "baseline": 60}


def _grade_lab(tmp_path: Path, labs: list[dict[str, Any]]) -> Any:
    path = tmp_path / "labs.json"
    path.write_text(json.dumps({"patient": "P01", "labs": labs}), encoding="utf-8")
    return runner.invoke(app, ["safety", "grade-lab", str(path), "--json"])


@dataclass(frozen=True)
class _Stored:
    """A stored lab result's columns (what ``lab_result`` holds since revision 0007)."""

    ctcae_term: str | None
    value: Decimal
    unit: str
    uln: Decimal | None = None
    lln: Decimal | None = None
    baseline: Decimal | None = None
    on_anticoagulation: bool = False
    collected_at: dt.datetime = dt.datetime(2026, 3, 10, 8, tzinfo=dt.UTC)


def test_the_cli_grades_alt_against_an_abnormal_baseline_as_ctcae_v5_says(
    tmp_path: Path,
) -> None:
    result = _grade_lab(tmp_path, [ALT, {**ALT, "baseline": None}])
    assert result.exit_code == 0, result.output
    graded = json.loads(result.stdout)["labs"]
    assert [g["grade"] for g in graded] == [1, 2]
    assert graded[0]["reason"].startswith(
        "Alanine aminotransferase increased grade 1: 150 U/L >= 1.5 x baseline 60 U/L"
    )
    assert graded[1]["reason"].endswith("no baseline given: graded as if baseline normal")


def test_a_stored_row_becomes_the_same_engine_input_as_the_file_row() -> None:
    stored = _Stored(
        ctcae_term="ALT increased",
        value=Decimal(150),
        unit="U/L",
        uln=Decimal(40),
        baseline=Decimal(60),
    )
    record = lab_record(stored)
    assert record == LabRecord.model_validate(ALT)
    assert grade_lab_record(record).grade == 1
    # CTCAE v5.0 INR increased: ">2.5" is grade 3 off anticoagulation; on it the rows
    # are x baseline: 2.6 / 2.0 = 1.3 x baseline, in ">1 - 1.5 x baseline" = grade 1.
    inr = _Stored(ctcae_term="INR increased", value=Decimal("2.6"), unit="ratio")
    assert grade_lab_record(lab_record(inr)).grade == 3
    on_warfarin = _Stored(
        ctcae_term="INR increased",
        value=Decimal("2.6"),
        unit="ratio",
        baseline=Decimal("2.0"),
        on_anticoagulation=True,
    )
    assert lab_record(on_warfarin).on_anticoagulation is True
    assert grade_lab_record(lab_record(on_warfarin)).grade == 1


def test_a_stored_row_without_a_term_is_not_graded() -> None:
    with pytest.raises(InputError) as refused:
        lab_record(_Stored(ctcae_term=None, value=Decimal(150), unit="U/L"))
    assert refused.value.field == "ctcae_term"


def test_grade_lab_refuses_a_unit_of_bananas_with_exit_2_naming_field_value_and_units(
    tmp_path: Path,
) -> None:
    result = _grade_lab(tmp_path, [ALT, {**ALT, "unit": "bananas"}])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        "error: field 'labs[1].unit': got 'bananas', expected one of the units of alt: "
        "IU/L, U/L, ukat/L (unit symbols are case-sensitive; the litre may be written L or l)"
    )


def test_grade_lab_refuses_an_unknown_reference_unit(tmp_path: Path) -> None:
    result = _grade_lab(tmp_path, [{**ALT, "reference_unit": "bananas"}])
    assert result.exit_code == 2
    assert "field 'labs[0].reference_unit': got 'bananas'" in result.stderr


def test_the_one_unit_policy_is_case_sensitive_and_reads_the_litre_either_way() -> None:
    assert check_unit("alt", "IU/l", field="unit") == "IU/L"
    with pytest.raises(UnknownUnitError) as refused:
        check_unit("alt", "u/L", field="labs[0].unit")
    assert (refused.value.field, refused.value.value) == ("labs[0].unit", "u/L")
