"""Vital signs refuse an unknown test, an unknown unit and an implausible value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cartrial.errors import InputError
from cartrial.vitals import check_vital_sign


@pytest.mark.parametrize(
    ("test", "value", "unit"),
    [
        ("temperature", "101.3", "F"),  # (101.3 - 32) x 5/9 = 38.5 C
        ("temperature", "38.5", "°C"),
        ("systolic_bp", "78", "mmHg"),
        ("pulse", "96", "/min"),
        ("spo2", "100", "%"),
        ("weight", "70.5", "kg"),
    ],
)
def test_plausible_values_in_a_known_unit_are_accepted(test: str, value: str, unit: str) -> None:
    check_vital_sign(test, Decimal(value), unit)


@pytest.mark.parametrize(
    ("test", "value", "unit", "field", "expected"),
    [
        ("temperature", "113.2", "F", "value", "between 25 and 45 C"),  # 45.1 C
        ("temperature", "37", "kelvin", "unit", "C, °C, F, °F"),
        ("spo2", "101", "%", "value", "between 50 and 100 %"),
        ("pulse", "96", "bananas", "unit", "/min, beats/min, bpm"),
        ("mood", "3", "points", "test", "temperature, systolic_bp"),
    ],
)
def test_bad_vital_signs_name_the_field_the_value_and_what_was_expected(
    test: str, value: str, unit: str, field: str, expected: str
) -> None:
    with pytest.raises(InputError) as caught:
        check_vital_sign(test, Decimal(value), unit)
    assert caught.value.field == field
    assert expected in str(caught.value)
