"""The site opens a CRS/ICANS AE at the diagnosis: from the first abnormal observation
on, every stored prefix of the series grades >= 1 (ASTCT 2019 engine), and before it
the series grades 0. An open AE whose series grades 0 so far is a state the safety
engine refuses ('grade' >= 1 must be the worst of its grade course); the service-path
trial used to open the AE at 07:00 on the onset day, before the day's first fever."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from pydantic import TypeAdapter

from cartrial.safety.astct import grade_crs, grade_icans
from cartrial.safety.astct_input import CrsObservation, IcansAssessment
from cartrial.sim.observations.syndromes import abnormal, render_crs, render_icans
from tests.sim.factories import make_row

INFUSION = dt.datetime(2026, 5, 4, 2, 30, tzinfo=dt.UTC)
DAY0 = INFUSION.replace(tzinfo=None)
_CRS: TypeAdapter[Any] = TypeAdapter(CrsObservation)
CASES = [(g, o, d) for g in range(1, 6) for o, d in ((0.4, 1.0), (2.7, 2.2), (5.0, 6.0))]


def _grades(syndrome: str, payloads: list[dict[str, Any]]) -> list[int]:
    """The engine's grade of each prefix of the series in time order."""
    out = []
    for k in range(1, len(payloads) + 1):
        if syndrome == "crs":
            series = [_CRS.validate_python(p) for p in payloads[:k]]
            out.append(grade_crs(observations=series, infusion=DAY0).grade)
        else:
            assessments = [IcansAssessment.model_validate(p) for p in payloads[:k]]
            out.append(grade_icans(assessments=assessments, infusion=DAY0).grade)
    return out


@pytest.mark.parametrize(("grade", "onset", "duration"), CASES)
@pytest.mark.parametrize("syndrome", ["crs", "icans"])
def test_every_series_from_the_first_abnormal_observation_on_grades_at_least_1(
    syndrome: str, grade: int, onset: float, duration: float
) -> None:
    row = make_row(
        **{f"{syndrome}_grade": grade, f"{syndrome}_onset_day": onset,
           f"{syndrome}_duration_days": duration}
    )  # fmt: skip
    render = render_crs if syndrome == "crs" else render_icans
    for seed in range(3):
        course = render(row, INFUSION, np.random.default_rng(seed))
        assert course is not None
        payloads = sorted(course.observations, key=lambda o: str(o["time"]))
        first = next(i for i, p in enumerate(payloads) if abnormal(p))
        grades = _grades(syndrome, payloads)
        assert max(grades[:first], default=0) == 0
        assert min(grades[first:]) >= 1
