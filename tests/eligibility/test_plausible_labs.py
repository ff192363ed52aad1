"""A screening record's laboratory values lie in plausible ranges (issue 14).

Before, ANC -1 and ANC 1e308 were screened. The ranges are
:data:`cartrial.units.PLAUSIBLE_RANGES` (canonical unit, sources in its docstring); the
message gives the range in the unit the value was written in.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from cartrial.eligibility.record import ScreeningRecord
from cartrial.errors import input_error_from_validation
from cartrial.units import ANALYTES, PLAUSIBLE_RANGES


def _record(**lab: str) -> ScreeningRecord:
    return ScreeningRecord.model_validate(
        {
            "subject_id": "S-001",
            "consent_date": "2026-01-10",
            "birth_date": "1970-05-01",
            "labs": [{"test": "anc", "unit": "x10^9/L", **lab}],
        }
    )


@pytest.mark.parametrize(
    ("lab", "field", "expected"),
    [
        ({"value": "-1"}, "labs[0].value", "anc from 0 to 1000 x10^9/L"),
        ({"value": "1e308"}, "labs[0].value", "anc from 0 to 1000 x10^9/L"),
        ({"value": "1000001", "unit": "/uL"}, "labs[0].value", "anc from 0 to 1000000 /uL"),
        ({"value": "1.5", "uln": "7500"}, "labs[0].uln", "anc from 0 to 1000 x10^9/L"),
    ],
)
def test_an_implausible_value_is_refused_naming_the_field_and_range(
    lab: dict[str, str], field: str, expected: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _record(**lab)
    error = input_error_from_validation(refused.value)
    assert error.field == field
    assert error.expected == f"{expected} (the plausible range)"


@pytest.mark.parametrize(
    ("value", "unit"), [("0", "x10^9/L"), ("1000", "x10^9/L"), ("1500", "/mm3"), ("0.02", "G/L")]
)
def test_values_inside_the_range_are_kept(value: str, unit: str) -> None:
    assert _record(value=value, unit=unit).labs[0].value == Decimal(value)


def test_every_test_has_a_range_that_holds_its_normal_values() -> None:
    normal = {"hemoglobin": 140, "sodium": 140, "potassium": 4, "inr": 1, "aptt": 30}
    assert set(PLAUSIBLE_RANGES) == set(ANALYTES)
    for test, (low, high) in PLAUSIBLE_RANGES.items():
        assert low < high
        assert low <= Decimal(normal.get(test, 1)) <= high, test
