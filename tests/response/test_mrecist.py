"""mRECIST 1.1 for pleural mesothelioma (Byrne 2004; Armato 2018), derived by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cartrial.response.assess import assess_recist
from cartrial.response.baseline import BaselineError
from cartrial.response.mrecist import assess_mrecist, check_mrecist_baseline
from cartrial.response.settings import ResponseSettings
from tests.response.build import subject, tgt, visit


def rind(lesion_id: str, level: int, size: str | int) -> dict[str, Any]:
    return tgt(lesion_id, "pleura", size) | {"pleural_level": level}


SIX_SITES = [
    rind("P1a", 1, 10),
    rind("P1b", 1, 12),
    rind("P2a", 2, 15),
    rind("P2b", 2, 11),
    rind("P3a", 3, 14),
    rind("P3b", 3, 18),
]


def test_total_measurement_adds_six_pleural_sites_and_other_targets() -> None:
    # baseline 10+12+15+11+14+18 = 80 pleural + 20 lung = 100;
    # follow-up 7+8+10+8+9+12 = 54 + 16 = 70: exactly -30 % -> PR
    later = {"P1a": 7, "P1b": 8, "P2a": 10, "P2b": 8, "P3a": 9, "P3b": 12, "L1": 16}
    s = subject([*SIX_SITES, tgt("L1", "lung", 20)], [visit(42, later)])
    result = assess_mrecist(s)
    assert result.baseline_sum_mm == Decimal("100")
    (tp,) = result.timepoints
    assert (tp.target_sum_mm, tp.target, tp.overall) == (Decimal("70"), "PR", "PR")


def test_pd_needs_20_percent_and_5_mm_by_default_but_not_in_byrne_2004() -> None:
    # 10 + 12 = 22 -> 13.2 + 13.2 = 26.4: +20 % but only +4.4 mm
    s = subject(
        [rind("P1a", 1, 10), rind("P1b", 1, 12)],
        [visit(42, {"P1a": "13.2", "P1b": "13.2"})],
    )
    assert assess_mrecist(s).timepoints[0].target == "SD"
    byrne = ResponseSettings(mrecist_pd_min_increase_mm=0)
    assert assess_mrecist(s, settings=byrne).timepoints[0].target == "PD"


def test_at_most_two_pleural_sites_per_level() -> None:
    s = subject([rind("A", 1, 10), rind("B", 1, 10), rind("C", 1, 10)], [])
    assert [(i.rule, i.lesion_id) for i in check_mrecist_baseline(s)] == [("pleural-sites", "C")]


def test_pleural_thickness_below_10_mm_is_not_measurable() -> None:
    s = subject([rind("A", 1, "9.9"), rind("B", 2, 10)], [])
    assert [(i.rule, i.lesion_id) for i in check_mrecist_baseline(s)] == [
        ("pleural-measurable", "A")
    ]


def test_pleural_sites_do_not_count_towards_recist_organ_limits() -> None:
    lesions = [*SIX_SITES, tgt("L1", "lung", 20), tgt("L2", "lung", 15)]
    assert check_mrecist_baseline(subject(lesions, [])) == []
    # the same baseline is not valid RECIST 1.1: 6 targets, 6 in the pleura
    with pytest.raises(BaselineError) as info:
        assess_recist(subject(lesions, []))
    assert "8 target lesions; at most 5" in str(info.value)


def test_non_pleural_targets_keep_recist_limits() -> None:
    lesions = [
        rind("A", 1, 10),
        tgt("L1", "lung", 20),
        tgt("L2", "lung", 15),
        tgt("L3", "lung", 12),
    ]
    assert [(i.rule, i.lesion_id) for i in check_mrecist_baseline(subject(lesions, []))] == [
        ("at-most-2-per-organ", "L3")
    ]


def test_invalid_mrecist_baseline_is_refused() -> None:
    with pytest.raises(BaselineError) as info:
        assess_mrecist(subject([rind("A", 1, 8)], []))
    assert str(info.value) == (
        "field 'lesions': got ['A'], expected mRECIST 1.1 baseline: "
        "pleural thickness 'A' 8 mm < 10 mm (not measurable)"
    )
