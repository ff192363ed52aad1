"""Unit conversions against the published factors (CTCAE v5.0 dual units, molar masses)."""

from decimal import Decimal

import pytest

from cartrial.errors import UnknownUnitError
from cartrial.units import convert, normalise_unit


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "expected"),
    [
        # CTCAE v5.0 neutrophil count decreased: "< 1500/mm3" is "< 1.5 x 10e9/L".
        ("anc", "1500", "/mm3", "1.5"),
        ("anc", "1500", "cells/uL", "1.5"),
        ("platelets", "75", "x10^3/uL", "75"),
        ("wbc", "1.0", "×10⁹/L", "1"),
        # CTCAE v5.0 anaemia: 10.0 g/dL = 100 g/L.
        ("hemoglobin", "10.0", "g/dL", "100"),
        ("hemoglobin", "80", "g/L", "80"),
        # Bilirubin 1 mg/dL = 17.104 umol/L.
        ("total_bilirubin", "25.656", "umol/L", "1.5"),
        # Creatinine 1 mg/dL = 88.42 umol/L: 176.84 umol/L is 2.0 mg/dL.
        ("creatinine", "176.84", "µmol/L", "2"),
        # 1 ukat/L = 60 U/L.
        ("alt", "0.5", "ukat/L", "30"),
    ],
)
def test_conversion_matches_published_factor(
    analyte: str, value: str, unit: str, expected: str
) -> None:
    assert convert(analyte, Decimal(value), unit).value == Decimal(expected)


def test_conversion_to_a_named_unit() -> None:
    assert convert("creatinine", Decimal("1"), "mg/dL", to="umol/L").value == Decimal("88.42")


def test_unknown_unit_is_an_error_naming_the_test() -> None:
    with pytest.raises(UnknownUnitError) as info:
        convert("creatinine", Decimal("1"), "mg/L", field="labs[3]")
    assert "labs[3].unit" in str(info.value)
    assert "'mg/L'" in str(info.value)
    assert "umol/L" in str(info.value)


def test_unit_spelling_is_normalised() -> None:
    assert normalise_unit("x 10^9 / L") == normalise_unit("×10⁹/L")


def test_very_large_values_convert_without_decimal_overflow() -> None:
    # 1e16 /uL is absurd clinically but must give a number (or a range error upstream), not crash.
    assert convert("anc", Decimal("1e16"), "/uL").value == Decimal("1e13")
