"""PFS, OS and DOR derivations: each censoring rule, worked by hand (dates from infusion)."""

from __future__ import annotations

import datetime as dt

import pytest

from cartrial.errors import InputError
from cartrial.survival.derive import (
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


def follow_up(*points: tuple[int, str], **extra: int) -> SubjectFollowUp:
    dates = {k: day(v) for k, v in extra.items()}
    return SubjectFollowUp(
        subject_id="S-1",
        reference_date=REF,
        assessments=[DatedResponse(date=day(d), response=r) for d, r in points],  # type: ignore[arg-type]
        **dates,  # type: ignore[arg-type]
    )


def pfs(s: SubjectFollowUp, **settings: int) -> tuple[int, bool, str]:
    result = derive_pfs(s, settings=SurvivalSettings(**settings))
    return result.days, result.event, result.rule


def test_pfs_event_at_first_pd() -> None:
    assert pfs(follow_up((56, "SD"), (112, "PD"), (168, "PD"))) == (112, True, "progression")


def test_pfs_death_without_progression_is_an_event() -> None:
    assert pfs(follow_up((56, "SD"), death_date=80)) == (80, True, "death")


def test_pfs_death_before_pd_wins() -> None:
    assert pfs(follow_up((56, "SD"), (112, "PD"), death_date=100)) == (100, True, "death")


def test_pfs_censored_at_last_adequate_assessment_not_an_ne_one() -> None:
    assert pfs(follow_up((56, "SD"), (112, "PR"), (168, "NE"))) == (112, False, "censored")


def test_pfs_censored_at_infusion_without_post_baseline_assessment() -> None:
    assert pfs(follow_up()) == (0, False, "no-assessment")
    assert pfs(follow_up((56, "NE"))) == (0, False, "no-assessment")


def test_pfs_pd_after_two_missed_assessments_is_censored_at_the_last_adequate_one() -> None:
    # every 56 days: last adequate day 56; PD at day 56 + 112 = 168 (one missed) is an event,
    # PD at day 169 (two missed) is censored at day 56.
    assert pfs(follow_up((56, "SD"), (168, "PD"))) == (168, True, "progression")
    assert pfs(follow_up((56, "SD"), (169, "PD"))) == (56, False, "missed-assessments")


def test_death_long_after_infusion_with_no_assessment_is_censored_at_infusion() -> None:
    assert pfs(follow_up(death_date=112)) == (112, True, "death")
    assert pfs(follow_up(death_date=113)) == (0, False, "missed-assessments")


def test_missed_assessment_limit_is_a_protocol_setting() -> None:
    s = follow_up((42, "SD"), (100, "PD"))
    assert pfs(s, assessment_interval_days=28) == (42, False, "missed-assessments")
    assert pfs(s, assessment_interval_days=29) == (100, True, "progression")


def test_new_anticancer_therapy_before_pd_censors_at_last_assessment_before_it() -> None:
    s = follow_up((56, "SD"), (112, "SD"), (168, "PD"), new_anticancer_therapy_date=140)
    assert pfs(s) == (112, False, "new-therapy")


def test_new_therapy_after_pd_does_not_change_pfs() -> None:
    s = follow_up((56, "SD"), (112, "PD"), new_anticancer_therapy_date=120)
    assert pfs(s) == (112, True, "progression")


def test_every_derived_time_names_its_rule() -> None:
    result = derive_pfs(follow_up((56, "SD"), (169, "PD")))
    assert result.reason == (
        "progression or death after missed assessments: "
        "censored at the last adequate assessment before it "
        "(113 days after 2026-03-09 > 2 x 56 days)"
    )


def test_os_death_is_an_event_else_censored_at_last_known_alive() -> None:
    died = derive_os(follow_up((56, "SD"), death_date=200))
    assert (died.days, died.event, died.rule) == (200, True, "death")
    alive = derive_os(follow_up((56, "SD"), (112, "PD"), last_known_alive_date=300))
    assert (alive.days, alive.event, alive.rule) == (300, False, "alive")
    # the last assessment is later than the last recorded contact
    alive = derive_os(follow_up((56, "SD"), (112, "PD"), last_known_alive_date=90))
    assert alive.days == 112


def test_dor_runs_from_first_response_to_progression() -> None:
    s = follow_up((42, "PR"), (70, "PR"), (126, "PD"))
    dor = derive_dor(s, response_date=day(42))
    assert dor is not None
    assert (dor.days, dor.event, dor.rule) == (84, True, "progression")


def test_dor_is_none_for_a_non_responder() -> None:
    assert derive_dor(follow_up((42, "SD")), response_date=None) is None


def test_dates_before_infusion_are_refused() -> None:
    with pytest.raises(InputError) as info:
        follow_up((56, "SD"), death_date=-3)
    assert str(info.value) == (
        "subject S-1: field 'death_date': got '2026-01-09', "
        "expected a date on or after the reference date 2026-01-12"
    )
