"""Timing variables: ISO 8601 text, study days and epochs, vectorised over a frame.

- ``--DTC`` (SDTMIG 3.4 section 4.4.1; ISO 8601): with the precision collected.
  A stored instant (UTC) is shown as the site's wall-clock time (the site's IANA
  zone, :mod:`cartrial.services.site_clock`), to the minute, with seconds only
  when they were recorded; a stored calendar date is ``YYYY-MM-DD``.
- ``--DY`` (SDTMIG 3.4 section 4.4.4): the date part of ``--DTC`` minus the date
  of ``RFSTDTC``, plus one when on or after it; there is no day 0. RFSTDTC is the
  CAR-T infusion, so the protocol's "day 0" is study day 1 and day -5 stays -5.
- ``EPOCH`` (SDTMIG 3.4 section 4.1.3.1, the TE/TA elements built in
  :mod:`cartrial.cdisc.sdtm.trial_design`): SCREENING before the first
  lymphodepleting dose (the whole participation of a subject never treated),
  LYMPHODEPLETION from it to the day before the infusion, TREATMENT from the
  infusion day to the end of the protocol's DLT window (protocol ``dlt.window_days``,
  28 days when not stated), FOLLOW-UP after. A date-only observation is placed
  by its date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "epochs",
    "iso_date",
    "iso_datetime",
    "study_days",
    "to_dates",
    "to_local",
]


def to_local(instants: pd.Series, zones: pd.Series) -> pd.Series:
    """UTC instants as naive wall-clock times of each row's IANA zone."""
    utc = pd.to_datetime(instants, utc=True)
    out = pd.Series(pd.NaT, index=instants.index, dtype="datetime64[ns]")
    for zone in pd.unique(zones.dropna()):
        rows = zones == zone
        out.loc[rows] = (
            utc[rows].dt.tz_convert(str(zone)).dt.tz_localize(None).astype("datetime64[ns]")
        )
    return out


def to_dates(values: pd.Series) -> pd.Series:
    """Stored calendar dates (or ISO text) as midnight datetimes (NaT when missing)."""
    return pd.to_datetime(values, errors="coerce").astype("datetime64[ns]")


def iso_datetime(local: pd.Series) -> pd.Series:
    """ISO 8601 ``YYYY-MM-DDThh:mm`` (``:ss`` only when recorded); None when missing."""
    t = pd.to_datetime(local)
    minutes = t.dt.strftime("%Y-%m-%dT%H:%M")
    seconds = t.dt.strftime("%Y-%m-%dT%H:%M:%S")
    text = pd.Series(np.where(t.dt.second.fillna(0) > 0, seconds, minutes), index=local.index)
    return text.where(t.notna(), None).astype(object)


def iso_date(dates: pd.Series) -> pd.Series:
    """ISO 8601 ``YYYY-MM-DD``; None when missing."""
    t = pd.to_datetime(dates)
    return t.dt.strftime("%Y-%m-%d").where(t.notna(), None).astype(object)


def study_days(when: pd.Series, reference: pd.Series) -> pd.Series:
    """SDTMIG 4.4.4 study day of ``when`` against the RFSTDTC ``reference`` (no day 0).

    >>> ref = pd.Series(pd.to_datetime(["2026-03-24 12:00"] * 3))
    >>> study_days(pd.Series(pd.to_datetime(["2026-03-24", "2026-03-19", "2026-03-31"])), ref)
    0     1
    1    -5
    2     8
    dtype: Int64
    """
    days = (pd.to_datetime(when).dt.normalize() - pd.to_datetime(reference).dt.normalize()).dt.days
    days = days.astype("Int64")
    return days.where(days < 0, days + 1)


def epochs(
    when: pd.Series,
    *,
    ld_start: pd.Series,
    infusion: pd.Series,
    window_days: int,
) -> pd.Series:
    """The EPOCH of each date (module doc); None when the date is missing."""
    day = pd.to_datetime(when).dt.normalize()
    ld = pd.to_datetime(ld_start).dt.normalize()
    inf = pd.to_datetime(infusion).dt.normalize()
    end = inf + pd.Timedelta(days=window_days)
    out = pd.Series("SCREENING", index=when.index, dtype=object)
    out[ld.notna() & (day >= ld)] = "LYMPHODEPLETION"
    out[inf.notna() & (day >= inf)] = "TREATMENT"
    out[inf.notna() & (day > end)] = "FOLLOW-UP"
    return out.where(day.notna(), None)
