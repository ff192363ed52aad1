"""MTD selection by isotonic regression, shared by BOIN and i3+3.

Source: Liu S, Yuan Y, Bayesian optimal interval designs for phase I clinical
trials, J R Stat Soc C 2015;64:507-523, section 2 ("select as the MTD the
dose whose isotonic estimate of toxicity probability is closest to the
target"); isotonic regression by the pool-adjacent-violators algorithm (Barlow,
Bartholomew, Bremner & Brunk, Statistical Inference under Order Restrictions,
Wiley 1972).

Two estimators, chosen by ``estimator``:

- ``"patients"`` (cartrial's default): the observed rates ``y / n`` weighted by
  the number of patients ``n`` (the maximum-likelihood isotonic estimate under a
  binomial model; Barlow et al. 1972, section 2.1; Liu & Yuan 2015 section 2).
- ``"r_boin"``: the rule of the R package BOIN's ``select.mtd`` (Yan F, Zhang L,
  Zhou Y, Pan H, Liu S, Yuan Y, BOIN: an R package for designing single-agent
  and drug-combination dose-finding trials using Bayesian optimal interval
  designs, J Stat Softw 2020;94(13), section 2.3 and the package source):
  ``phat = (y + 0.05) / (n + 0.1)`` (the posterior mean under a Beta(0.05, 0.05)
  prior) with weights ``1 / var``, ``var = (y + 0.05)(n - y + 0.05) / ((n +
  0.1)^2 (n + 1.1))`` (the posterior variance). The two agree on most data and
  differ when a pooled block mixes levels with very different variances, e.g.
  ``n = (3, 3, 3)``, ``y = (0, 2, 0)``: patients give 1/3, 1/3 at levels 2-3
  (select 2), R BOIN 0.0588 at both (0 DLTs of 3 weigh 14 times 2 of 3; select 3).

Steps:

1. Keep the levels with patients that are not eliminated (a level is
   eliminated, with all above it, when ``eliminated`` says so; the caller
   applies the design's safety rule).
2. Isotonic estimates (weights per ``estimator``, above). Vectorised across trials
   with the max-min formula ``p_i = max_{a<=i} min_{b>=i} avg(a..b)``, which
   equals PAVA's answer.
3. Select the level whose estimate is closest to the target. Ties (pooled
   levels share an estimate): when the tied estimates are below the target,
   the highest tied level; when at or above it, the lowest. Equidistant
   estimates on both sides of the target: the lower level (the one below).
4. ``bound_mtd`` (optional, as ``boundMTD`` in the BOIN R package): only levels
   whose isotonic estimate is below the de-escalation boundary may be selected.

>>> import numpy as np
>>> sel, est = select_mtd_isotonic(n=np.array([[3, 3, 3]]), y=np.array([[0, 1, 0]]),
...                                target=0.3)
>>> int(sel[0]), [round(float(v), 4) for v in est[0]]
(3, [0.0, 0.1667, 0.1667])
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from cartrial.escalation.base import FloatArray, IntArray

__all__ = [
    "MtdEstimator",
    "compute_isotonic_estimates",
    "isotonic_regression",
    "r_boin_posterior",
    "select_mtd_isotonic",
]

TIE_TOLERANCE = 1e-9

MtdEstimator = Literal["patients", "r_boin"]
"""How the isotonic DLT-rate estimates are weighted (module docstring)."""

R_BOIN_PRIOR = 0.05
"""R BOIN's Beta(0.05, 0.05) prior in ``select.mtd`` (``(y + 0.05) / (n + 0.1)``)."""


def r_boin_posterior(n: IntArray, y: IntArray) -> tuple[FloatArray, FloatArray]:
    """R BOIN ``select.mtd``'s posterior mean and variance of each level's DLT rate."""
    a = y + R_BOIN_PRIOR
    b = n - y + R_BOIN_PRIOR
    total = a + b
    return a / total, a * b / (total**2 * (total + 1))


def compute_isotonic_estimates(
    n: IntArray, y: IntArray, *, estimator: MtdEstimator = "patients"
) -> FloatArray:
    """Isotonic estimates of the DLT rate per trial (nan where ``n == 0``)."""
    if estimator == "r_boin":
        rate, var = r_boin_posterior(n, y)
        with np.errstate(divide="ignore"):
            weight = np.where(n > 0, 1.0 / var, 0.0)
        return isotonic_regression(np.where(n > 0, rate, 0.0), weight)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, y / np.maximum(n, 1), 0.0)
    return isotonic_regression(rate, n.astype(float))


def isotonic_regression(x: FloatArray, w: FloatArray) -> FloatArray:
    """Non-decreasing weighted least-squares fit of ``x`` per row (nan where ``w == 0``).

    Max-min formula (Barlow et al. 1972, theorem 1.4): the estimate at ``i`` is
    ``max_{a<=i} min_{b>=i}`` of the weighted mean of ``x[a..b]``, PAVA's answer.
    """
    t, k = x.shape
    cn = np.concatenate([np.zeros((t, 1)), np.cumsum(w, axis=1)], axis=1)
    cy = np.concatenate([np.zeros((t, 1)), np.cumsum(w * x, axis=1)], axis=1)
    # avg[:, a, b] = rate over levels a..b (inclusive), for a <= b.
    seg_n = cn[:, None, 1:] - cn[:, :-1, None]
    seg_y = cy[:, None, 1:] - cy[:, :-1, None]
    cc = np.concatenate([np.zeros((t, 1)), np.cumsum(w > 0, axis=1)], axis=1)
    seg_count = cc[:, None, 1:] - cc[:, :-1, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = seg_y / seg_n
    lower = np.tril(np.ones((k, k), dtype=bool), -1)  # a > b: not a segment
    avg = np.where(lower[None] | (seg_count == 0), np.nan, avg)
    # For level i: min over b >= i of avg[a, b], then max over a <= i.
    est = np.full((t, k), np.nan)
    for i in range(k):
        inner = np.fmin.reduce(avg[:, : i + 1, i:], axis=2)
        est[:, i] = np.fmax.reduce(inner, axis=1)
    est[w == 0] = np.nan
    return est


def select_mtd_isotonic(
    *,
    n: IntArray,
    y: IntArray,
    target: float,
    eliminated: NDArray[np.bool_] | None = None,
    bound: float | None = None,
    estimator: MtdEstimator = "patients",
) -> tuple[IntArray, FloatArray]:
    """Selected MTD level per trial (0 = none) and the isotonic estimates.

    ``eliminated`` (trials x levels) marks eliminated levels; the lowest
    eliminated level and all above it are excluded, and a trial whose level 1
    is eliminated selects none. ``bound`` restricts the selection to levels
    whose estimate is below it. ``estimator`` weights the estimates (module docstring).
    """
    usable = n > 0
    if eliminated is not None:
        usable &= ~np.logical_or.accumulate(eliminated, axis=1)
    nn = np.where(usable, n, 0)
    yy = np.where(usable, y, 0)
    est = compute_isotonic_estimates(nn, yy, estimator=estimator)
    ok = usable.copy()
    if bound is not None:
        ok &= est < bound
    dist = np.where(ok, np.abs(est - target), np.inf)
    best = dist.min(axis=1)
    cand = ok & (dist <= best[:, None] + TIE_TOLERANCE)
    k = n.shape[1]
    levels = np.arange(1, k + 1)
    highest = np.where(cand, levels, 0).max(axis=1)
    lowest = np.where(cand, levels, k + 1).min(axis=1)
    any_at_or_above = (cand & (est >= target - TIE_TOLERANCE)).any(axis=1)
    selected = np.where(any_at_or_above, lowest, highest)
    selected = np.where(np.isfinite(best), selected, 0).astype(np.int64)
    if eliminated is not None:
        selected[eliminated[:, 0]] = 0
    return selected, est
