"""Unit conversions against the published factors (CTCAE v5.0 dual units, molar masses)."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    assert normalise_unit("10*9/L") == normalise_unit("10e9/L") == "10^9/L"
    assert normalise_unit("G/L") != normalise_unit("g/L")


def test_very_large_values_convert_without_decimal_overflow() -> None:
    # 1e16 /uL is absurd clinically but must give a number (or a range error upstream), not crash.
    assert convert("anc", Decimal("1e16"), "/uL").value == Decimal("1e13")


# Case sensitivity (SI Brochure 9th ed. section 5.2; UCUM "Case sensitivity"): G (giga)
# is not g (gram), M (mega) is not m (milli), U (enzyme unit) is not u.

PLATELET_UNITS = (
    "/mm3, /mm^3, /uL, 10^3/uL, 10^9/L, G/L, K/uL, cells/mm3, cells/uL, x10^3/uL, x10^9/L"
)


def test_grams_per_litre_is_refused_for_platelets_naming_the_accepted_units() -> None:
    with pytest.raises(UnknownUnitError) as info:
        convert("platelets", Decimal("150"), "g/L", field="labs[0]")
    assert (info.value.field, info.value.value, info.value.test) == (
        "labs[0].unit",
        "g/L",
        "platelets",
    )
    assert str(info.value) == (
        "field 'labs[0].unit': got 'g/L', expected one of the units of platelets: "
        f"{PLATELET_UNITS} (unit symbols are case-sensitive; the litre may be written L or l)"
    )


@pytest.mark.parametrize("analyte", ["wbc", "anc", "alc", "platelets"])
def test_giga_per_litre_and_ten_to_the_ninth_per_litre_are_one_unit(analyte: str) -> None:
    for unit in ("G/L", "10^9/L", "10*9/L", "x10^9/L", "×10⁹/L", "x 10e9 /L", "G/l", "10^9/l"):
        assert convert(analyte, Decimal("150"), unit).value == Decimal("150"), unit
    with pytest.raises(UnknownUnitError):
        convert(analyte, Decimal("150"), "g/L")


@pytest.mark.parametrize(
    ("analyte", "unit"),
    [
        ("total_bilirubin", "MG/DL"),
        ("creatinine", "Mg/dL"),
        ("phosphate", "mg/DL"),
        ("sodium", "mMol/L"),
        ("hemoglobin", "MMOL/L"),
        ("hemoglobin", "G/L"),  # giga per litre is a count, not a mass concentration
        ("albumin", "G/dL"),
        ("alt", "u/L"),
        ("ast", "iu/L"),
        ("creatinine", "UMOL/L"),
        ("anc", "k/uL"),
        ("inr", "inr"),
        ("aptt", "S"),  # siemens
    ],
)
def test_a_wrong_case_spelling_is_an_unknown_unit(analyte: str, unit: str) -> None:
    with pytest.raises(UnknownUnitError) as info:
        convert(analyte, Decimal("1"), unit)
    assert (info.value.value, info.value.test) == (unit, analyte)


@pytest.mark.parametrize(
    ("analyte", "unit", "value", "expected"),
    [
        # the litre is l or L (SI Brochure 9th ed. Table 8; UCUM)
        ("hemoglobin", "g/dl", "10", "100"),
        ("hemoglobin", "g/l", "80", "80"),
        ("creatinine", "µmol/l", "176.84", "2"),
        ("alt", "U/l", "30", "30"),
        ("platelets", "/ul", "75000", "75"),
        # IU/L and U/L name one enzyme unit (1 umol/min)
        ("ast", "IU/L", "40", "40"),
    ],
)
def test_equivalent_spellings_convert_alike(
    analyte: str, unit: str, value: str, expected: str
) -> None:
    assert convert(analyte, Decimal(value), unit).value == Decimal(expected)


def test_every_accepted_spelling_of_counts_is_listed() -> None:
    from cartrial.units import ANALYTES

    assert ANALYTES["platelets"].accepted == (
        "x10^9/L", "10^9/L", "G/L", "x10^3/uL", "10^3/uL", "K/uL", "/uL", "cells/uL",
        "/mm3", "cells/mm3", "/mm^3",
        "x10^9/l", "10^9/l", "G/l", "x10^3/ul", "10^3/ul", "K/ul", "/ul", "cells/ul",
    )  # fmt: skip


def _swap_case(text: str, mask: list[bool]) -> str:
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, mask, strict=False))


@given(data=st.data())
@settings(max_examples=400, derandomize=True, database=None)
def test_a_case_swapped_unit_not_in_the_alias_table_is_refused(data: st.DataObject) -> None:
    from cartrial.units import ANALYTES

    analyte = ANALYTES[data.draw(st.sampled_from(sorted(ANALYTES)), label="analyte")]
    unit = data.draw(st.sampled_from(analyte.accepted), label="unit")
    mask = data.draw(st.lists(st.booleans(), min_size=len(unit), max_size=len(unit)))
    swapped = _swap_case(unit, mask)
    if swapped in analyte.accepted:  # the alias table, exactly as written
        # only a spelling of the same unit (the litre as l or L) may be reached
        assert analyte.find(swapped) == analyte.find(unit)
        return
    with pytest.raises(UnknownUnitError) as info:
        convert(analyte.name, Decimal("1"), swapped)
    assert (info.value.value, info.value.test) == (swapped, analyte.name)
    assert info.value.accepted == sorted(analyte.factors)
