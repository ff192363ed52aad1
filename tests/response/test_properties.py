"""Properties over generated inputs: exact thresholds hold for every size, and every bad
input is an InputError (never a crash). Deterministic (derandomized) hypothesis runs."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cartrial.errors import CartrialError, InputError
from cartrial.response.assess import assess_recist
from cartrial.response.irecist import assess_irecist
from cartrial.response.lesions import parse_subject
from cartrial.response.recist import derive_timepoint_responses
from tests.response.build import subject, tgt, visit

FAST = settings(max_examples=150, derandomize=True, deadline=None)

# sizes on a 0.1 mm grid, as radiologists record them
tenths = st.integers(min_value=100, max_value=3000).map(lambda n: Decimal(n) / 10)


@FAST
@given(baseline=tenths)
def test_exactly_30_percent_below_baseline_is_always_pr(baseline: Decimal) -> None:
    now = baseline * Decimal("0.7")  # exact in decimal; often inexact in binary floating point
    s = subject([tgt("T1", "liver", str(baseline))], [visit(42, {"T1": str(now)})])
    (tp,) = derive_timepoint_responses(s)
    assert tp.target == "PR"


@FAST
@given(baseline=tenths)
def test_just_under_30_percent_is_never_pr(baseline: Decimal) -> None:
    now = baseline * Decimal("0.7") + Decimal("0.001")
    s = subject([tgt("T1", "liver", str(baseline))], [visit(42, {"T1": str(now)})])
    (tp,) = derive_timepoint_responses(s)
    assert tp.target == "SD"


@FAST
@given(nadir=st.integers(min_value=250, max_value=3000).map(lambda n: Decimal(n) / 10))
def test_exactly_20_percent_over_a_nadir_of_25_mm_or_more_is_always_pd(nadir: Decimal) -> None:
    # 20 % of a nadir >= 25 mm is >= 5 mm, so both conditions hold at exactly +20 %.
    now = nadir * Decimal("1.2")
    s = subject([tgt("T1", "liver", str(nadir))], [visit(42, {"T1": str(now)})])
    (tp,) = derive_timepoint_responses(s)
    assert tp.target == "PD"


@FAST
@given(nadir=st.integers(min_value=100, max_value=249).map(lambda n: Decimal(n) / 10))
def test_20_percent_over_a_nadir_under_25_mm_is_never_pd(nadir: Decimal) -> None:
    # +20 % of a nadir < 25 mm is < 5 mm: not PD.
    now = nadir * Decimal("1.2")
    s = subject([tgt("T1", "liver", str(nadir))], [visit(42, {"T1": str(now)})])
    (tp,) = derive_timepoint_responses(s)
    assert tp.target == "SD"


VALID: dict[str, Any] = {
    "subject_id": "S-1",
    "baseline_date": "2026-01-05",
    "reference_date": "2026-01-12",
    "lesions": [
        {"id": "T1", "organ": "liver", "role": "target", "value": 20, "unit": "mm"},
        {"id": "N1", "organ": "node", "role": "target", "nodal": True, "value": 16, "unit": "mm"},
        {"id": "NT1", "organ": "pleura", "role": "non_target"},
    ],
    "assessments": [
        {
            "date": "2026-02-23",
            "lesions": [
                {"lesion_id": "T1", "value": 12, "unit": "mm"},
                {"lesion_id": "N1", "status": "too_small"},
                {"lesion_id": "NT1", "status": "present"},
            ],
            "new_lesions": [{"id": "NEW1", "organ": "bone", "equivocal": True}],
        }
    ],
}


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(VALID)
GARBAGE = st.sampled_from([None, -1, 0, "", "x", "2026-13-45", [], {}, 1e9, True, "cm"])


@FAST
@given(path=st.sampled_from(PATHS), value=GARBAGE, delete=st.booleans())
def test_any_corrupted_record_is_an_input_error_or_valid(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    data = copy.deepcopy(VALID)
    parent: Any = data
    for key in path[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    try:
        s = parse_subject(data)
    except InputError as exc:
        assert str(exc)  # one message naming field and expectation
        return
    try:
        assess_recist(s)
        assess_irecist(s)
    except CartrialError:
        pass
