"""The seam between the store's UTC instants and the site's clock the clinical engines count on.

The store keeps every time in UTC. The clinical engines count calendar days of
the site's clock: day 0 is the local calendar day of the infusion (protocol
schedule of assessments; ``cartrial.dosing.calendar``), a 28-day DLT window
counts local days (protocol DLT section, ``cartrial.safety.dlt``), ASTCT 2019
CRS/ICANS grades are the worst of each local day (Lee et al. 2019,
``cartrial.safety.astct``), and they read naive site-clock times
(``cartrial.safety.inputs.Timestamp``). So every service that hands a time to
an engine, or takes a date from a stored instant, goes through a
:class:`SiteClock`:

- :meth:`SiteClock.local`: a stored instant as the site's naive wall-clock time;
- :meth:`SiteClock.local_date`: the site's calendar date of an instant;
- :meth:`SiteClock.to_utc`: a naive site-clock time (CRS/ICANS observations are
  entered that way) as the UTC instant to store.

An interval between two instants (the infusion's 72 h after lymphodepletion) is
real elapsed time, not wall-clock time: :func:`elapsed_hours` measures it in
UTC, so a daylight-saving change in between does not add or remove an hour.

>>> clock = SiteClock(time_zone_named("Asia/Shanghai"))
>>> at = dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.UTC)
>>> clock.local(at), clock.local_date(at)
(datetime.datetime(2026, 3, 10, 1, 30), datetime.date(2026, 3, 10))
>>> clock.to_utc(dt.datetime(2026, 3, 10, 1, 30))
datetime.datetime(2026, 3, 9, 17, 30, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from cartrial.errors import InputError, NotFoundError
from cartrial.store.models import Site, Subject

__all__ = ["SiteClock", "clock_of", "elapsed_hours", "time_zone_named"]

_EXPECTED_ZONE = "an IANA time zone such as Asia/Shanghai"

#: Names in the tz database's folder that are not a place's clock: the server's
#: own zone (``localtime``, on Debian), the "-00" placeholder and a legacy link.
_NOT_A_SITE_CLOCK = frozenset({"localtime", "Factory", "posixrules"})


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - _NOT_A_SITE_CLOCK


def time_zone_named(name: str, *, field: str = "time_zone") -> zoneinfo.ZoneInfo:
    """The IANA time zone ``name`` (exact spelling); anything else is an :class:`InputError`.

    >>> time_zone_named("Europe/Paris").key
    'Europe/Paris'
    >>> time_zone_named("Mars/Olympus")
    Traceback (most recent call last):
    ...
    cartrial.errors.InputError: field 'time_zone': got 'Mars/Olympus', expected an IANA time zone such as Asia/Shanghai
    """  # noqa: E501
    if name not in _zone_names():
        raise InputError(field, name, _EXPECTED_ZONE)
    return zoneinfo.ZoneInfo(name)


def _utc(moment: dt.datetime, field: str) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InputError(field, moment.isoformat(), "a time with a UTC offset")
    return moment.astimezone(dt.UTC)


def elapsed_hours(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Real hours from ``start`` to ``end`` (both with an offset), measured in UTC.

    Python subtracts two times of the same ``ZoneInfo`` on the wall clock, so
    both are turned into UTC first: in Paris, 10:00 on 27 March 2026 to 10:00 on
    30 March 2026 spans the change to summer time and is 71 h, not 72 h.

    >>> paris = time_zone_named("Europe/Paris")
    >>> elapsed_hours(dt.datetime(2026, 3, 27, 10, tzinfo=paris),
    ...               dt.datetime(2026, 3, 30, 10, tzinfo=paris))
    Decimal('71')
    """
    seconds = (_utc(end, "end") - _utc(start, "start")).total_seconds()
    return Decimal(seconds) / 3600


@dataclass(frozen=True)
class SiteClock:
    """The wall clock of one site (an IANA zone); see the module doc."""

    zone: zoneinfo.ZoneInfo

    def local(self, moment: dt.datetime, *, field: str = "time") -> dt.datetime:
        """The instant ``moment`` (with an offset) as the site's naive wall-clock time."""
        return _utc(moment, field).astimezone(self.zone).replace(tzinfo=None)

    def local_date(self, moment: dt.datetime, *, field: str = "time") -> dt.date:
        """The site's calendar date of the instant ``moment``."""
        return self.local(moment, field=field).date()

    def to_utc(self, local: dt.datetime, *, field: str = "time") -> dt.datetime:
        """The UTC instant of the naive site-clock time ``local``.

        A time the clock skips (the hour lost when summer time starts) is
        refused; a time it shows twice (the hour repeated when summer time
        ends) is taken at its first occurrence (``fold=0``).
        """
        if local.tzinfo is not None:
            raise InputError(
                field, local.isoformat(), f"a time on the site's clock ({self.zone.key})"
            )
        instant = local.replace(tzinfo=self.zone, fold=0).astimezone(dt.UTC)
        if instant.astimezone(self.zone).replace(tzinfo=None) != local:
            raise InputError(
                field,
                local.isoformat(),
                f"a time that exists on the clock of {self.zone.key} "
                "(this one falls in the hour skipped when summer time starts)",
            )
        return instant


def clock_of(session: Session, subject: Subject) -> SiteClock:
    """The clock of the subject's site."""
    site = session.get(Site, subject.site_id)
    if site is None:
        raise NotFoundError("site", subject.site_id)
    return SiteClock(time_zone_named(site.time_zone, field="site.time_zone"))
