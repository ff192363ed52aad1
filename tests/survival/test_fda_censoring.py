"""PFS, OS and DOR inputs the FDA censoring table covers, each worked by hand.

Reference: FDA Guidance for Industry, Clinical Trial Endpoints for the Approval of Cancer
Drugs and Biologics (December 2018), the table "PFS date of progression or censoring":
no baseline tumour assessment -> censored at the start (randomization; here the infusion);
progression documented between scheduled visits -> progressed, dated by the earliest
scan that shows it; no progression -> censored at the last radiological assessment; new
anticancer treatment -> censored at the last assessment before it; death or progression
after more than one missed visit -> censored at the last assessment (the protocol sets how
many and how far apart). Symptomatic deterioration without radiological progression is
recorded and not an event unless the protocol says so (the guidance's discussion of
"clinical progression"). Withdrawal from follow-up censors at the last assessment on or
before it; OS of a withdrawn subject is censored at the withdrawal date.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cartrial.errors import InputError
from cartrial.survival.derive import (
    CENSORING_RULES,
    DatedResponse,
    SubjectFollowUp,
    SurvivalSettings,
    derive_dor,
    derive_os,
    derive_pfs,
)

REF = dt.date(2026, 1, 12)


def day(n: int) -> dt.date:
    return REF + dt.timedelta(days=n)


def subject(*points: tuple[int, str], **extra: object) -> SubjectFollowUp:
    dates = {
        k: day(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in extra.items()
    }
    return SubjectFollowUp(
        subject_id="S-1",
        reference_date=REF,
        assessments=[DatedResponse(date=day(d), response=r) for d, r in points],  # type: ignore[arg-type]
        **dates,  # type: ignore[arg-type]
    )


def test_no_baseline_assessment_is_censored_at_the_start_even_with_a_death() -> None:
    s = subject(death_date=40, baseline_assessed=False)
    pfs = derive_pfs(s)
    assert (pfs.days, pfs.event, pfs.rule) == (0, False, "no-baseline")
    assert derive_os(s).rule == "death"  # OS does not need a tumour assessment


def test_progression_is_dated_by_the_earliest_scan_that_shows_it() -> None:
    # The day-112 assessment: chest CT on day 105 shows a new lesion, abdomen on day 112.
    s = SubjectFollowUp(
        subject_id="S-1",
        reference_date=REF,
        assessments=[
            DatedResponse(date=day(56), response="SD"),
            DatedResponse(date=day(112), response="PD", progression_date=day(105)),
        ],
    )
    pfs = derive_pfs(s)
    assert (pfs.days, pfs.event, pfs.rule) == (105, True, "progression")


def test_progression_date_outside_its_assessment_is_refused() -> None:
    with pytest.raises(InputError, match="progression_date"):
        DatedResponse(date=day(112), response="PD", progression_date=day(113))
    with pytest.raises(InputError, match="progression_date"):
        DatedResponse(date=day(112), response="SD", progression_date=day(100))


def test_withdrawal_censors_pfs_at_the_last_assessment_before_it_and_os_at_its_date() -> None:
    s = subject((56, "SD"), (112, "PR"), withdrawal_date=130)
    pfs = derive_pfs(s)
    assert (pfs.days, pfs.event, pfs.rule) == (112, False, "withdrawal")
    os = derive_os(s)
    assert (os.days, os.event, os.rule) == (130, False, "withdrawn")


def test_progression_before_withdrawal_is_still_an_event() -> None:
    pfs = derive_pfs(subject((56, "SD"), (112, "PD"), withdrawal_date=130))
    assert (pfs.days, pfs.event, pfs.rule) == (112, True, "progression")


def test_symptomatic_deterioration_is_recorded_not_an_event_by_default() -> None:
    s = subject((56, "SD"), (112, "SD"), symptomatic_deterioration_date=90)
    pfs = derive_pfs(s)
    assert (pfs.days, pfs.event, pfs.rule) == (112, False, "censored")
    assert any("symptomatic deterioration" in n and "not an event" in n for n in pfs.notes)


def test_symptomatic_deterioration_is_an_event_when_the_protocol_says_so() -> None:
    s = subject((56, "SD"), (112, "PD"), symptomatic_deterioration_date=90)
    pfs = derive_pfs(s, settings=SurvivalSettings(symptomatic_deterioration_is_event=True))
    assert (pfs.days, pfs.event, pfs.rule) == (90, True, "symptomatic-deterioration")


def test_missed_visit_window_follows_the_protocols_assessment_interval() -> None:
    # Last adequate assessment day 42, PD on day 140: 98 days later.
    s = subject((42, "SD"), (140, "PD"))
    assert derive_pfs(s).rule == "progression"  # 98 <= 2 x 56
    six_weekly = derive_pfs(s, settings=SurvivalSettings(assessment_interval_days=42))
    assert (six_weekly.days, six_weekly.event, six_weekly.rule) == (42, False, "missed-assessments")
    assert "2 x 42 days" in six_weekly.reason


def test_dor_after_withdrawal_is_censored_like_pfs() -> None:
    s = subject((56, "PR"), (112, "PR"), withdrawal_date=150)
    dor = derive_dor(s, response_date=day(56))
    assert dor is not None
    assert (dor.days, dor.event, dor.rule) == (56, False, "withdrawal")


def test_every_rule_has_its_text() -> None:
    for rule in (
        "no-baseline",
        "withdrawal",
        "withdrawn",
        "symptomatic-deterioration",
        "missed-assessments",
    ):
        assert rule in CENSORING_RULES


def test_progression_before_a_symptomatic_deterioration_event_decides() -> None:
    s = subject((56, "PD"), symptomatic_deterioration_date=70)
    pfs = derive_pfs(s, settings=SurvivalSettings(symptomatic_deterioration_is_event=True))
    assert (pfs.days, pfs.rule) == (56, "progression")
    assert "progression decides first" in pfs.notes[0]
