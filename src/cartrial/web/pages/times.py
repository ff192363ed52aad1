"""Times typed on a form: the site's wall clock, the zone named beside the input.

An ``<input type="datetime-local">`` gives a time without offset; it is read on
the subject's site clock (:meth:`cartrial.services.site_clock.SiteClock.to_utc`,
which refuses a time the clock skips) and stored in UTC, as the services expect.
"""

from __future__ import annotations

import datetime as dt

from cartrial.errors import InputError
from cartrial.services.site_clock import SiteClock

__all__ = ["local_input", "parse_local"]


def parse_local(raw: str, clock: SiteClock, *, field: str) -> dt.datetime:
    """``raw`` (``YYYY-MM-DDTHH:MM``) on the site's clock as a UTC instant."""
    try:
        naive = dt.datetime.fromisoformat(raw.strip())
    except ValueError:
        raise InputError(field, raw, "a date and time such as 2026-03-06T10:00") from None
    if naive.tzinfo is not None:
        raise InputError(field, raw, f"a time on the site's clock ({clock.zone.key}), no offset")
    return clock.to_utc(naive, field=field)


def local_input(moment: dt.datetime, clock: SiteClock) -> str:
    """An instant as the value of a ``datetime-local`` input on the site's clock."""
    return clock.local(moment).strftime("%Y-%m-%dT%H:%M")
