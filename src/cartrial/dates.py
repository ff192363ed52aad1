"""Plausible dates by kind: the documented range a date of each kind must fall in.

A date outside its range is a typing error or a placeholder (``9999-12-31``, ``0013-01-22``),
never clinical data: it is refused at entry with the range in the message, before a
calendar computed from it overflows or a stored value breaks an export.

- ``birth``: 1900-01-01 to 2100-12-31 (no living participant was born earlier);
- ``clinical``: 2000-01-01 to 2100-12-31 (consent, lymphodepletion, infusion, visits,
  samples, events: CAR-T trials in solid tumours began after 2000, Guo et al. 2025);
- ``audit``: 2020-01-01 to 2100-12-31 (system times written by cartrial).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from cartrial.errors import InputError

__all__ = ["DATE_RANGES", "DateKind", "check_date"]

DateKind = Literal["birth", "clinical", "audit"]

DATE_RANGES: dict[DateKind, tuple[dt.date, dt.date]] = {
    "birth": (dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    "clinical": (dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    "audit": (dt.date(2020, 1, 1), dt.date(2100, 12, 31)),
}


def check_date(value: dt.date, kind: DateKind, *, field: str) -> dt.date:
    """``value`` if it lies in its kind's range, else an error naming the field and the range.

    >>> check_date(dt.date(2026, 3, 2), "clinical", field="infusion_date")
    datetime.date(2026, 3, 2)
    >>> check_date(dt.date(9999, 12, 31), "clinical", field="infusion_date")
    Traceback (most recent call last):
    ...
    cartrial.errors.InputError: field 'infusion_date': got '9999-12-31', expected a clinical date from 2000-01-01 to 2100-12-31
    """  # noqa: E501
    day = value.date() if isinstance(value, dt.datetime) else value
    low, high = DATE_RANGES[kind]
    if not low <= day <= high:
        raise InputError(field, day.isoformat(), f"a {kind} date from {low} to {high}")
    return value
