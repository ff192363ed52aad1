"""MTD selection by isotonic regression, shared by BOIN and i3+3.

Source: Liu S, Yuan Y, Bayesian optimal interval designs for phase I clinical
trials, J R Stat Soc C 2015;64:507-523, section 2 ("select as the MTD the
dose whose isotonic estimate of toxicity probability is closest to the
target"); isotonic regression by the pool-adjacent-violators algorithm (Barlow,
Bartholomew, Bremner & Brunk, Statistical Inference under Order Restrictions,
Wiley 1972), weighted by the number of patients.

Steps:

1. Keep the levels with patients that are not eliminated (a level is
   eliminated, with all above it, when ``eliminated`` says so; the caller
   applies the design's safety rule).
2. Isotonic estimates of ``y / n`` weighted by ``n``. Vectorised across trials
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

import numpy as np
from numpy.typing import NDArray

from cartrial.escalation.base import FloatArray, IntArray

__all__ = ["compute_isotonic_estimates", "select_mtd_isotonic"]

TIE_TOLERANCE = 1e-9


def compute_isotonic_estimates(n: IntArray, y: IntArray) -> FloatArray:
    """Weighted isotonic estimates of ``y / n`` per trial (nan where ``n == 0``)."""
    t, k = n.shape
    cn = np.concatenate([np.zeros((t, 1)), np.cumsum(n, axis=1)], axis=1)
    cy = np.concatenate([np.zeros((t, 1)), np.cumsum(y, axis=1)], axis=1)
    # avg[:, a, b] = rate over levels a..b (inclusive), for a <= b.
    seg_n = cn[:, None, 1:] - cn[:, :-1, None]
    seg_y = cy[:, None, 1:] - cy[:, :-1, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        avg = seg_y / seg_n
    lower = np.tril(np.ones((k, k), dtype=bool), -1)  # a > b: not a segment
    avg = np.where(lower[None] | (seg_n == 0), np.nan, avg)
    # For level i: min over b >= i of avg[a, b], then max over a <= i.
    est = np.full((t, k), np.nan)
    for i in range(k):
        inner = np.fmin.reduce(avg[:, : i + 1, i:], axis=2)
        est[:, i] = np.fmax.reduce(inner, axis=1)
    est[n == 0] = np.nan
    return est


def select_mtd_isotonic(
    *,
    n: IntArray,
    y: IntArray,
    target: float,
    eliminated: NDArray[np.bool_] | None = None,
    bound: float | None = None,
) -> tuple[IntArray, FloatArray]:
    """Selected MTD level per trial (0 = none) and the isotonic estimates.

    ``eliminated`` (trials x levels) marks eliminated levels; the lowest
    eliminated level and all above it are excluded, and a trial whose level 1
    is eliminated selects none. ``bound`` restricts the selection to levels
    whose estimate is below it.
    """
    usable = n > 0
    if eliminated is not None:
        usable &= ~np.logical_or.accumulate(eliminated, axis=1)
    nn = np.where(usable, n, 0)
    yy = np.where(usable, y, 0)
    est = compute_isotonic_estimates(nn, yy)
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
