"""Body surface area: Mosteller 1987 and DuBois 1916, checked against hand arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartrial.dosing.bsa import compute_bsa, compute_bsa_dubois, compute_bsa_mosteller
from cartrial.errors import InputError

D = Decimal


def test_mosteller_matches_clinical_rules_worked_number() -> None:
    # CLINICAL_RULES.md section 5: 170 cm / 70 kg -> Mosteller 1.818 m2.
    assert compute_bsa(weight_kg=D(70), height_cm=D(170)).bsa_m2 == D("1.818")


def test_dubois_matches_clinical_rules_worked_number() -> None:
    # CLINICAL_RULES.md section 5: 170 cm / 70 kg -> DuBois 1.810 m2.
    result = compute_bsa(weight_kg=D(70), height_cm=D(170), formula="dubois")
    assert result.bsa_m2 == D("1.810")
    assert result.formula == "dubois"


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        # 150 x 54 = 8100; 8100 / 3600 = 2.25; sqrt(2.25) = 1.5
        ("150", "54", "1.500"),
        # 160 x 90 = 14400; / 3600 = 4; sqrt(4) = 2
        ("160", "90", "2.000"),
        # 180 x 45 = 8100; / 3600 = 2.25; sqrt = 1.5
        ("180", "45", "1.500"),
    ],
)
def test_mosteller_hand_computed(height: str, weight: str, expected: str) -> None:
    assert compute_bsa(weight_kg=D(weight), height_cm=D(height)).bsa_m2 == D(expected)


def test_dubois_hand_computed_100_kg_100_cm() -> None:
    # 100^0.425 x 100^0.725 = 10^(0.85 + 1.45) = 10^2.3 = 199.5262;
    # 0.007184 x 199.5262 = 1.43340 -> 1.433 m2
    result = compute_bsa(weight_kg=D(100), height_cm=D(100), formula="dubois")
    assert result.bsa_m2 == D("1.433")


def test_dubois_and_mosteller_differ_for_the_same_patient() -> None:
    mosteller = compute_bsa(weight_kg=D(70), height_cm=D(170))
    dubois = compute_bsa(weight_kg=D(70), height_cm=D(170), formula="dubois")
    assert (mosteller.bsa_m2, dubois.bsa_m2) == (D("1.818"), D("1.810"))
    assert "Mosteller" in mosteller.source and "Du Bois" in dubois.source


def test_bsa_above_cap_is_capped_and_says_so() -> None:
    # 190 x 120 / 3600 = 6.3333; sqrt = 2.5166 -> 2.517, above a 2.2 cap
    result = compute_bsa(weight_kg=D(120), height_cm=D(190), cap_m2=D("2.2"))
    assert (result.uncapped_m2, result.bsa_m2, result.capped) == (D("2.517"), D("2.2"), True)
    assert result.reason.endswith("capped at 2.2 m2 by the protocol")


def test_bsa_equal_to_cap_is_not_capped() -> None:
    result = compute_bsa(weight_kg=D(90), height_cm=D(160), cap_m2=D(2))
    assert (result.bsa_m2, result.capped) == (D("2.000"), False)


@pytest.mark.parametrize(
    ("weight", "height", "field"),
    [
        ("-70", "170", "weight_kg"),
        ("0", "170", "weight_kg"),
        ("401", "170", "weight_kg"),
        ("NaN", "170", "weight_kg"),
        ("70", "0", "height_cm"),
        ("70", "1.70", "height_cm"),
        ("70", "Infinity", "height_cm"),
    ],
)
def test_impossible_weight_or_height_names_the_field(weight: str, height: str, field: str) -> None:
    with pytest.raises(InputError) as info:
        compute_bsa(weight_kg=D(weight), height_cm=D(height))
    assert info.value.field == field


weights = st.decimals(min_value=D("2"), max_value=D("400"), places=1)
heights = st.decimals(min_value=D("50"), max_value=D("275"), places=1)


@given(w1=weights, w2=weights, h=heights)
def test_bsa_increases_with_weight(w1: Decimal, w2: Decimal, h: Decimal) -> None:
    low, high = sorted((w1, w2))
    for f in (compute_bsa_mosteller, compute_bsa_dubois):
        assert f(weight_kg=low, height_cm=h) <= f(weight_kg=high, height_cm=h)
        if low < high:
            assert f(weight_kg=low, height_cm=h) < f(weight_kg=high, height_cm=h)
    assert (
        compute_bsa(weight_kg=low, height_cm=h).bsa_m2
        <= compute_bsa(weight_kg=high, height_cm=h).bsa_m2
    )


@given(h1=heights, h2=heights, w=weights)
def test_bsa_increases_with_height(h1: Decimal, h2: Decimal, w: Decimal) -> None:
    low, high = sorted((h1, h2))
    for f in (compute_bsa_mosteller, compute_bsa_dubois):
        if low < high:
            assert f(weight_kg=w, height_cm=low) < f(weight_kg=w, height_cm=high)
    assert (
        compute_bsa(weight_kg=w, height_cm=low, formula="dubois").bsa_m2
        <= compute_bsa(weight_kg=w, height_cm=high, formula="dubois").bsa_m2
    )


@given(w=weights, h=heights, cap=st.decimals(min_value=D("1"), max_value=D("3"), places=2))
def test_capped_bsa_never_exceeds_the_cap(w: Decimal, h: Decimal, cap: Decimal) -> None:
    result = compute_bsa(weight_kg=w, height_cm=h, cap_m2=cap)
    assert result.bsa_m2 <= cap
    assert result.capped == (result.uncapped_m2 > cap)
