"""Baseline selection rules (RECIST 1.1 sections 3.1-3.2, Appendix II) and input errors."""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.errors import InputError
from cartrial.response.assess import assess_recist
from cartrial.response.baseline import BaselineError, check_baseline
from cartrial.response.lesions import parse_subject
from tests.response.build import nt, subject, tgt, visit


def rules(lesions: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(i.rule, i.lesion_id) for i in check_baseline(subject(lesions, []))]


def test_non_nodal_target_needs_10_mm() -> None:
    assert rules([tgt("T1", "liver", "9.9")]) == [("non-nodal-measurable", "T1")]
    assert rules([tgt("T1", "liver", 10)]) == []


def test_thick_slices_need_twice_the_slice_thickness() -> None:
    lesion = tgt("T1", "liver", 15) | {"slice_thickness_mm": "8"}
    assert rules([lesion]) == [("non-nodal-measurable", "T1")]
    assert rules([tgt("T1", "liver", 16) | {"slice_thickness_mm": "8"}]) == []
    assert rules([tgt("T1", "liver", 10) | {"slice_thickness_mm": "5"}]) == []


def test_chest_xray_lesion_needs_20_mm() -> None:
    assert rules([tgt("T1", "lung", 19) | {"method": "xray"}]) == [("non-nodal-measurable", "T1")]


def test_nodal_target_needs_15_mm_short_axis() -> None:
    assert rules([tgt("N1", "hilum", "14.9", nodal=True)]) == [("nodal-measurable", "N1")]
    assert rules([tgt("N1", "hilum", 15, nodal=True)]) == []


def test_node_below_10_mm_is_not_a_lesion() -> None:
    node = nt("N1", "hilum", nodal=True) | {"value": "9", "unit": "mm"}
    assert rules([tgt("T1", "liver", 20), node]) == [("nodal-pathological", "N1")]


def test_node_10_to_15_mm_is_a_valid_non_target() -> None:
    node = nt("N1", "hilum", nodal=True) | {"value": "12", "unit": "mm"}
    assert rules([tgt("T1", "liver", 20), node]) == []


def test_at_most_five_targets() -> None:
    organs = ["liver", "lung", "adrenal", "kidney", "spleen", "pancreas"]
    lesions = [tgt(f"T{i}", organ, 20) for i, organ in enumerate(organs)]
    assert rules(lesions) == [("at-most-5-targets", None)]


def test_at_most_two_targets_per_organ() -> None:
    lesions = [tgt("T1", "Liver", 20), tgt("T2", "liver", 20), tgt("T3", "liver ", 20)]
    assert rules(lesions) == [("at-most-2-per-organ", "T3")]


def test_all_lymph_nodes_count_as_one_organ() -> None:
    lesions = [
        tgt("N1", "hilum", 20, nodal=True),
        tgt("N2", "mediastinum", 20, nodal=True),
        tgt("N3", "axilla", 20, nodal=True),
    ]
    assert rules(lesions) == [("at-most-2-per-organ", "N3")]


def test_target_without_baseline_measurement() -> None:
    lesion = {"id": "T1", "organ": "liver", "role": "target"}
    assert rules([lesion]) == [("target-measured", "T1")]


def test_invalid_baseline_is_refused_with_every_violation_listed() -> None:
    s = subject([tgt("T1", "liver", 8), tgt("N1", "hilum", 12, nodal=True)], [])
    with pytest.raises(BaselineError) as info:
        assess_recist(s)
    assert str(info.value) == (
        "field 'lesions': got ['T1', 'N1'], expected RECIST 1.1 baseline: "
        "target 'T1' longest diameter 8 mm < 10 mm (not measurable by ct); "
        "nodal target 'N1' short axis 12 mm < 15 mm (nodes 10 to < 15 mm are non-target)"
    )


# --- bad input names the assessment and the lesion ----------------------------------------


def raw(visits: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "subject_id": "S-001",
        "baseline_date": "2026-01-05",
        "reference_date": "2026-01-12",
        "lesions": [tgt("T1", "liver", 20)],
        "assessments": visits,
    }


def error(data: dict[str, Any]) -> str:
    with pytest.raises(InputError) as info:
        parse_subject(data)
    return str(info.value)


def test_undeclared_follow_up_lesion_is_refused() -> None:
    message = error(raw([visit(28, {"T1": 10, "T9": 12})]))
    assert message == (
        "field 'assessments[0] (2026-02-09).lesions[T9]': got 'T9', expected a lesion declared "
        "at baseline (a lesion first seen now belongs in 'new_lesions')"
    )


def test_measurement_without_unit_is_refused() -> None:
    data = raw([{"date": "2026-02-09", "lesions": [{"lesion_id": "T1", "value": 10}]}])
    assert error(data) == (
        "field 'assessments[0] (2026-02-09).lesions[0]': got '{...}', "
        "expected lesion 'T1': measurement 10 has no unit; expected 'mm' or 'cm'"
    )


def test_measurement_without_lesion_id_is_refused() -> None:
    data = raw([{"date": "2026-02-09", "lesions": [{"value": 10, "unit": "mm"}]}])
    assert error(data) == (
        "field 'assessments[0] (2026-02-09).lesions[0].lesion_id': got None, "
        "expected a value (the field is required)"
    )


def test_missing_assessment_date_is_refused() -> None:
    data = raw([{"lesions": [{"lesion_id": "T1", "value": 10, "unit": "mm"}]}])
    assert error(data) == (
        "field 'assessments[0].date': got None, expected a value (the field is required)"
    )


def test_assessment_on_or_before_baseline_is_refused() -> None:
    data = raw([visit(-7, {"T1": 10})])  # 2026-01-05 = baseline date
    assert error(data) == (
        "field 'assessments[0] (2026-01-05).date': got '2026-01-05', "
        "expected a date after the baseline date 2026-01-05"
    )


def test_assessments_out_of_order_are_refused() -> None:
    data = raw([visit(56, {"T1": 10}), visit(28, {"T1": 10})])
    assert error(data) == (
        "field 'assessments[1] (2026-02-09).date': got '2026-02-09', "
        "expected a date after the previous assessment 2026-03-09"
    )


def test_non_target_status_on_a_target_is_refused() -> None:
    data = raw([visit(28, {"T1": "present"})])
    assert "expected for a target lesion one of disappeared, measured, merged" in error(data)


def test_new_lesion_reusing_a_baseline_id_is_refused() -> None:
    data = raw([visit(28, {"T1": 10}, new=[{"id": "T1", "organ": "bone"}])])
    assert error(data) == (
        "field 'assessments[0] (2026-02-09).new_lesions[T1].id': got 'T1', "
        "expected an id not used by a baseline lesion"
    )


def test_assessment_on_or_before_the_infusion_is_refused() -> None:
    data = raw([visit(0, {"T1": 10})])  # 2026-01-12 = reference date
    assert error(data) == (
        "field 'assessments[0] (2026-01-12).date': got '2026-01-12', "
        "expected a follow-up date after the reference date (infusion) 2026-01-12"
    )


def test_split_lesion_with_both_value_and_fragments_is_refused() -> None:
    obs = {"lesion_id": "T1", "value": 10, "fragments": [4, 5], "unit": "mm"}
    data = raw([{"date": "2026-02-09", "lesions": [obs]}])
    assert "give either a value or fragments, not both" in error(data)


def test_lesion_merged_into_itself_is_refused() -> None:
    obs = {"lesion_id": "T1", "status": "merged", "merged_into": "T1"}
    assert "the id of another target lesion" in error(
        raw([{"date": "2026-02-09", "lesions": [obs]}])
    )


def test_new_lesion_recorded_twice_in_one_assessment_is_refused() -> None:
    new = [{"id": "NEW1", "organ": "bone"}, {"id": "NEW1", "organ": "liver"}]
    assert error(raw([visit(28, {"T1": 10}, new=new)])) == (
        "field 'assessments[0] (2026-02-09).new_lesions[NEW1].id': got 'NEW1', "
        "expected one record per lesion"
    )
