"""Area under the concentration-time curve: trapezoids, interpolation, AUClast, AUCall.

Formulas (Gabrielsson J, Weiner D. Pharmacokinetic & Pharmacodynamic Data
Analysis, 4th ed., 2000, sections 2.8.1 and 2.8.3; the same references as PKNCA's
``pk.calc.auxc``), for a segment from (t1, c1) to (t2, c2):

- linear trapezoid: ``(t2 - t1) * (c1 + c2) / 2``;
- log trapezoid: ``(t2 - t1) * (c1 - c2) / ln(c1 / c2)``, used by the
  linear-up/log-down method only when ``c1 > c2 > 0`` (PKNCA "lin up/log down":
  linear while rising or level, or when either end is 0).

Which segments count (PKNCA ``auc.type``):

- AUClast: from the interval start to Tlast, the last quantifiable sample
  (segments after Tlast add nothing);
- AUCall: AUClast plus the linear trapezoids after Tlast (the triangle down
  to the next BLQ sample).

Special cases, in PKNCA's order: no sample -> not calculated; one sample ->
not calculated; all samples BLQ -> 0; no sample at the interval start -> not
calculated (PKNCA never extrapolates backwards).

AUCint over [start, end] (PKNCA ``aucint.last``, ``pk.calc.aucint`` with
``auc.type = "AUClast"``): the concentrations at ``start`` and ``end`` are taken
from the whole cleaned profile (observed, interpolated, or 0 after Tlast), the
samples strictly inside are kept, and the points are integrated with the
AUClast rule, so the area stops at the last quantifiable point. Checked against
PKNCA 0.12.1 on Theoph subject 6, whose last sample (23.85 h, quantifiable) is
before the interval end (24 h): PKNCA adds no triangle down to the extrapolated
0 at 24 h. The triangle from Clast down to the next BLQ zero is AUCall's
convention, over an interval PKNCA ``aucall`` with ``end``.

Interpolation at a time between samples (PKNCA ``interp.extrap.conc`` with
``extrap.method = "AUClast"``): the observed value when sampled; linear, or
log-linear when ``c1 > c2 > 0`` with the lin-log method; 0 after Tlast.

>>> import numpy as np
>>> t = np.array([[0.0, 1.0, 2.0]])
>>> c = np.array([[0.0, 4.0, 2.0]])
>>> r = integrate(t, c, np.array([3]), method="linear", start=0.0)
>>> float(r.auclast[0])
5.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from cartrial.kinetics.blq import first_last_quantified
from cartrial.kinetics.profiles import FloatArray, IntArray, compact
from cartrial.kinetics.settings import AucMethod

__all__ = [
    "REASON_NO_DATA",
    "REASON_ONE_SAMPLE",
    "AucResult",
    "aucint_last",
    "integrate",
    "interpolate_at",
    "segment_areas",
]

StrArray = npt.NDArray[np.object_]

REASON_NO_DATA = "no sample in the interval"
REASON_ONE_SAMPLE = "AUC cannot be calculated with only one measured concentration"


@dataclass(frozen=True)
class AucResult:
    """AUClast and AUCall per profile; ``reason`` says why a value is missing ("" if not)."""

    auclast: FloatArray
    aucall: FloatArray
    tlast: FloatArray
    clast: FloatArray
    reason: StrArray


def segment_areas(
    time: FloatArray, conc: FloatArray, *, method: AucMethod
) -> tuple[FloatArray, FloatArray]:
    """Area of every segment between neighbouring columns: (method's area, linear area).

    Segments touching a NaN cell are NaN.
    """
    t1, t2 = time[:, :-1], time[:, 1:]
    c1, c2 = conc[:, :-1], conc[:, 1:]
    dt = t2 - t1
    linear = dt * (c1 + c2) / 2.0
    if method == "linear":
        return linear, linear
    with np.errstate(invalid="ignore", divide="ignore"):
        use_log = (c1 > c2) & (c2 > 0)
        ratio = np.where(use_log, c1 / np.where(use_log, c2, 1.0), 2.0)
        log_area = dt * (c1 - c2) / np.log(ratio)
    return np.where(use_log, log_area, linear), linear


def integrate(
    time: FloatArray, conc: FloatArray, n: IntArray, *, method: AucMethod, start: float
) -> AucResult:
    """AUClast and AUCall of cleaned, left-aligned interval data (see the module rules)."""
    _, last, has_any = first_last_quantified(conc)
    rows = np.arange(conc.shape[0])
    tlast = np.where(has_any, time[rows, np.maximum(last, 0)], np.nan)
    clast = np.where(has_any, conc[rows, np.maximum(last, 0)], np.nan)
    if conc.shape[1] >= 2:
        area, linear = segment_areas(time, conc, method=method)
        seg_ok = ~np.isnan(area)
        up_to_tlast = time[:, 1:] <= tlast[:, None]
        auclast = np.where(seg_ok & up_to_tlast, area, 0.0).sum(axis=1)
        aucall = auclast + np.where(seg_ok & ~up_to_tlast, linear, 0.0).sum(axis=1)
    else:
        auclast = np.zeros(conc.shape[0])
        aucall = np.zeros(conc.shape[0])
    reason = np.full(conc.shape[0], "", dtype=object)
    first_time = time[:, 0] if time.shape[1] else np.full(conc.shape[0], np.nan)
    late_start = has_any & (n >= 2) & ~(first_time <= start)
    for i in np.flatnonzero(late_start):
        reason[i] = (
            f"no sample at the interval start (day {start:g}); first sample at day "
            f"{first_time[i]:g} (PKNCA does not extrapolate backwards)"
        )
    reason[n == 1] = REASON_ONE_SAMPLE
    reason[n == 0] = REASON_NO_DATA
    missing = (n < 2) | late_start
    auclast = np.where(missing, np.nan, np.where(has_any, auclast, 0.0))
    aucall = np.where(missing, np.nan, np.where(has_any, aucall, 0.0))
    return AucResult(auclast=auclast, aucall=aucall, tlast=tlast, clast=clast, reason=reason)


def interpolate_at(
    time: FloatArray, conc: FloatArray, at: float, *, method: AucMethod
) -> FloatArray:
    """Concentration at time ``at`` per row of cleaned, left-aligned data (module rules).

    NaN when ``at`` is before the first sample or a row has no sample.
    """
    _, last, has_any = first_last_quantified(conc)
    rows = np.arange(conc.shape[0])
    tlast = np.where(has_any, time[rows, np.maximum(last, 0)], np.nan)
    with np.errstate(invalid="ignore"):
        exact = time == at
        before = time < at
    has_exact = exact.any(axis=1)
    exact_conc = np.where(exact, conc, 0.0).sum(axis=1)
    j = before.sum(axis=1)  # first column at or after ``at``
    width = conc.shape[1]
    prev = np.clip(j - 1, 0, width - 1)
    nxt = np.clip(j, 0, width - 1)
    t1, t2 = time[rows, prev], time[rows, nxt]
    c1, c2 = conc[rows, prev], conc[rows, nxt]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = (at - t1) / (t2 - t1)
        linear = c1 + frac * (c2 - c1)
        use_log = (c1 > c2) & (c2 > 0) if method == "lin-log" else np.zeros_like(has_any)
        safe1 = np.where(use_log, c1, 1.0)
        safe2 = np.where(use_log, c2, 1.0)
        log_lin = np.exp(np.log(safe1) + frac * (np.log(safe2) - np.log(safe1)))
        inside = np.where(use_log, log_lin, linear)
        after_tlast = ~has_any | (at > tlast)
    value = np.where(after_tlast, 0.0, inside)
    value = np.where(has_exact, exact_conc, value)
    return np.where((j == 0) & ~has_exact, np.nan, value)


def aucint_last(
    time: FloatArray, conc: FloatArray, *, start: float, end: float, method: AucMethod
) -> tuple[FloatArray, StrArray]:
    """PKNCA ``aucint.last`` over [start, end] of whole cleaned profiles (module rules).

    Returns the areas and the reasons a value is missing ("" when present).
    """
    rows = time.shape[0]
    c_start = interpolate_at(time, conc, start, method=method)
    c_end = interpolate_at(time, conc, end, method=method)
    with np.errstate(invalid="ignore"):
        inside = (time > start) & (time < end)
    it = np.hstack(
        [np.full((rows, 1), start), np.where(inside, time, np.nan), np.full((rows, 1), end)]
    )
    ic = np.hstack([c_start[:, None], np.where(inside, conc, np.nan), c_end[:, None]])
    it, ic, count = compact(it, ic, ~np.isnan(it) & ~np.isnan(ic))
    result = integrate(it, ic, count, method=method, start=start)
    return result.auclast, result.reason
