"""iRECIST (Seymour 2017, Tables 2-3; EORTC iRECIST FAQ), derived by hand.

One liver target of 40 mm at baseline unless stated. Days from infusion; icpd_min_days 28,
sd_min_days 42, confirmation of iCR/iPR required (28 days).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from cartrial.response.irecist import (
    ITimepointResponse,
    assess_irecist,
    derive_itimepoint_responses,
)
from cartrial.response.lesions import SubjectAssessments
from tests.response.build import REFERENCE as REF_DATE
from tests.response.build import nt, subject, tgt, visit


def bone(size: int | None = None, lesion_id: str = "NEW1", **extra: Any) -> dict[str, Any]:
    lesion: dict[str, Any] = {"id": lesion_id, "organ": "bone", **extra}
    if size is not None:
        lesion |= {"value": str(size), "unit": "mm"}
    return lesion


def liver(*points: tuple[int, Any]) -> SubjectAssessments:
    visits = []
    for day, value, *new in points:
        visits.append(visit(day, {"T1": value}, new=new[0] if new else None))
    return subject([tgt("T1", "liver", 40)], visits)


def overall(s: SubjectAssessments) -> list[str]:
    return [t.overall for t in derive_itimepoint_responses(s)]


def tps(s: SubjectAssessments) -> list[ITimepointResponse]:
    return derive_itimepoint_responses(s)


# --- target-driven iUPD ----------------------------------------------------------------


def test_target_iupd_confirmed_by_5_mm_further_increase_28_days_later() -> None:
    # 40 -> 30 (-25 %: iSD, nadir 30) -> 40 (+10 mm, +33 %: iUPD) -> 45 (+5 mm vs iUPD: iCPD)
    s = liver((42, 30), (84, 40), (112, 45))
    assert overall(s) == ["iSD", "iUPD", "iCPD"]
    assert assess_irecist(s).best_overall_response.response == "iSD"


def test_target_iupd_with_4_mm_further_increase_remains_iupd() -> None:
    s = liver((28, 30), (56, 40), (84, 44))
    assert overall(s) == ["iSD", "iUPD", "iUPD"]
    # the day-28 iSD is before the SD minimum (iNE); the iUPD was never confirmed
    assert assess_irecist(s).best_overall_response.response == "iUPD"


def test_sequential_increases_are_additive_4_then_2_mm() -> None:
    s = liver((28, 30), (56, 40), (84, 44), (112, 46))
    assert overall(s) == ["iSD", "iUPD", "iUPD", "iCPD"]
    assert "target sum +6 mm since the iUPD (>= 5 mm)" in tps(s)[3].reasons


def test_iupd_then_icpd_gives_ibor_icpd() -> None:
    s = liver((28, 30), (56, 40), (84, 45))
    assert overall(s) == ["iSD", "iUPD", "iCPD"]
    assert assess_irecist(s).best_overall_response.response == "iCPD"


def test_icpd_needs_28_days_after_iupd_not_27() -> None:
    assert overall(liver((28, 30), (56, 40), (83, 50))) == ["iSD", "iUPD", "iUPD"]
    assert overall(liver((28, 30), (56, 40), (84, 50))) == ["iSD", "iUPD", "iCPD"]


def test_iupd_then_only_ne_gives_ibor_iupd() -> None:
    # an NE assessment neither confirms nor resets the pending iUPD
    s = liver((28, 30), (56, 40), (84, "not_evaluated"), (112, 46))
    assert overall(s) == ["iSD", "iUPD", "iNE", "iCPD"]
    s = subject(
        [tgt("T1", "liver", 40), tgt("T2", "lung", 20)],
        [visit(56, {"T1": 60, "T2": 20}), visit(84, {"T1": "not_evaluated", "T2": 20})],
    )
    assert overall(s) == ["iUPD", "iNE"]
    assert assess_irecist(s).best_overall_response.response == "iUPD"


# --- reset (pseudoprogression) ----------------------------------------------------------


def test_iupd_reset_when_burden_falls_and_a_later_iupd_needs_its_own_confirmation() -> None:
    # nadir 30; 40 iUPD; 25 (-37.5 % vs baseline, no longer PD): iPR, reset;
    # 24 iPR (confirms the iPR 28 days later); 36 (+12 mm, +50 % over nadir 24): new iUPD;
    # 36 again: no further increase, remains iUPD.
    s = liver((28, 30), (56, 40), (84, 25), (112, 24), (140, 36), (168, 36))
    assert overall(s) == ["iSD", "iUPD", "iPR", "iPR", "iUPD", "iUPD"]
    result = assess_irecist(s)
    assert result.timepoints[4].iupd_date is not None
    assert str(result.timepoints[4].iupd_date) == "2026-06-01"
    assert result.best_overall_response.response == "iPR"


def test_pseudoprogression_then_icr_gives_ibor_icr() -> None:
    s = liver((28, 30), (56, 40), (84, "disappeared"), (112, "disappeared"))
    assert overall(s) == ["iSD", "iUPD", "iCR", "iCR"]
    assert assess_irecist(s).best_overall_response.response == "iCR"


# --- non-target-driven iUPD -----------------------------------------------------------


def nt_subject(*statuses: tuple[int, str, str]) -> SubjectAssessments:
    lesions = [tgt("T1", "liver", 40), nt("NT1", "pleura")]
    return subject(lesions, [visit(d, {"T1": t, "NT1": n}) for d, t, n in statuses])


def test_non_target_iupd_confirmed_by_any_further_increase() -> None:
    s = nt_subject(
        (42, "30", "present"), (84, "30", "unequivocal_progression"), (112, "30", "increased")
    )
    assert overall(s) == ["iSD", "iUPD", "iCPD"]


def test_non_target_iupd_without_further_increase_remains_iupd() -> None:
    s = nt_subject(
        (42, "30", "present"),
        (84, "30", "unequivocal_progression"),
        (112, "30", "unequivocal_progression"),
    )
    assert overall(s) == ["iSD", "iUPD", "iUPD"]


def test_progression_in_a_category_that_had_not_progressed_confirms() -> None:
    # target-driven iUPD, then unequivocal non-target progression at the next assessment
    s = nt_subject(
        (42, "30", "present"), (84, "40", "present"), (112, "40", "unequivocal_progression")
    )
    assert overall(s) == ["iSD", "iUPD", "iCPD"]


# --- new-lesion-driven iUPD -----------------------------------------------------------


def test_new_lesion_iupd_confirmed_by_an_additional_new_lesion() -> None:
    s = liver((42, 30), (84, 30, [bone(12)]), (112, 30, [bone(12), bone(None, "NEW2")]))
    assert overall(s) == ["iSD", "iUPD", "iCPD"]
    assert "additional new lesion NEW2" in tps(s)[2].reasons


def test_new_lesion_iupd_confirmed_by_new_lesion_target_sum_plus_5_mm() -> None:
    assert overall(liver((42, 30), (84, 30, [bone(12)]), (112, 30, [bone(17)]))) == [
        "iSD",
        "iUPD",
        "iCPD",
    ]
    assert overall(liver((42, 30), (84, 30, [bone(12)]), (112, 30, [bone(16)]))) == [
        "iSD",
        "iUPD",
        "iUPD",
    ]


def test_new_lesion_target_sum_is_not_added_to_the_target_sum() -> None:
    (_, tp) = tps(liver((42, 30), (84, 30, [bone(12)])))
    assert (tp.target_sum_mm, tp.new_lesion_target_sum_mm) == (Decimal("30"), Decimal("12"))
    assert tp.new_lesion_targets == ["NEW1"]


def test_small_new_lesion_is_a_new_non_target_and_any_increase_confirms() -> None:
    s = liver((42, 30), (84, 30, [bone(8)]), (112, 30, [bone(9, status="increased")]))
    result = tps(s)
    assert result[1].new_lesion_non_targets == ["NEW1"]
    assert [t.overall for t in result] == ["iSD", "iUPD", "iCPD"]


def test_unchanged_new_lesion_with_shrinking_targets_is_ipr_scenario_b() -> None:
    s = liver((42, 30), (84, 30, [bone(12)]), (112, 20, [bone(12)]))
    assert overall(s) == ["iSD", "iUPD", "iPR"]


def test_no_change_in_any_measurement_remains_iupd_scenario_f() -> None:
    s = liver((42, 30), (84, 30, [bone(12)]), (112, 30, [bone(12)]))
    assert overall(s) == ["iSD", "iUPD", "iUPD"]


def test_persisting_new_lesion_after_reset_is_not_a_new_iupd() -> None:
    s = liver((42, 30), (84, 30, [bone(12)]), (112, 20, [bone(12)]), (140, 20, [bone(12)]))
    assert overall(s) == ["iSD", "iUPD", "iPR", "iPR"]


# --- iBOR: Seymour 2017 Table 3 examples (confirmation of iCR/iPR not required) ---------


def ibor(*responses: str) -> str:
    from cartrial.response.irecist import derive_ibor
    from cartrial.response.settings import ResponseSettings

    points = [
        ITimepointResponse(
            date=REF_DATE + dt.timedelta(days=42 * (i + 1)),
            day=42 * (i + 1),
            target_sum_mm=None,
            target=None,
            non_target=None,
            new_lesion_targets=[],
            new_lesion_non_targets=[],
            new_lesion_target_sum_mm=Decimal(0),
            overall=r,  # type: ignore[arg-type]
            iupd_date=None,
            iupd_categories=[],
            reasons=[],
        )
        for i, r in enumerate(responses)
    ]
    settings = ResponseSettings(confirmation_required=False)
    return derive_ibor(points, settings=settings).response


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        (("iCR", "iPR", "iNE", "iUPD", "iCPD"), "iCR"),  # example 1
        (("iUPD", "iSD", "iCR", "iUPD", "iCPD"), "iCR"),  # example 2
        (("iUPD", "iPR", "iSD", "iUPD", "iCPD"), "iPR"),  # example 3
        (("iUPD", "iNE", "iPR", "iSD", "iUPD"), "iPR"),  # example 4
        (("iUPD", "iSD", "iSD", "iUPD", "iCPD"), "iSD"),  # example 5
        (("iUPD", "iCPD", "iPR", "iCR", "iSD"), "iCPD"),  # example 6
        (("iUPD", "iUPD", "iCPD", "iPR", "iCR"), "iCPD"),  # example 7
        (("iUPD", "iNE", "iNE", "iNE", "iNE"), "iUPD"),  # example 8
    ],
)
def test_ibor_seymour_2017_table_3_examples(sequence: tuple[str, ...], expected: str) -> None:
    assert ibor(*sequence) == expected


def test_unconfirmed_icr_without_target_disease_is_inon_cr_non_pd() -> None:
    s = subject(
        [nt("NT1", "peritoneum")],
        [visit(42, {"NT1": "absent"}), visit(70, {"NT1": "unequivocal_progression"})],
    )
    result = assess_irecist(s)
    assert [t.overall for t in result.timepoints] == ["iCR", "iUPD"]
    assert result.best_overall_response.response == "iNON-CR/NON-PD"


def test_new_lesion_seen_too_early_still_confirms_at_the_next_assessment() -> None:
    # target iUPD on day 56; NEW1 on day 70 (14 days: too early); day 84 (28 days after the
    # iUPD) NEW1 persists, unchanged target: progression confirmed against the iUPD.
    s = liver((28, 30), (56, 40), (70, 40, [bone(12)]), (84, 40, [bone(12)]))
    assert overall(s) == ["iSD", "iUPD", "iUPD", "iCPD"]
    assert "additional new lesion NEW1" in tps(s)[3].reasons
