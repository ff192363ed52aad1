"""Kaplan-Meier summaries: median with CI, landmark rates with CI, numbers at risk.

The product-limit estimate comes from lifelines (``KaplanMeierFitter``). Its variance is
Greenwood's, V(t) = sum over event times t_i <= t of d_i / (n_i (n_i - d_i)) (Greenwood
1926; Kalbfleisch and Prentice, The Statistical Analysis of Failure Time Data), and the
pointwise CI is built on one of two scales:

- ``log-log`` (default; SAS PROC LIFETEST's default, lifelines' "exponential Greenwood"):
  theta = log(-log S), se = sqrt(V) / |log S|, CI = (S ** exp(z se), S ** exp(-z se));
- ``log`` (R ``survfit`` default): CI = (S exp(-z sqrt(V)), min(1, S exp(z sqrt(V)))).

Median and its CI (Brookmeyer and Crowley, Biometrics 1982;38:29-41, as R ``survfit``
documents it): the median is read off the curve, the CI's limits off the *lower* and the
*upper* band, by the same rule; ``None`` where a curve never gets to 0.5 (not reached / not
estimable). Two rules (``median_rule``), which differ only where a curve is exactly 0.5
over a flat stretch (an even number at risk halved, common in small phase I cohorts):

- ``first`` (default; the rule this package has always documented, Kalbfleisch and
  Prentice's smallest t with S(t) <= 0.5, lifelines' ``median_survival_time_``): the first
  event time at which the curve is <= 0.5;
- ``midpoint`` (R ``survival`` ``quantile.survfit``, also SAS PROC LIFETEST): on a flat
  stretch at exactly 0.5 the midpoint between the time it starts and the next event time
  (or, when the curve ends on it, the last follow-up time); with no censoring this is the
  ordinary sample median.

"Exactly" is within ``MEDIAN_TOLERANCE`` (R's ``sqrt(.Machine$double.eps)``): the product
limit is a float product (5/6 x 4/5 x 3/4 is 0.5000000000000001), and comparing it with
0.5 without a tolerance moved the median to the next event.

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
    "MEDIAN_RULES",
    "MEDIAN_TOLERANCE",
    "KaplanMeierSummary",
    "LandmarkRate",
    "compute_kaplan_meier",
]

DAYS_PER_MONTH = 30.4375
CiTransform = Literal["log-log", "log"]
MedianRule = Literal["first", "midpoint"]
MEDIAN_TOLERANCE = math.sqrt(2.220446049250313e-16)  # R: sqrt(.Machine$double.eps)
MEDIAN_RULES: dict[str, str] = {
    "first": "median = first event time with S(t) <= 0.5 (within 1.5e-8)",
    "midpoint": "median = first event time with S(t) <= 0.5, or on a flat stretch at exactly "
    "0.5 its midpoint to the next event time (the last follow-up time at the end of the "
    "curve), as R survival's quantile.survfit",
}


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
    median_rule: MedianRule
    median_rule_text: str
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


def _quantile_time(
    times: list[float], values: list[float], rule: MedianRule, max_time: float, level: float = 0.5
) -> float | None:
    """When the step curve ``values`` (at event ``times``) gets to ``level`` (module rules)."""
    for k, (t, value) in enumerate(zip(times, values, strict=True)):
        if math.isnan(value) or value > level + MEDIAN_TOLERANCE:
            continue
        if rule == "first" or abs(value - level) >= MEDIAN_TOLERANCE:
            return t
        later = [u for u, v in zip(times[k + 1 :], values[k + 1 :], strict=True) if v == v]
        return (t + (later[0] if later else max_time)) / 2
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
    median_rule: MedianRule = "first",
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
    if median_rule not in MEDIAN_RULES:
        raise InputError("median_rule", median_rule, "one of " + ", ".join(MEDIAN_RULES))
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
    max_time = float(max(durations))
    median = _quantile_time(times, survival, median_rule, max_time)

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
        median_ci_low=_quantile_time(times, lows, median_rule, max_time),
        median_ci_high=_quantile_time(times, highs, median_rule, max_time),
        confidence=confidence,
        ci_transform=ci_transform,
        median_rule=median_rule,
        median_rule_text=MEDIAN_RULES[median_rule],
        landmarks=[at(float(x)) for x in landmarks],
        at_risk=[(float(t), sum(1 for d in durations if d >= t)) for t in at_risk_times],
        max_time=max_time,
        times=times,
        survival=survival,
        ci_low=lows,
        ci_high=highs,
    )
