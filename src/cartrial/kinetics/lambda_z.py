"""Terminal elimination rate (lambda_z) by PKNCA's automatic point selection.

Rule (PKNCA ``pk.calc.half.life``, PKNCA vignette "Half-Life Calculation";
Gabrielsson & Weiner 2000, section 2.8.4 "Strategies for estimation of lambda-z"):

1. Terminal points: cleaned samples with concentration > 0 strictly after
   Tmax (at or after Tmax when ``allow_tmax_in_half_life``).
2. Fewer than ``min_hl_points`` terminal points: not calculated, with the reason.
3. Candidate fits: unweighted least squares of ln(conc) on time over the last
   k terminal points, for every k from ``min_hl_points`` to all of them.
   ``r2 = 1 - SSres/SStot``; adjusted ``r2 = 1 - (1 - r2)(k - 1)/(k - 2)``.
4. Keep the candidates with lambda_z (minus the slope) > 0 and adjusted r2 greater
   than the best adjusted r2 of all candidates minus ``adj_r_squared_factor``;
   with ``min_hl_points == 2`` and exactly two terminal points, the one
   two-point fit is kept when lambda_z > 0.
5. Among those, take the fit with the most points. None left: not calculated.

From the chosen fit: half-life ``ln 2 / lambda_z``; span ratio ``(last time - first
time of the fit) / half-life``; Clast,pred, the fitted line at Tlast.

>>> import numpy as np
>>> t = np.array([[0.0, 1, 2, 4, 8]])
>>> c = 100 * np.exp(-0.25 * t)
>>> c[0, 0] = 0.0
>>> fit = select_lambda_z(t, c, tmax=np.array([1.0]), tlast=np.array([8.0]))
>>> round(float(fit.half_life[0]), 9), int(fit.n_points[0])
(2.772588722, 3)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cartrial.kinetics.profiles import FloatArray, IntArray, compact

__all__ = ["LambdaZResult", "select_lambda_z"]

StrArray = npt.NDArray[np.object_]


@dataclass(frozen=True)
class LambdaZResult:
    """The chosen fit per profile; NaN where not calculated, with ``reason`` saying why.

    ``terminal_time`` holds the terminal points right-aligned (NaN elsewhere); the
    fit used the last ``n_points`` of them, from ``time_first`` to ``time_last``.
    """

    lambda_z: FloatArray
    r_squared: FloatArray
    adj_r_squared: FloatArray
    n_points: IntArray
    time_first: FloatArray
    time_last: FloatArray
    clast_pred: FloatArray
    half_life: FloatArray
    span_ratio: FloatArray
    terminal_time: FloatArray
    reason: StrArray


def select_lambda_z(
    time: FloatArray,
    conc: FloatArray,
    *,
    tmax: FloatArray,
    tlast: FloatArray,
    min_hl_points: int = 3,
    adj_r_squared_factor: float = 1e-4,
    allow_tmax_in_half_life: bool = False,
) -> LambdaZResult:
    """Fit lambda_z on cleaned data (rows = profiles) by the module's rule."""
    n_rows, width = conc.shape
    with np.errstate(invalid="ignore"):
        after = time >= tmax[:, None] if allow_tmax_in_half_life else time > tmax[:, None]
        terminal = (conc > 0) & after
    tt, cc, m = compact(time, conc, terminal, right=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        yy = np.log(cc)
    # Shift by the last terminal point before centring: a constant profile then gives
    # exactly zero deviations (slope 0, r2 undefined) instead of rounding noise.
    t_ref = np.nan_to_num(tt[:, -1:]) if width else np.zeros((n_rows, 1))
    y_ref = np.nan_to_num(yy[:, -1:]) if width else np.zeros((n_rows, 1))
    t0 = np.nan_to_num(tt - t_ref)
    y0 = np.nan_to_num(yy - y_ref)
    col = np.arange(width)[None, :]

    best = np.full(n_rows, -np.inf)
    fits: list[tuple[int, FloatArray, FloatArray, FloatArray, FloatArray]] = []
    for k in range(min_hl_points, width + 1):
        sel = (col >= width - k) & (m >= k)[:, None]
        t_mean = (t0 * sel).sum(axis=1) / k
        y_mean = (y0 * sel).sum(axis=1) / k
        dt = np.where(sel, t0 - t_mean[:, None], 0.0)
        dy = np.where(sel, y0 - y_mean[:, None], 0.0)
        sxx = (dt * dt).sum(axis=1)
        sxy = (dt * dy).sum(axis=1)
        syy = (dy * dy).sum(axis=1)
        ok = m >= k
        with np.errstate(invalid="ignore", divide="ignore"):
            slope = np.where(ok, sxy / sxx, np.nan)
            r2 = np.where(ok, 1.0 - (syy - slope * sxy) / syy, np.nan)
            adj = 1.0 - (1.0 - r2) * (k - 1) / (k - 2) if k > 2 else np.full(n_rows, np.nan)
            # the fitted line at Tlast: exp(mean(y) + slope * (tlast - mean(t))), shifted back
            pred = np.exp(y_ref[:, 0] + y_mean + slope * (tlast - t_ref[:, 0] - t_mean))
        best = np.where(ok & ~np.isnan(adj), np.fmax(best, adj), best)
        fits.append((k, -slope, r2, adj, pred))

    chosen_k = np.zeros(n_rows, dtype=np.int64)
    out = {name: np.full(n_rows, np.nan) for name in ("lz", "r2", "adj", "pred")}
    for k, lz, r2, adj, pred in fits:  # increasing k: a later qualifying fit has more points
        ok = m >= k
        with np.errstate(invalid="ignore"):
            if k == 2:
                qualifies = ok & (m == 2) & (lz > 0)
            else:
                qualifies = ok & (lz > 0) & (adj > best - adj_r_squared_factor)
        chosen_k = np.where(qualifies, k, chosen_k)
        for name, value in (("lz", lz), ("r2", r2), ("adj", adj), ("pred", pred)):
            out[name] = np.where(qualifies, value, out[name])

    found = chosen_k > 0
    rows = np.arange(n_rows)
    first_col = np.clip(width - chosen_k, 0, max(width - 1, 0))
    time_first = np.where(found, tt[rows, first_col], np.nan) if width else np.full(n_rows, np.nan)
    time_last = np.where(found, tt[:, -1], np.nan) if width else np.full(n_rows, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        half_life = np.log(2.0) / out["lz"]
        span_ratio = (time_last - time_first) / half_life
    reason = np.full(n_rows, "", dtype=object)
    no_fit = ~found & (m >= min_hl_points)
    reason[no_fit] = (
        "no candidate fit with lambda_z > 0 within adj_r_squared_factor of the best adjusted r2"
    )
    for i in np.flatnonzero(m < min_hl_points):
        reason[i] = (
            f"too few points for half-life calculation (min_hl_points={min_hl_points} "
            f"with only {m[i]} quantifiable points after Tmax)"
        )
    return LambdaZResult(
        lambda_z=out["lz"],
        r_squared=out["r2"],
        adj_r_squared=out["adj"],
        n_points=chosen_k,
        time_first=time_first,
        time_last=time_last,
        clast_pred=out["pred"],
        half_life=half_life,
        span_ratio=span_ratio,
        terminal_time=tt,
        reason=reason,
    )
