"""Actual visit dates: on time, late inside the window, outside it, or missed.

Each planned visit of the protocol (``protocol.visits``: study day from the
infusion, window before and after, ICH E6(R2) 4.5 protocol deviations) is
attended on its day, later inside its window, later outside it (1-7 days past
the window's end), or missed, with the probabilities given (defaults:
:data:`DEFAULT_PROBABILITIES`, illustrative). A visit without a window is on
time or missed (a late one is outside its zero-day window).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np

from cartrial.protocol.model import Protocol

__all__ = ["DEFAULT_PROBABILITIES", "VisitDate", "visit_dates"]

Timing = Literal["on_time", "late_in_window", "out_of_window", "missed"]
DEFAULT_PROBABILITIES: dict[Timing, float] = {
    "on_time": 0.85,
    "late_in_window": 0.10,
    "out_of_window": 0.03,
    "missed": 0.02,
}


@dataclass(frozen=True)
class VisitDate:
    """One planned visit and when it happened (``actual_date`` None: missed)."""

    visit_id: str
    planned_date: dt.date
    actual_date: dt.date | None
    timing: Timing


def visit_dates(
    protocol: Protocol,
    day0: dt.date,
    rng: np.random.Generator,
    *,
    probabilities: Mapping[Timing, float] = DEFAULT_PROBABILITIES,
    from_day: int = 0,
    until_day: float = float("inf"),
) -> list[VisitDate]:
    """Visits planned from ``from_day`` to before ``until_day`` (e.g. death), with dates."""
    names: list[Timing] = ["on_time", "late_in_window", "out_of_window", "missed"]
    p = np.array([probabilities.get(n, 0.0) for n in names], dtype=np.float64)
    if p.sum() <= 0 or (p < 0).any():
        raise ValueError("visit probabilities must be >= 0 with a positive sum")
    p = p / p.sum()
    out = []
    for visit in protocol.visits:
        if visit.day < from_day or visit.day >= until_day:
            continue
        planned = day0 + dt.timedelta(days=visit.day)
        timing: Timing = names[int(rng.choice(4, p=p))]
        if timing == "late_in_window" and visit.window_after_days == 0:
            timing = "out_of_window"
        if timing == "on_time":
            actual: dt.date | None = planned
        elif timing == "late_in_window":
            actual = planned + dt.timedelta(days=int(rng.integers(1, visit.window_after_days + 1)))
        elif timing == "out_of_window":
            actual = planned + dt.timedelta(days=visit.window_after_days + int(rng.integers(1, 8)))
        else:
            actual = None
        out.append(VisitDate(visit.id, planned, actual, timing))
    return out
