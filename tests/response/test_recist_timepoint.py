"""RECIST 1.1 time-point responses, derived by hand from Eisenhauer 2009 sections 3-4.

Every expected value below was worked out on paper from the rule named in the test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cartrial.response.recist import (
    TimepointResponse,
    assess_overall_response,
    derive_timepoint_responses,
)
from cartrial.response.settings import ResponseSettings
from tests.response.build import nt, subject, tgt, visit


def one_liver_target(baseline: str, *later: str | int) -> list[TimepointResponse]:
    visits = [visit(28 * (i + 1), {"T1": v}) for i, v in enumerate(later)]
    return derive_timepoint_responses(subject([tgt("T1", "liver", baseline)], visits))


# --- 4.3.1 target response: PR, exact decimal threshold -------------------------------


def test_pr_at_exactly_30_percent_decrease_14_0_to_9_8_mm() -> None:
    # 9.8 / 14.0 = 0.7 exactly; binary floating point gives 0.7000000000000001.
    (tp,) = one_liver_target("14.0", "9.8")
    assert tp.target == "PR"
    assert tp.overall == "PR"
    assert tp.change_from_baseline_pct == Decimal("-30.00")


def test_sd_at_29_9_percent_decrease_is_not_pr() -> None:
    (tp,) = one_liver_target("14.0", "9.81")  # -29.93 %
    assert tp.target == "SD"


def test_pr_is_measured_against_baseline_sum_not_nadir() -> None:
    # 100 -> 71 (-29 %: SD, nadir becomes 71) -> 70: -30 % of the baseline -> PR,
    # although 70 is only 1.4 % below the nadir.
    tps = one_liver_target("100", "71", "70")
    assert [t.target for t in tps] == ["SD", "PR"]


# --- 4.3.1 target response: PD needs 20 % and 5 mm over the nadir --------------------


@pytest.mark.parametrize(
    ("nadir", "now", "expected"),
    [
        ("10", "13", "SD"),  # +30 % but only +3 mm
        ("20", "25", "PD"),  # +25 % and +5 mm
        ("30", "35", "SD"),  # +5 mm but +16.7 %
        ("25", "30", "PD"),  # exactly +20 % and exactly +5 mm (both inclusive)
        ("25", "29.9", "SD"),  # +19.6 % and +4.9 mm
        ("40", "47.9", "SD"),  # +7.9 mm but +19.75 %
        ("40", "48", "PD"),  # exactly +20 %, +8 mm
    ],
)
def test_pd_needs_20_percent_and_5_mm_over_nadir(nadir: str, now: str, expected: str) -> None:
    # The nadir is the baseline here (first follow-up): baseline = nadir.
    (tp,) = one_liver_target(nadir, now)
    assert tp.target == expected


def test_pd_is_measured_from_nadir_not_baseline() -> None:
    # baseline 50, nadir 30 (PR: -40 %), then 36: +6 mm and +20 % over nadir -> PD,
    # although 36 is still 28 % below baseline.
    tps = one_liver_target("50", "30", "36")
    assert [t.target for t in tps] == ["PR", "PD"]
    assert tps[1].nadir_sum_mm == Decimal("30")
    assert tps[1].change_from_nadir_pct == Decimal("20.00")


def test_nadir_includes_the_baseline_sum() -> None:
    # baseline 20 is the nadir: 24 is +20 % but +4 mm -> SD; 25 -> PD.
    assert [t.target for t in one_liver_target("20", "24", "25")] == ["SD", "PD"]


def test_ne_time_point_does_not_lower_the_nadir() -> None:
    # T2 missing at day 56: assessed sum 10 is not a valid sum, so the nadir stays 40.
    lesions = [tgt("T1", "liver", 20), tgt("T2", "lung", 20)]
    visits = [
        visit(28, {"T1": 20, "T2": 20}),
        visit(56, {"T1": 10, "T2": "not_evaluated"}),
        visit(84, {"T1": 20, "T2": 24}),
    ]
    tps = derive_timepoint_responses(subject(lesions, visits))
    assert [t.target for t in tps] == ["SD", "NE", "SD"]
    assert tps[2].nadir_sum_mm == Decimal("40")


# --- 4.3.1 CR: non-nodal gone, nodes < 10 mm short axis -------------------------------


def test_nodal_cr_with_nodes_below_10_mm_while_the_sum_is_not_zero() -> None:
    lesions = [tgt("T1", "liver", 20), tgt("N1", "mediastinum", 18, nodal=True)]
    (tp,) = derive_timepoint_responses(
        subject(lesions, [visit(56, {"T1": "disappeared", "N1": "9.9"})])
    )
    assert tp.target == "CR"
    assert tp.overall == "CR"
    assert tp.target_sum_mm == Decimal("9.9")


def test_node_at_10_mm_short_axis_is_not_cr() -> None:
    lesions = [tgt("T1", "liver", 20), tgt("N1", "mediastinum", 18, nodal=True)]
    (tp,) = derive_timepoint_responses(
        subject(lesions, [visit(56, {"T1": "disappeared", "N1": 10})])
    )
    assert tp.target == "PR"  # 10 / 38 = -73.7 %


def test_too_small_to_measure_counts_5_mm_and_is_not_cr() -> None:
    (tp,) = one_liver_target("20", "too_small")
    assert tp.target_sum_mm == Decimal("5")
    assert tp.target == "PR"


def test_too_small_default_is_a_protocol_setting() -> None:
    s = subject([tgt("T1", "liver", 20)], [visit(28, {"T1": "too_small"})])
    (tp,) = derive_timepoint_responses(s, settings=ResponseSettings(too_small_default_mm="3"))
    assert tp.target_sum_mm == Decimal("3")


def test_split_lesion_fragments_are_added() -> None:
    s = subject(
        [tgt("T1", "liver", 30)],
        [
            {
                "date": "2026-02-09",
                "lesions": [{"lesion_id": "T1", "fragments": [12, 13], "unit": "mm"}],
            }
        ],
    )
    (tp,) = derive_timepoint_responses(s)
    assert tp.target_sum_mm == Decimal("25")
    assert tp.target == "SD"


def test_merged_lesion_counts_zero_and_the_mass_is_measured_on_the_other() -> None:
    lesions = [tgt("T1", "liver", 20), tgt("T2", "liver", 20)]
    visits = [visit(28, {"T1": 45})]
    visits[0]["lesions"].append({"lesion_id": "T2", "status": "merged", "merged_into": "T1"})
    (tp,) = derive_timepoint_responses(subject(lesions, visits))
    assert tp.target_sum_mm == Decimal("45")
    assert tp.target == "SD"  # +5 mm, +12.5 %


def test_measurement_in_cm_is_converted_exactly() -> None:
    s = subject(
        [tgt("T1", "liver", "14.0")],
        [{"date": "2026-02-09", "lesions": [{"lesion_id": "T1", "value": "0.98", "unit": "cm"}]}],
    )
    (tp,) = derive_timepoint_responses(s)
    assert tp.target == "PR"


# --- 4.4.2 missing targets ------------------------------------------------------------


def test_missing_target_makes_target_response_ne() -> None:
    lesions = [tgt("T1", "liver", 20), tgt("T2", "lung", 20)]
    (tp,) = derive_timepoint_responses(subject(lesions, [visit(28, {"T1": 5})]))
    assert tp.target == "NE"
    assert tp.overall == "NE"
    assert tp.targets_missing == ["T2"]


def test_missing_target_is_pd_when_assessed_targets_already_prove_it() -> None:
    # RECIST 1.1 worked example: baseline 50 mm over 3 lesions, 80 mm with 2 assessed.
    lesions = [tgt("T1", "liver", 20), tgt("T2", "lung", 20), tgt("T3", "adrenal", 10)]
    visit_ = visit(28, {"T1": 40, "T2": 40, "T3": "not_evaluated"})
    (tp,) = derive_timepoint_responses(subject(lesions, [visit_]))
    assert tp.target == "PD"
    assert tp.overall == "PD"


def test_pd_after_all_targets_gone_needs_5_mm() -> None:
    # Target sum 0 with a persisting non-target: overall PR, nadir 0. A 4 mm reappearance
    # is not 5 mm over the nadir; 5 mm is PD.
    lesions = [tgt("T1", "liver", 20), nt("NT1", "pleura")]
    visits = [
        visit(28, {"T1": "disappeared", "NT1": "present"}),
        visit(56, {"T1": 4, "NT1": "present"}),
        visit(84, {"T1": 5, "NT1": "present"}),
    ]
    tps = derive_timepoint_responses(subject(lesions, visits))
    assert [(t.target, t.overall) for t in tps] == [("CR", "PR"), ("PR", "PR"), ("PD", "PD")]


# --- 4.3.2 non-target response --------------------------------------------------------


def test_non_target_unequivocal_progression_is_pd_whatever_the_targets() -> None:
    lesions = [tgt("T1", "liver", 20), nt("NT1", "pleura")]
    (tp,) = derive_timepoint_responses(
        subject(lesions, [visit(28, {"T1": 10, "NT1": "unequivocal_progression"})])
    )
    assert (tp.target, tp.non_target, tp.overall) == ("PR", "PD", "PD")


def test_non_target_cr_needs_normal_tumour_markers() -> None:
    lesions = [tgt("T1", "liver", 20), nt("NT1", "pleura")]
    visits = [
        visit(28, {"T1": "disappeared", "NT1": "absent"}, markers_normal=False),
        visit(56, {"T1": "disappeared", "NT1": "absent"}, markers_normal=True),
    ]
    tps = derive_timepoint_responses(subject(lesions, visits))
    assert [(t.non_target, t.overall) for t in tps] == [("NON-CR/NON-PD", "PR"), ("CR", "CR")]


def test_undocumented_non_target_is_ne() -> None:
    lesions = [tgt("T1", "liver", 20), nt("NT1", "pleura")]
    (tp,) = derive_timepoint_responses(subject(lesions, [visit(28, {"T1": 12})]))
    assert (tp.target, tp.non_target, tp.overall) == ("PR", "NE", "PR")


# --- 4.3.5 new lesions ----------------------------------------------------------------


def test_unequivocal_new_lesion_is_pd() -> None:
    new = [{"id": "NEW1", "organ": "bone"}]
    (tp,) = derive_timepoint_responses(
        subject([tgt("T1", "liver", 20)], [visit(28, {"T1": 10}, new=new)])
    )
    assert (tp.target, tp.overall) == ("PR", "PD")


def test_equivocal_new_lesion_confirmed_later_dates_pd_at_first_appearance() -> None:
    visits = [
        visit(28, {"T1": 10}, new=[{"id": "NEW1", "organ": "bone", "equivocal": True}]),
        visit(56, {"T1": 10}, new=[{"id": "NEW1", "organ": "bone"}]),
    ]
    tps = derive_timepoint_responses(subject([tgt("T1", "liver", 20)], visits))
    assert [t.overall for t in tps] == ["PD", "PD"]
    assert "PD dated at its first appearance" in tps[0].reasons[-1]


def test_equivocal_new_lesion_that_resolves_is_not_pd() -> None:
    visits = [
        visit(28, {"T1": 10}, new=[{"id": "NEW1", "organ": "bone", "equivocal": True}]),
        visit(56, {"T1": 10}),
    ]
    tps = derive_timepoint_responses(subject([tgt("T1", "liver", 20)], visits))
    assert [t.overall for t in tps] == ["PR", "PR"]


def test_reappearance_after_overall_cr_is_pd() -> None:
    # EORTC FAQ: after CR, a reappearing lesion is PD even though 3 mm is < 5 mm over nadir 0.
    visits = [visit(28, {"T1": "disappeared"}), visit(56, {"T1": 3})]
    tps = derive_timepoint_responses(subject([tgt("T1", "liver", 20)], visits))
    assert [t.overall for t in tps] == ["CR", "PD"]


# --- Table 1: overall response with target disease (every row) -------------------------


@pytest.mark.parametrize(
    ("target", "non_target", "new", "expected"),
    [
        ("CR", "CR", False, "CR"),
        ("CR", None, False, "CR"),  # no non-target at baseline: condition vacuous
        ("CR", "NON-CR/NON-PD", False, "PR"),
        ("CR", "NE", False, "PR"),
        ("PR", "NON-CR/NON-PD", False, "PR"),
        ("PR", "CR", False, "PR"),
        ("PR", "NE", False, "PR"),
        ("PR", None, False, "PR"),
        ("SD", "NON-CR/NON-PD", False, "SD"),
        ("SD", "CR", False, "SD"),
        ("SD", "NE", False, "SD"),
        ("NE", "NON-CR/NON-PD", False, "NE"),
        ("NE", "CR", False, "NE"),
        ("NE", "NE", False, "NE"),
        ("PD", "CR", False, "PD"),
        ("PD", "NE", True, "PD"),
        ("CR", "PD", False, "PD"),
        ("NE", "PD", False, "PD"),
        ("CR", "CR", True, "PD"),
        ("SD", "NON-CR/NON-PD", True, "PD"),
    ],
)
def test_table_1_overall_response_with_target_disease(
    target: str, non_target: str | None, new: bool, expected: str
) -> None:
    result, reason = assess_overall_response(
        target=target,  # type: ignore[arg-type]
        non_target=non_target,  # type: ignore[arg-type]
        has_new_lesion=new,
    )
    assert result == expected
    assert reason.startswith("Table 1:")


@pytest.mark.parametrize(
    ("non_target", "new", "expected"),
    [
        ("CR", False, "CR"),
        ("NON-CR/NON-PD", False, "NON-CR/NON-PD"),
        ("NE", False, "NE"),
        ("PD", False, "PD"),
        ("CR", True, "PD"),
        ("NON-CR/NON-PD", True, "PD"),
    ],
)
def test_table_2_overall_response_with_non_target_disease_only(
    non_target: str, new: bool, expected: str
) -> None:
    result, reason = assess_overall_response(
        target=None,
        non_target=non_target,  # type: ignore[arg-type]
        has_new_lesion=new,
    )
    assert result == expected
    assert reason.startswith("Table 2:")


def test_non_target_only_subject_is_non_cr_non_pd_end_to_end() -> None:
    (tp,) = derive_timepoint_responses(
        subject([nt("NT1", "peritoneum")], [visit(42, {"NT1": "present"})])
    )
    assert (tp.target, tp.non_target, tp.overall) == (None, "NON-CR/NON-PD", "NON-CR/NON-PD")


def test_reason_pins_the_pr_arithmetic() -> None:
    (tp,) = one_liver_target("14.0", "9.8")
    assert "target PR: sum 9.8 mm is -30.00% from baseline 14.0 mm: decrease >= 30%" in tp.reasons
