"""Bad screening input is refused with an error naming the field (never screened as data)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from cartrial.eligibility.record import ScreeningRecord
from cartrial.errors import InputError, input_error_from_validation

from .seedcases import apply_change, eligible_data


def _input_error(protocol_id: str, change: dict[str, Any]) -> InputError:
    data = apply_change(eligible_data(protocol_id), change)
    with pytest.raises(ValidationError) as caught:
        ScreeningRecord.model_validate(data)
    return input_error_from_validation(caught.value, source="subject.json")


def test_lab_without_unit_is_refused_naming_the_unit_field() -> None:
    # labs[1] of the uclm802 record is the ANC
    data = eligible_data("uclm802")
    del data["labs"][1]["unit"]
    with pytest.raises(ValidationError) as caught:
        ScreeningRecord.model_validate(data)
    error = input_error_from_validation(caught.value)
    assert error.field == "labs[1].unit"
    assert "required" in str(error)


def test_lab_with_blank_unit_is_refused_naming_the_unit_field() -> None:
    error = _input_error("uclm802", {"labs[anc]": {"unit": "  "}})
    assert error.field == "labs[1].unit"
    assert "unit" in error.expected


@pytest.mark.parametrize(
    ("test", "unit"),
    [
        ("anc", "mg/dL"),  # a mass concentration for a cell count
        ("creatinine", "mmol/dL"),
        ("total_bilirubin", "mg/L"),
        ("hemoglobin", "g/mL"),
        ("ast", "mg/L"),  # compared with its ULN, but still not an enzyme unit
        # unit symbols are case-sensitive (SI Brochure 9th ed. section 5.2)
        ("anc", "g/L"),  # grams per litre, not G/L (10^9 per litre)
        ("hemoglobin", "G/L"),
        ("total_bilirubin", "MG/DL"),
        ("ast", "u/L"),
    ],
)
def test_unknown_unit_is_refused_naming_the_test_and_field(test: str, unit: str) -> None:
    error = _input_error("uclm802", {f"labs[{test}]": {"unit": unit}})
    index = [lab["test"] for lab in eligible_data("uclm802")["labs"]].index(test)
    assert error.field == f"labs[{index}].unit"
    assert error.value == unit
    assert test in str(error)


def test_unknown_laboratory_test_is_refused_naming_the_field() -> None:
    error = _input_error("szugh-msln-2024", {"labs[wbc]": {"test": "white_cells"}})
    assert error.field == "labs[0].test"
    assert error.value == "white_cells"


@pytest.mark.parametrize("birth_date", ["2026-03-11", "2026-03-10"])
def test_birth_date_on_or_after_consent_is_refused_naming_birth_date(birth_date: str) -> None:
    error = _input_error("szugh-msln-2024", {"birth_date": birth_date})
    assert error.field == "birth_date"
    assert error.value == birth_date
    assert "2026-03-10" in error.expected


@pytest.mark.parametrize("weight", ["-70", "0"])
def test_non_positive_weight_is_refused_naming_weight(weight: str) -> None:
    error = _input_error("uclm802", {"weight_kg": weight})
    assert error.field == "weight_kg"
    assert "greater than 0" in error.expected


def test_error_message_names_source_and_field() -> None:
    error = _input_error("uclm802", {"weight_kg": "-70"})
    assert str(error).startswith("subject.json: field 'weight_kg': got '-70'")


def test_missing_consent_date_is_refused_as_required() -> None:
    data = eligible_data("uclm802")
    del data["consent_date"]
    with pytest.raises(ValidationError) as caught:
        ScreeningRecord.model_validate(data)
    error = input_error_from_validation(caught.value)
    assert error.field == "consent_date"
    assert error.expected == "a value (the field is required)"


def test_lvef_above_100_percent_is_refused() -> None:
    error = _input_error("szugh-msln-2024", {"cardiac.lvef_percent": "160"})
    assert error.field == "cardiac.lvef_percent"
