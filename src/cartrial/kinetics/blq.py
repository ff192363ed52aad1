"""Interval selection and BLQ handling, as PKNCA does it before every calculation.

Rules (PKNCA ``clean.conc.na``, ``clean.conc.blq`` and ``impute = "start_conc0"``;
PKNCA vignette "Data Cleaning in PKNCA"):

1. Missing values are dropped (``conc.na = "drop"``).
2. Only samples with ``start <= time <= end`` belong to an interval.
3. Optionally (``impute_start_conc0``), concentration 0 is added at ``start``
   when no sample lies there.
4. A BLQ sample (concentration 0) is *first* when at or before the first
   quantifiable sample (every BLQ sample of an all-BLQ profile is *first*),
   *middle* when strictly between the first and the last quantifiable samples,
   *last* when at or after the last quantifiable sample; each position is kept
   (as 0) or dropped by its rule. The positions are judged within the interval.

>>> import numpy as np
>>> from cartrial.kinetics.settings import BlqRules
>>> t = np.array([[0.0, 1, 2, 3, 4]])
>>> c = np.array([[0.0, 5, 0, 2, 0]])
>>> tt, cc, n = clean_blq(t, c, BlqRules())
>>> tt[0, : n[0]].tolist(), cc[0, : n[0]].tolist()
([0.0, 1.0, 3.0, 4.0], [0.0, 5.0, 2.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from cartrial.kinetics.profiles import BoolArray, FloatArray, IntArray, compact
from cartrial.kinetics.settings import BlqRules

__all__ = ["clean_blq", "first_last_quantified", "select_interval"]


def select_interval(
    time: FloatArray,
    conc: FloatArray,
    *,
    start: float,
    end: float,
    impute_start_conc0: bool = False,
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Keep the non-missing samples in ``[start, end]`` (rules 1-3), left-aligned.

    The result has at least one column (all NaN when no profile has a sample).
    """
    if time.shape[1] == 0:
        time = np.full((time.shape[0], 1), np.nan)
        conc = np.full((conc.shape[0], 1), np.nan)
    with np.errstate(invalid="ignore"):
        keep = ~np.isnan(time) & ~np.isnan(conc) & (time >= start) & (time <= end)
    t, c, n = compact(time, conc, keep)
    if impute_start_conc0:
        need = ~(t[:, 0] == start)
        t0 = np.where(need, start, np.nan)[:, None]
        c0 = np.where(need, 0.0, np.nan)[:, None]
        t = np.hstack([t0, t])
        c = np.hstack([c0, c])
        t, c, n = compact(t, c, ~np.isnan(t))
    return t, c, n


def first_last_quantified(conc: FloatArray) -> tuple[IntArray, IntArray, BoolArray]:
    """Column of the first and last quantifiable (> 0) value per row, and whether any exists.

    Rows without a quantifiable value get first = last = -1.
    """
    with np.errstate(invalid="ignore"):
        positive = conc > 0
    has_any: BoolArray = np.asarray(positive.any(axis=1), dtype=np.bool_)
    width = conc.shape[1]
    first = np.where(has_any, np.argmax(positive, axis=1), -1).astype(np.int64)
    last = np.where(has_any, width - 1 - np.argmax(positive[:, ::-1], axis=1), -1).astype(np.int64)
    return first, last, has_any


def clean_blq(
    time: FloatArray, conc: FloatArray, rules: BlqRules
) -> tuple[FloatArray, FloatArray, IntArray]:
    """Apply the BLQ rules (rule 4) to left-aligned interval data; returns left-aligned data."""
    width = conc.shape[1]
    valid = ~np.isnan(conc)
    with np.errstate(invalid="ignore"):
        blq = valid & (conc == 0)
    first, last, has_any = first_last_quantified(conc)
    col = np.arange(width)[None, :]
    # all-BLQ rows: every sample is "first" (PKNCA sets tfirst to the last time)
    first_eff = np.where(has_any, first, width)[:, None]
    last_eff = np.where(has_any, last, width + 1)[:, None]
    is_first = col <= first_eff
    is_middle = (col > first_eff) & (col < last_eff)
    is_last = col >= last_eff
    drop = np.zeros_like(blq)
    if rules.first == "drop":
        drop |= is_first
    if rules.middle == "drop":
        drop |= is_middle
    if rules.last == "drop":
        drop |= is_last
    return compact(time, conc, valid & ~(blq & drop))
