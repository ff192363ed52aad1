"""Operating characteristics of a protocol over many virtual trials, with Monte-Carlo SEs.

Every figure comes with its Monte-Carlo standard error over the ``T`` trials
that define it:

- a probability ``p``: ``sqrt(p (1 - p) / T)``;
- a mean: the sample SD over trials divided by ``sqrt(T)``;
- an SD ``s``: ``s / sqrt(2 (T - 1))`` (normal approximation);
- a quantile ``q``: distribution-free, from the order statistics that bound
  it with 95 % confidence, ranks ``T q -/+ 1.96 sqrt(T q (1 - q))``: half
  their distance divided by 1.96 (the binomial method of order-statistic
  confidence intervals; e.g. Conover, Practical Nonparametric Statistics,
  3rd ed., section 3.2).

Rates at the RP2D, the ORR distribution and the medians are over the trials
that declared an RP2D; the medians over those whose Kaplan-Meier curve reached
0.5 (the share that did not is reported). ``None`` where no trial defines a
figure. :meth:`TrialOperatingCharacteristics.model_dump` is JSON-able.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from cartrial.sim.fast.trials import FastPlan, TrialResults

__all__ = [
    "Distribution",
    "Estimate",
    "TrialOperatingCharacteristics",
    "summarise_results",
]

FloatArray = NDArray[np.float64]
Z95 = 1.959963984540054


class Estimate(BaseModel):
    """A mean or probability over ``n_trials`` trials and its Monte-Carlo SE."""

    model_config = ConfigDict(frozen=True)

    value: float | None
    se: float | None
    n_trials: int


class Distribution(BaseModel):
    """Mean, SD and 2.5/50/97.5 % quantiles over trials, each with its Monte-Carlo SE."""

    model_config = ConfigDict(frozen=True)

    n_trials: int
    mean: float | None
    mean_se: float | None
    sd: float | None
    sd_se: float | None
    q025: float | None
    q025_se: float | None
    q50: float | None
    q50_se: float | None
    q975: float | None
    q975_se: float | None


class TrialOperatingCharacteristics(BaseModel):
    """Operating characteristics of one protocol and scenario (levels from 1)."""

    model_config = ConfigDict(frozen=True)

    protocol_id: str
    design: str
    n_trials: int
    seed: int | None
    orr_threshold: float
    alpha: float
    power_test: str
    dose_levels_cells_per_kg: list[float]
    p_rp2d: list[Estimate]
    p_no_rp2d: Estimate
    patients_per_level: list[Estimate]
    dlts_per_level: list[Estimate]
    n_screened: Distribution
    n_enrolled: Distribution
    n_infused: Distribution
    duration_months: Distribution
    n_rp2d: Distribution
    dlt_rate_rp2d: Estimate
    crs_grade3_rate_rp2d: Estimate
    orr: Distribution
    dcr: Estimate
    power: Estimate
    median_pfs_months: Distribution
    pfs_median_not_reached: Estimate
    median_os_months: Distribution
    os_median_not_reached: Estimate


def _f(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def proportion(hits: NDArray[np.bool_]) -> Estimate:
    """A probability and its binomial Monte-Carlo SE.

    >>> proportion(np.array([True, False, False, False])).model_dump()
    {'value': 0.25, 'se': 0.21650635094610965, 'n_trials': 4}
    """
    t = int(hits.shape[0])
    if t == 0:
        return Estimate(value=None, se=None, n_trials=0)
    p = float(hits.mean())
    return Estimate(value=p, se=math.sqrt(p * (1 - p) / t), n_trials=t)


def mean(values: FloatArray) -> Estimate:
    """A mean over trials and its SE (sample SD / sqrt(T))."""
    t = int(values.shape[0])
    if t == 0:
        return Estimate(value=None, se=None, n_trials=0)
    se = float(values.std(ddof=1) / math.sqrt(t)) if t > 1 else None
    return Estimate(value=float(values.mean()), se=se, n_trials=t)


def _quantile(sorted_values: FloatArray, q: float) -> tuple[float | None, float | None]:
    t = sorted_values.shape[0]
    value = float(np.quantile(sorted_values, q))
    half = Z95 * math.sqrt(t * q * (1 - q))
    lo = min(max(math.floor(t * q - half), 0), t - 1)
    hi = min(max(math.ceil(t * q + half), 0), t - 1)
    se = float(sorted_values[hi] - sorted_values[lo]) / (2 * Z95)
    return _f(value), _f(se)


def distribution(values: FloatArray) -> Distribution:
    """Summary of ``values`` over trials (module docstring for the SEs)."""
    v = np.sort(values[np.isfinite(values)])
    t = int(v.shape[0])
    if t == 0:
        return Distribution(
            n_trials=0, mean=None, mean_se=None, sd=None, sd_se=None, q025=None,
            q025_se=None, q50=None, q50_se=None, q975=None, q975_se=None,
        )  # fmt: skip
    sd = float(v.std(ddof=1)) if t > 1 else 0.0
    q = {name: _quantile(v, p) for name, p in (("q025", 0.025), ("q50", 0.5), ("q975", 0.975))}
    return Distribution(
        n_trials=t,
        mean=float(v.mean()),
        mean_se=sd / math.sqrt(t),
        sd=sd,
        sd_se=sd / math.sqrt(2 * (t - 1)) if t > 1 else None,
        q025=q["q025"][0],
        q025_se=q["q025"][1],
        q50=q["q50"][0],
        q50_se=q["q50"][1],
        q975=q["q975"][0],
        q975_se=q["q975"][1],
    )


def summarise_results(
    results: TrialResults, plan: FastPlan, *, seed: int | None = None
) -> TrialOperatingCharacteristics:
    """Operating characteristics of ``results`` (trials of ``plan``)."""
    r = results
    k = plan.n_levels
    has = r.rp2d > 0
    pfs = r.median_pfs_months[has]
    os_ = r.median_os_months[has]
    return TrialOperatingCharacteristics(
        protocol_id=plan.protocol_id,
        design=plan.design.name,
        n_trials=r.n_trials,
        seed=seed,
        orr_threshold=plan.orr_threshold,
        alpha=plan.alpha,
        power_test=(
            f"exact one-sided binomial test of ORR <= {plan.orr_threshold:g} at alpha "
            f"{plan.alpha:g} in the patients at the RP2D (= lower one-sided "
            f"{1 - plan.alpha:g} Clopper-Pearson bound above the threshold); no RP2D counts "
            "as failure"
        ),
        dose_levels_cells_per_kg=[float(d) for d in plan.doses],
        p_rp2d=[proportion(r.rp2d == level) for level in range(1, k + 1)],
        p_no_rp2d=proportion(r.rp2d == 0),
        patients_per_level=[mean(r.patients_per_level[:, j].astype(float)) for j in range(k)],
        dlts_per_level=[mean(r.dlts_per_level[:, j].astype(float)) for j in range(k)],
        n_screened=distribution(r.n_screened.astype(float)),
        n_enrolled=distribution(r.n_enrolled.astype(float)),
        n_infused=distribution(r.n_infused.astype(float)),
        duration_months=distribution(r.duration_months),
        n_rp2d=distribution(r.n_rp2d[has].astype(float)),
        dlt_rate_rp2d=mean(r.dlt_rate_rp2d[has & np.isfinite(r.dlt_rate_rp2d)]),
        crs_grade3_rate_rp2d=mean(r.crs_grade3_rate_rp2d[has]),
        orr=distribution(r.orr[has]),
        dcr=mean(r.dcr[has]),
        power=proportion(r.orr_success),
        median_pfs_months=distribution(pfs),
        pfs_median_not_reached=proportion(np.isinf(pfs)),
        median_os_months=distribution(os_),
        os_median_not_reached=proportion(np.isinf(os_)),
    )
