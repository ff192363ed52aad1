"""Helpers shared by the renderers: reading a latent row and placing a study day in time."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = [
    "PatientRow",
    "decimal_places",
    "local_time",
    "num",
    "study_instant",
    "text",
    "whole",
]

#: One patient's latent truth as plain values (``VirtualPatients.row(i)``).
PatientRow = Mapping[str, object]


def num(row: PatientRow, key: str) -> float:
    """A numeric latent field as ``float`` (``inf`` stays ``inf``, ``nan`` stays ``nan``)."""
    value = row[key]
    if not isinstance(value, int | float):
        raise TypeError(f"latent field {key!r} is {value!r}, not a number")
    return float(value)


def whole(row: PatientRow, key: str) -> int:
    """An integer latent field (grades, counts)."""
    value = num(row, key)
    if not math.isfinite(value):
        raise ValueError(f"latent field {key!r} is {value}, not a whole number")
    return int(value)


def text(row: PatientRow, key: str) -> str:
    """A text latent field (``""`` when absent or ``None``)."""
    value = row.get(key)
    return "" if value is None else str(value)


def decimal_places(value: float, places: int) -> Decimal:
    """``value`` rounded half-even to ``places`` decimals, as a laboratory prints it."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN)


def local_time(
    infusion: dt.datetime, day: int, hour: int, minute: int = 0, *, site_tz: dt.tzinfo = dt.UTC
) -> dt.datetime:
    """Naive site wall-clock time of ``hour:minute`` on study day ``day``.

    Day 0 is the site's local calendar day of the infusion (the convention of
    :mod:`cartrial.services.site_clock`, which the engines count days by).
    """
    if infusion.tzinfo is None:
        raise ValueError("the infusion time must be aware (UTC)")
    day0 = infusion.astimezone(site_tz).date()
    return dt.datetime.combine(day0 + dt.timedelta(days=day), dt.time(hour, minute))


def study_instant(
    infusion: dt.datetime, day: int, hour: int, minute: int = 0, *, site_tz: dt.tzinfo = dt.UTC
) -> dt.datetime:
    """The aware UTC instant of ``hour:minute`` site time on study day ``day``."""
    naive = local_time(infusion, day, hour, minute, site_tz=site_tz)
    return naive.replace(tzinfo=site_tz).astimezone(dt.UTC)
