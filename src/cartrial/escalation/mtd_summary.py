"""The MTD selection's per-level table, as the R package BOIN's ``select.mtd`` prints it.

Source: the BOIN R package (Yan F et al., J Stat Softw 2020;94(13)),
``select.mtd`` and its ``summary``: for every level with patients, the isotonic
estimate of the DLT rate (PAVA on ``(y + 0.05) / (n + 0.1)`` weighted by the
inverse posterior variance, over all treated levels), the 95% credible interval
of the level's own Beta(0.05 + y, 0.05 + n - y) posterior (2.5% and 97.5%
quantiles, not isotonic), and the probability of overdosing ``P(p > target)``
under that posterior, made non-decreasing across levels by unweighted PAVA.
Levels without patients show nothing.

The selected level and ``isotonic_estimate`` follow the design's own rule
(:func:`cartrial.escalation.isotonic.select_mtd_isotonic`, its estimator,
elimination and ``bound_mtd``); ``posterior_estimate`` is R's printed column,
whatever the estimator.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel
from scipy.stats import beta

from cartrial.escalation.isotonic import (
    R_BOIN_PRIOR,
    MtdEstimator,
    isotonic_regression,
    r_boin_posterior,
    select_mtd_isotonic,
)

__all__ = ["MtdLevel", "MtdSelection", "summarise_mtd"]


class MtdLevel(BaseModel):
    """One level of the table (``None`` where the level has no patients)."""

    level: int
    n: int
    dlt: int
    isotonic_estimate: float | None
    posterior_estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_overdose: float | None


class MtdSelection(BaseModel):
    """The selected MTD (``None``: none) with the per-level table and the rule in words."""

    target: float
    estimator: MtdEstimator
    mtd_level: int | None
    levels: list[MtdLevel]
    rule: str


def summarise_mtd(
    *,
    n: list[int],
    y: list[int],
    target: float,
    eliminated: list[bool] | None = None,
    bound: float | None = None,
    estimator: MtdEstimator = "patients",
) -> MtdSelection:
    """Select the MTD and tabulate every level as ``select.mtd`` does (module docstring)."""
    nn = np.array([n], dtype=np.int64)
    yy = np.array([y], dtype=np.int64)
    elim = None if eliminated is None else np.array([eliminated], dtype=bool)
    selected, est = select_mtd_isotonic(
        n=nn, y=yy, target=target, eliminated=elim, bound=bound, estimator=estimator
    )
    treated = nn > 0
    rate, var = r_boin_posterior(nn, yy)
    with np.errstate(divide="ignore"):
        weight = np.where(treated, 1.0 / var, 0.0)
    posterior = isotonic_regression(np.where(treated, rate, 0.0), weight)
    a = yy + R_BOIN_PRIOR
    b = nn - yy + R_BOIN_PRIOR
    over = isotonic_regression(np.where(treated, beta.sf(target, a, b), 0.0), treated.astype(float))
    low, high = beta.ppf(0.025, a, b), beta.ppf(0.975, a, b)

    def cell(values: np.ndarray, i: int) -> float | None:
        value = float(values[0, i])
        return None if not treated[0, i] or np.isnan(value) else value

    levels = [
        MtdLevel(
            level=i + 1,
            n=n[i],
            dlt=y[i],
            isotonic_estimate=cell(est, i),
            posterior_estimate=cell(posterior, i),
            ci_low=cell(low, i),
            ci_high=cell(high, i),
            p_overdose=cell(over, i),
        )
        for i in range(len(n))
    ]
    weights = (
        "patients (y/n weighted by n)"
        if estimator == "patients"
        else "R BOIN select.mtd ((y + 0.05)/(n + 0.1) weighted by 1/posterior variance)"
    )
    mtd = int(selected[0])
    return MtdSelection(
        target=target,
        estimator=estimator,
        mtd_level=mtd or None,
        levels=levels,
        rule=(
            f"isotonic regression (PAVA) of the DLT rates, weights: {weights}; the level whose "
            f"estimate is closest to the target {target:g} (ties: the highest below the "
            "target, the lowest at or above it); eliminated levels excluded; 95% interval and "
            "P(DLT rate > target) from Beta(0.05 + y, 0.05 + n - y), P made non-decreasing by "
            "PAVA (R BOIN select.mtd)"
        ),
    )
