"""Rendered CRS/ICANS courses, graded by the real ASTCT 2019 engine, give the latent truth."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from cartrial.safety.astct import grade_crs, grade_icans
from cartrial.safety.astct_input import CrsObservation, IcansAssessment, Temperature
from cartrial.sim.observations.syndromes import render_crs, render_icans
from tests.sim.factories import make_row

INFUSION = dt.datetime(2026, 5, 4, 2, 30, tzinfo=dt.UTC)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_CRS: TypeAdapter[Any] = TypeAdapter(CrsObservation)


def _day0(tz: dt.tzinfo) -> dt.datetime:
    return INFUSION.astimezone(tz).replace(tzinfo=None)


CASES = [
    (g, onset, duration)
    for g in range(1, 6)
    for onset, duration in ((0.4, 1.0), (2.7, 2.2), (5.0, 6.0))
]


@pytest.mark.parametrize(("grade", "onset", "duration"), CASES)
@pytest.mark.parametrize("tz", [dt.UTC, SHANGHAI], ids=["utc", "shanghai"])
def test_crs_grades_to_the_latent_grade_onset_and_duration(
    grade: int, onset: float, duration: float, tz: dt.tzinfo
) -> None:
    row = make_row(crs_grade=grade, crs_onset_day=onset, crs_duration_days=duration)
    for seed in range(4):  # each seed may pick hypotension, hypoxia or both
        course = render_crs(row, INFUSION, np.random.default_rng(seed), site_tz=tz)
        assert course is not None
        observations = [_CRS.validate_python(p) for p in course.observations]
        result = grade_crs(observations=observations, infusion=_day0(tz))
        assert result.grade == grade, result.reason
        assert result.onset_day == math.floor(onset)
        assert result.duration_days == max(1, round(duration))
        assert course.reported_grade == grade
        assert course.onset_date == _day0(tz).date() + dt.timedelta(days=math.floor(onset))
        if grade < 5:
            assert result.resolved_at is not None
        assert result.tocilizumab == (grade >= 2)
        assert result.corticosteroids == (grade >= 3)


def test_temperatures_before_crs_onset_are_normal() -> None:
    row = make_row(crs_grade=3, crs_onset_day=4.2, crs_duration_days=3.0)
    course = render_crs(row, INFUSION, np.random.default_rng(1))
    assert course is not None
    temps = [
        t
        for t in (_CRS.validate_python(p) for p in course.observations)
        if isinstance(t, Temperature)
    ]
    before = [t.celsius_value for t in temps if (t.time.date() - INFUSION.date()).days < 4]
    assert len(before) == 8
    assert all(Decimal("36.4") <= c < Decimal("38.0") for c in before)


def test_no_crs_and_no_icans_render_nothing() -> None:
    row = make_row()
    assert render_crs(row, INFUSION, np.random.default_rng(0)) is None
    assert render_icans(row, INFUSION, np.random.default_rng(0)) is None


@pytest.mark.parametrize(("grade", "onset", "duration"), CASES)
def test_icans_grades_to_the_latent_grade_onset_and_duration(
    grade: int, onset: float, duration: float
) -> None:
    row = make_row(icans_grade=grade, icans_onset_day=onset, icans_duration_days=duration)
    for seed in range(6):  # grade 3 is a seizure or a low ICE score by chance
        course = render_icans(row, INFUSION, np.random.default_rng(seed), site_tz=SHANGHAI)
        assert course is not None
        assessments = [IcansAssessment.model_validate(p) for p in course.observations]
        result = grade_icans(assessments=assessments, infusion=_day0(SHANGHAI))
        assert result.grade == grade, result.reason
        assert result.onset_day == math.floor(onset)
        assert result.duration_days == max(1, round(duration))
        assert [m.name for m in course.con_meds if m.name == "dexamethasone"] == (
            ["dexamethasone"] if grade >= 2 else []
        )


def test_a_grade_without_an_onset_day_is_refused() -> None:
    with pytest.raises(ValueError, match="finite onset day"):
        render_crs(make_row(crs_grade=2), INFUSION, np.random.default_rng(0))
