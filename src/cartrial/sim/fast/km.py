"""Kaplan-Meier medians of many small groups at once (one per trial), vectorised.

The product-limit estimate (Kaplan & Meier, JASA 1958;53:457-481) as
:mod:`cartrial.survival.km` computes it with lifelines: at each event time
``S`` is multiplied by ``1 - d / n`` (``n`` at risk: times >= t). Processing
the patients one at a time in time order, events before censorings at a tied
time, gives the same curve at every distinct time, since
``prod_{j<d} (1 - 1/(n - j)) = (n - d) / n``. The median is the first time the
curve is <= 0.5 (Brookmeyer & Crowley 1982, R ``survfit``), ``inf`` when it is
never reached and ``nan`` for an empty group. A curve at exactly 0.5 counts as
<= 0.5 (a tolerance of 1e-9 absorbs the rounding of the running product).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["km_medians"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def km_medians(time: FloatArray, event: BoolArray, member: BoolArray) -> FloatArray:
    """Median of each row's Kaplan-Meier curve over the entries where ``member``.

    >>> t = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 0.0, 0.0]])
    >>> e = np.array([[True, True, False, True], [False, True, True, True]])
    >>> m = np.array([[True, True, True, True], [True, True, False, False]])
    >>> km_medians(t, e, m).tolist()  # S: 0.75, 0.5 at t=2; 1, 0 at t=6
    [2.0, 6.0]
    """
    t = np.where(member, time, np.inf)
    e = member & event
    order = np.lexsort((~e, t), axis=1)
    t_sorted = np.take_along_axis(t, order, axis=1)
    e_sorted = np.take_along_axis(e, order, axis=1)
    n = member.sum(axis=1)
    at_risk = n[:, None] - np.arange(t.shape[1])[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(e_sorted, 1.0 - 1.0 / np.maximum(at_risk, 1), 1.0)
    surv = np.cumprod(factor, axis=1)
    below = surv <= 0.5 + 1e-9  # the curve at exactly 0.5, computed with rounding error
    first = below.argmax(axis=1)
    rows = np.arange(t.shape[0])
    median = np.where(below.any(axis=1), t_sorted[rows, first], np.inf)
    return np.where(n > 0, median, np.nan)
