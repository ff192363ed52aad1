"""Property tests: thresholds are monotone and verdicts do not depend on the unit written.

Each example changes one value of a hand-written eligible record and screens it
against the bundled protocol; every other criterion stays met, so the targeted
criterion's verdict depends on that value alone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from hypothesis import given, settings
from hypothesis import strategies as st

from .seedcases import screen_with

T = TypeVar("T", Decimal, int)

ORDER = {"not_met": 0, "needs_review": 1, "met": 2}

FAST = settings(max_examples=60, deadline=None)


def verdict(protocol_id: str, criterion: str, change: dict[str, Any]) -> str:
    result = screen_with(protocol_id, change)
    return next(c.verdict for c in result.criteria if c.id == criterion)


def _values(low: str, high: str, boundary: str) -> st.SearchStrategy[Decimal]:
    """Decimals in [low, high] with 2 places, often at or next to the boundary."""
    b = Decimal(boundary)
    near = st.sampled_from([b - Decimal("0.01"), b, b + Decimal("0.01")])
    return st.one_of(near, st.decimals(Decimal(low), Decimal(high), places=2))


def _pair(values: st.SearchStrategy[T]) -> st.SearchStrategy[tuple[T, T]]:
    """Two values, the first <= the second."""
    return st.tuples(values, values).map(lambda p: (min(p), max(p)))


# Inclusion "must be at least" (uclm802 inc07): raising never turns met into not met.
AT_LEAST = [
    ("anc", "0", "20", "1.5"),
    ("alc", "0", "10", "0.5"),
    ("hemoglobin", "30", "200", "80"),
    ("platelets", "0", "600", "75"),
]


@FAST
@given(
    st.sampled_from(AT_LEAST).flatmap(lambda t: st.tuples(st.just(t[0]), _pair(_values(*t[1:]))))
)
def test_raising_an_at_least_lab_never_turns_met_into_not_met(
    case: tuple[str, tuple[Decimal, Decimal]],
) -> None:
    test, (low, high) = case
    before = verdict("uclm802", "inc07", {f"labs[{test}]": {"value": str(low)}})
    after = verdict("uclm802", "inc07", {f"labs[{test}]": {"value": str(high)}})
    assert ORDER[after] >= ORDER[before]


@FAST
@given(_pair(_values("10", "150", "60")))
def test_raising_measured_creatinine_clearance_never_turns_met_into_not_met(
    pair: tuple[Decimal, Decimal],
) -> None:
    low, high = pair
    high_cr = {"labs[creatinine]": {"value": "200"}}  # 1.92 x ULN: clearance decides
    before = verdict(
        "uclm802",
        "inc07",
        {**high_cr, "labs[creatinine_clearance]": {"value": str(low), "unit": "mL/min"}},
    )
    after = verdict(
        "uclm802",
        "inc07",
        {**high_cr, "labs[creatinine_clearance]": {"value": str(high), "unit": "mL/min"}},
    )
    assert ORDER[after] >= ORDER[before]


# Inclusion "must be at most" (uclm802 inc07, ULN-relative): lowering never turns met into not met.
AT_MOST = [
    ("ast", "5", "400", "120", {}),
    ("alt", "5", "400", "150", {"diagnosis.liver_metastases": True}),
    ("total_bilirubin", "2", "120", "31.5", {}),
    ("inr", "0.5", "4", "1.73", {}),
    ("aptt", "15", "120", "60", {}),
    ("creatinine", "30", "600", "156", {}),
]


@FAST
@given(
    st.sampled_from(AT_MOST).flatmap(
        lambda t: st.tuples(st.just(t[0]), st.just(t[4]), _pair(_values(t[1], t[2], t[3])))
    )
)
def test_lowering_an_at_most_lab_never_turns_met_into_not_met(
    case: tuple[str, dict[str, Any], tuple[Decimal, Decimal]],
) -> None:
    test, extra, (low, high) = case
    before = verdict("uclm802", "inc07", {**extra, f"labs[{test}]": {"value": str(high)}})
    after = verdict("uclm802", "inc07", {**extra, f"labs[{test}]": {"value": str(low)}})
    assert ORDER[after] >= ORDER[before]


# Exclusion thresholds (szugh-msln-2024): moving a value towards the excluding side never
# turns "excluded" into "not excluded". direction -1: excluded when low; +1: when high.
EXCLUSION = [
    ("exc02", "labs[wbc]", "0", "15", "1", -1),
    ("exc02", "labs[anc]", "0", "10", "0.5", -1),
    ("exc02", "labs[alc]", "0", "5", "0.5", -1),
    ("exc02", "labs[platelets]", "0", "400", "25", -1),
    ("exc03", "labs[total_bilirubin]", "0.1", "5", "1.5", +1),
    ("exc03", "labs[alt]", "5", "300", "100", +1),
    ("exc03", "labs[creatinine]", "0.3", "5", "2", +1),
]


@FAST
@given(
    st.sampled_from(EXCLUSION).flatmap(
        lambda t: st.tuples(st.just(t), _pair(_values(t[2], t[3], t[4])))
    )
)
def test_szugh_exclusion_lab_thresholds_are_monotone(
    case: tuple[tuple[str, str, str, str, str, int], tuple[Decimal, Decimal]],
) -> None:
    (criterion, key, _, _, _, direction), (low, high) = case
    mild, severe = (high, low) if direction < 0 else (low, high)
    at_mild = verdict("szugh-msln-2024", criterion, {key: {"value": str(mild)}})
    at_severe = verdict("szugh-msln-2024", criterion, {key: {"value": str(severe)}})
    assert ORDER[at_severe] <= ORDER[at_mild]


@FAST
@given(_pair(st.integers(20, 80)), _pair(st.integers(80, 100)))
def test_szugh_lvef_and_spo2_exclusions_are_monotone(
    lvef: tuple[int, int], spo2: tuple[int, int]
) -> None:
    low, high = lvef
    assert (
        ORDER[verdict("szugh-msln-2024", "exc04", {"cardiac.lvef_percent": str(low)})]
        <= ORDER[verdict("szugh-msln-2024", "exc04", {"cardiac.lvef_percent": str(high)})]
    )
    low, high = spo2
    change_low = {"vitals.spo2_room_air_percent": str(low)}
    change_high = {"vitals.spo2_room_air_percent": str(high)}
    assert (
        ORDER[verdict("szugh-msln-2024", "exc05", change_low)]
        <= ORDER[verdict("szugh-msln-2024", "exc05", change_high)]
    )


@FAST
@given(_pair(st.integers(380, 520)), st.booleans())
def test_uclm_qtc_exclusion_is_monotone(qtc: tuple[int, int], bbb: bool) -> None:
    low, high = qtc
    base = {"cardiac.bundle_branch_block": bbb}
    at_low = verdict("uclm802", "exc13", {**base, "cardiac.qtc_ms": low})
    at_high = verdict("uclm802", "exc13", {**base, "cardiac.qtc_ms": high})
    assert ORDER[at_high] <= ORDER[at_low]


# The same value in another unit gives the same verdict (factors from independent sources:
# 1 x10^9/L = 1000/uL = 1000/mm3; 1 g/dL = 10 g/L; bilirubin 17.104 umol/L per mg/dL;
# creatinine 88.42 umol/L per mg/dL).
@FAST
@given(_values("0", "5", "0.5"), st.sampled_from(["wbc", "anc", "alc", "platelets"]))
def test_szugh_count_verdict_same_in_x10e9_per_l_per_ul_and_per_mm3(
    value: Decimal, test: str
) -> None:
    key = f"labs[{test}]"
    as_si = verdict("szugh-msln-2024", "exc02", {key: {"value": str(value), "unit": "x10^9/L"}})
    per_ul = {key: {"value": str(value * 1000), "unit": "/uL"}}
    per_mm3 = {key: {"value": str(value * 1000), "unit": "cells/mm3"}}
    assert verdict("szugh-msln-2024", "exc02", per_ul) == as_si
    assert verdict("szugh-msln-2024", "exc02", per_mm3) == as_si


@FAST
@given(_values("0.1", "4", "1.5"))
def test_szugh_bilirubin_verdict_same_in_mg_per_dl_and_umol_per_l(value: Decimal) -> None:
    in_mg = {"labs[total_bilirubin]": {"value": str(value), "unit": "mg/dL"}}
    in_umol = {"labs[total_bilirubin]": {"value": str(value * Decimal("17.104")), "unit": "umol/L"}}
    assert verdict("szugh-msln-2024", "exc03", in_mg) == verdict(
        "szugh-msln-2024", "exc03", in_umol
    )


@FAST
@given(_values("0.3", "5", "2"))
def test_szugh_creatinine_verdict_same_in_mg_per_dl_and_umol_per_l(value: Decimal) -> None:
    in_mg = {"labs[creatinine]": {"value": str(value), "unit": "mg/dL"}}
    in_umol = {"labs[creatinine]": {"value": str(value * Decimal("88.42")), "unit": "umol/L"}}
    assert verdict("szugh-msln-2024", "exc03", in_mg) == verdict(
        "szugh-msln-2024", "exc03", in_umol
    )


@FAST
@given(_values("30", "200", "80"))
def test_uclm_haemoglobin_verdict_same_in_g_per_l_and_g_per_dl(value: Decimal) -> None:
    # The seed's ULN and LLN (g/L) go with the unit: 175 g/dL is not plausible (issue 14).
    in_g_l = {"labs[hemoglobin]": {"value": str(value), "unit": "g/L", "uln": "175", "lln": "130"}}
    in_g_dl = {
        "labs[hemoglobin]": {"value": str(value / 10), "unit": "g/dL", "uln": "17.5", "lln": "13"}
    }
    assert verdict("uclm802", "inc07", in_g_l) == verdict("uclm802", "inc07", in_g_dl)


@FAST
@given(_values("0.5", "4", "1.5"), st.sampled_from(["female", "male"]))
def test_uclm_creatinine_and_clearance_verdict_same_in_mg_per_dl_and_umol_per_l(
    value: Decimal, sex: str
) -> None:
    # ULN 1.0 mg/dL = 88.42 umol/L; Cockcroft-Gault runs on the converted value
    in_mg = {"sex": sex, "labs[creatinine]": {"value": str(value), "unit": "mg/dL", "uln": "1.0"}}
    in_umol = {
        "sex": sex,
        "labs[creatinine]": {
            "value": str(value * Decimal("88.42")),
            "unit": "umol/L",
            "uln": "88.42",
        },
    }
    assert verdict("uclm802", "inc07", in_mg) == verdict("uclm802", "inc07", in_umol)
