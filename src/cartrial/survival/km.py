"""Kaplan-Meier summaries: median with CI, landmark rates with CI, numbers at risk.

The product-limit estimate comes from lifelines (``KaplanMeierFitter``). Its variance is
Greenwood's, V(t) = sum over event times t_i <= t of d_i / (n_i (n_i - d_i)) (Greenwood
1926; Kalbfleisch and Prentice, The Statistical Analysis of Failure Time Data), and the
pointwise CI is built on one of two scales:

- ``log-log`` (default; SAS PROC LIFETEST's default, lifelines' "exponential Greenwood"):
  theta = log(-log S), se = sqrt(V) / |log S|, CI = (S ** exp(z se), S ** exp(-z se));
- ``log`` (R ``survfit`` default): CI = (S exp(-z sqrt(V)), min(1, S exp(z sqrt(V)))).

Median and its CI (Brookmeyer and Crowley, Biometrics 1982;38:29-41, as R ``survfit``
documents it): the median is the first time the curve is <= 0.5; the CI runs from the
first time the *lower* band is <= 0.5 to the first time the *upper* band is <= 0.5;
``None`` where a curve never gets there (not reached / not estimable).

A landmark rate at time L is the curve's value at L (right-continuous step function) with
its CI; it is ``None`` when L is beyond the last follow-up time. Number at risk at t is the
count of durations >= t. Times are in the caller's unit (days in cartrial; 6 months =
182.625 days, a month being 30.4375 days).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from lifelines import KaplanMeierFitter
from pydantic import BaseModel, ConfigDict
from scipy.stats import norm

from cartrial.errors import InputError

__all__ = [
    "DAYS_PER_MONTH",
    "KaplanMeierSummary",
    "LandmarkRate",
    "compute_kaplan_meier",
]

DAYS_PER_MONTH = 30.4375
CiTransform = Literal["log-log", "log"]


class LandmarkRate(BaseModel):
    """The survival probability at a landmark time, with its CI and number at risk."""

    model_config = ConfigDict(frozen=True)

    time: float
    survival: float | None
    ci_low: float | None
    ci_high: float | None
    at_risk: int


class KaplanMeierSummary(BaseModel):
    """Median, landmark rates and numbers at risk of one Kaplan-Meier curve."""

    model_config = ConfigDict(frozen=True)

    label: str
    n: int
    events: int
    median: float | None
    median_ci_low: float | None
    median_ci_high: float | None
    confidence: float
    ci_transform: CiTransform
    landmarks: list[LandmarkRate]
    at_risk: list[tuple[float, int]]
    max_time: float
    times: list[float]
    survival: list[float]
    ci_low: list[float]
    ci_high: list[float]


def _band(s: float, v: float, z: float, transform: CiTransform) -> tuple[float, float]:
    if s <= 0.0:
        return math.nan, math.nan  # undefined on the log and log-log scales (R gives NA)
    if s >= 1.0 or v == 0.0:
        return s, s
    if transform == "log":
        half = z * math.sqrt(v)
        return s * math.exp(-half), min(1.0, s * math.exp(half))
    se = math.sqrt(v) / abs(math.log(s))
    return s ** math.exp(z * se), s ** math.exp(-z * se)


def _first_at_or_below(times: list[float], values: list[float], level: float) -> float | None:
    for t, value in zip(times, values, strict=True):
        if value <= level:
            return t
    return None


def compute_kaplan_meier(
    *,
    durations: Sequence[float],
    events: Sequence[bool],
    label: str = "all",
    confidence: float = 0.95,
    ci_transform: CiTransform = "log-log",
    landmarks: Sequence[float] = (182.625,),
    at_risk_times: Sequence[float] = (),
) -> KaplanMeierSummary:
    """Kaplan-Meier estimate with median, landmark rates and numbers at risk.

    >>> km = compute_kaplan_meier(durations=[1, 2, 2, 3, 4, 5, 6],
    ...     events=[True, True, True, False, True, False, True], landmarks=[3])
    >>> km.median, round(km.landmarks[0].survival, 4), km.landmarks[0].at_risk
    (4.0, 0.5714, 4)
    """
    if len(durations) != len(events) or not durations:
        raise InputError(
            "durations", len(durations), f"{len(events)} durations (one per event flag, >= 1)"
        )
    if any(d < 0 or math.isnan(d) for d in durations):
        raise InputError("durations", list(durations), "times >= 0")
    fitter = KaplanMeierFitter(alpha=1 - confidence)
    fitter.fit(list(durations), event_observed=[bool(e) for e in events], label=label)
    table = fitter.event_table
    curve = fitter.survival_function_.iloc[:, 0]
    z = float(norm.ppf(1 - (1 - confidence) / 2))
    times: list[float] = []
    survival: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    v = 0.0
    for t, row in table.iterrows():
        d = int(row["observed"])
        n = int(row["at_risk"])
        if d == 0:
            continue
        s = float(curve.loc[t])  # lifelines' product-limit estimate at this event time
        v = v + d / (n * (n - d)) if n > d else math.inf
        low, high = _band(s, v, z, ci_transform)
        times.append(float(t))
        survival.append(s)
        lows.append(low)
        highs.append(high)
    median = _first_at_or_below(times, survival, 0.5)

    def at(time: float) -> LandmarkRate:
        at_risk = sum(1 for d in durations if d >= time)
        if time > max(durations):
            return LandmarkRate(time=time, survival=None, ci_low=None, ci_high=None, at_risk=0)
        k = sum(1 for t in times if t <= time)
        if k == 0:
            return LandmarkRate(time=time, survival=1.0, ci_low=1.0, ci_high=1.0, at_risk=at_risk)
        return LandmarkRate(
            time=time,
            survival=survival[k - 1],
            ci_low=lows[k - 1],
            ci_high=highs[k - 1],
            at_risk=at_risk,
        )

    return KaplanMeierSummary(
        label=label,
        n=len(durations),
        events=sum(1 for e in events if e),
        median=median,
        median_ci_low=_first_at_or_below(times, lows, 0.5),
        median_ci_high=_first_at_or_below(times, highs, 0.5),
        confidence=confidence,
        ci_transform=ci_transform,
        landmarks=[at(float(x)) for x in landmarks],
        at_risk=[(float(t), sum(1 for d in durations if d >= t)) for t in at_risk_times],
        max_time=float(max(durations)),
        times=times,
        survival=survival,
        ci_low=lows,
        ci_high=highs,
    )
