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
    t = pd.to_datetime(local).to_numpy(dtype="datetime64[s]")
    minutes = np.datetime_as_string(t, unit="m")
    seconds = np.datetime_as_string(t, unit="s")
    has_seconds = (t - t.astype("datetime64[m]")).astype(int) != 0
    text = np.where(has_seconds, seconds, minutes).astype(object)
    text[np.isnat(t)] = None
    return pd.Series(text, index=local.index, dtype=object)


def iso_date(dates: pd.Series) -> pd.Series:
    """ISO 8601 ``YYYY-MM-DD``; None when missing."""
    t = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    text = np.datetime_as_string(t, unit="D").astype(object)
    text[np.isnat(t)] = None
    return pd.Series(text, index=dates.index, dtype=object)


def study_days(when: pd.Series, reference: pd.Series) -> pd.Series:
    """SDTMIG 4.4.4 study day of ``when`` against the RFSTDTC ``reference`` (no day 0).

    >>> ref = pd.Series(pd.to_datetime(["2026-03-24 12:00"] * 3))
    >>> study_days(pd.Series(pd.to_datetime(["2026-03-24", "2026-03-19", "2026-03-31"])), ref)
    0     1
    1    -5
    2     8
    dtype: Int64
    """
    diff = (_days(when) - _days(reference)).astype("timedelta64[D]")
    known = ~np.isnat(diff)
    n = diff.astype("int64")
    n = np.where(n >= 0, n + 1, n)
    return pd.Series(pd.array(np.where(known, n, 0), dtype="Int64"), index=when.index).where(known)


def epochs(
    when: pd.Series,
    *,
    ld_start: pd.Series,
    infusion: pd.Series,
    window_days: int,
    consent: pd.Series | None = None,
) -> pd.Series:
    """The EPOCH of each date (module doc); None when the date is missing or before
    ``consent`` (a pre-study record, e.g. a prior therapy, belongs to no epoch)."""
    day = _days(when)
    ld = _days(ld_start)
    inf = _days(infusion)
    end = inf + np.timedelta64(window_days, "D")
    out = np.full(len(day), "SCREENING", dtype=object)
    out[~np.isnat(ld) & (day >= ld)] = "LYMPHODEPLETION"
    out[~np.isnat(inf) & (day >= inf)] = "TREATMENT"
    out[~np.isnat(inf) & (day > end)] = "FOLLOW-UP"
    out[np.isnat(day)] = None
    if consent is not None:
        start = _days(consent)
        out[~np.isnat(start) & (day < start)] = None
    return pd.Series(out, index=when.index, dtype=object)


def _days(values: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values)
    return values.to_numpy(dtype="datetime64[D]")
