"""Plausible dates by kind: the documented range a date of each kind must fall in.

A date outside its range is a typing error or a placeholder (``9999-12-31``, ``0013-01-22``),
never clinical data: it is refused at entry with the range in the message, before a
calendar computed from it overflows or a stored value breaks an export.

- ``birth``: 1900-01-01 to 2100-12-31 (no living participant was born earlier);
- ``history``: 1900-01-01 to 2100-12-31 (medical history within a participant's life:
  prior therapies and malignancies, cardiac events, surgery, vaccines, medications
  started before the trial);
- ``clinical``: 2000-01-01 to 2100-12-31 (consent, lymphodepletion, infusion, visits,
  samples, events: CAR-T trials in solid tumours began after 2000, Guo et al. 2025);
- ``audit``: 2020-01-01 to 2100-12-31 (system times written by cartrial).

The Annotated types (:data:`BirthDate`, :data:`HistoryDate`, :data:`ClinicalDate`,
:data:`ClinicalMoment`) carry the check into pydantic models, so that a request or a
screening record with an implausible date is refused naming the field, the value and the
range.

Earlier versions accepted any year from 1 and wrote times of years before 1000 with an
unpadded year (``13-01-22T13:18:46.000000Z``, from ``strftime("%Y")`` on glibc).
:func:`parse_stored_datetime` and :func:`parse_stored_date` read those as well as ISO 8601,
so that everything the system ever stored can still be read back (an export imported,
a casebook drawn).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator

from cartrial.errors import InputError

__all__ = [
    "DATE_RANGES",
    "BirthDate",
    "ClinicalDate",
    "ClinicalMoment",
    "DateKind",
    "HistoryDate",
    "check_date",
    "in_range",
    "parse_stored_date",
    "parse_stored_datetime",
]

_D = TypeVar("_D", bound=dt.date)

DateKind = Literal["birth", "history", "clinical", "audit"]

DATE_RANGES: dict[DateKind, tuple[dt.date, dt.date]] = {
    "birth": (dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    "history": (dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
    "clinical": (dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
    "audit": (dt.date(2020, 1, 1), dt.date(2100, 12, 31)),
}


def _expected(kind: DateKind) -> str:
    low, high = DATE_RANGES[kind]
    return f"a {kind} date from {low} to {high}"


def check_date(value: dt.date, kind: DateKind, *, field: str) -> dt.date:
    """``value`` if it lies in its kind's range, else an error naming the field and the range.

    A time is checked by its calendar date in its own offset.

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
        raise InputError(field, day.isoformat(), _expected(kind))
    return value


def in_range(kind: DateKind) -> AfterValidator:
    """A pydantic validator: the date (or the date of a time) lies in ``kind``'s range."""

    def check(value: _D) -> _D:
        day = value.date() if isinstance(value, dt.datetime) else value
        low, high = DATE_RANGES[kind]
        if not low <= day <= high:
            raise ValueError(_expected(kind))  # pydantic names the field and the value
        return value

    return AfterValidator(check)


#: A date of birth (``birth`` range).
BirthDate = Annotated[dt.date, in_range("birth")]
#: A date of medical history before the trial (``history`` range).
HistoryDate = Annotated[dt.date, in_range("history")]
#: A date of the trial: consent, visits, events, assessments (``clinical`` range).
ClinicalDate = Annotated[dt.date, in_range("clinical")]
#: A time of the trial (sample, dose, infusion...), checked by its date (``clinical`` range).
ClinicalMoment = Annotated[dt.datetime, in_range("clinical")]

_SHORT_YEAR = re.compile(r"^(\d{1,3})(?=-\d\d-\d\d)")


def _pad_year(text: str) -> str:
    return _SHORT_YEAR.sub(lambda m: m.group(1).zfill(4), text.strip(), count=1)


def parse_stored_datetime(text: str) -> dt.datetime:
    """A stored time: ISO 8601 (``Z`` or an offset), or the unpadded year of older versions.

    >>> parse_stored_datetime("2026-03-01T08:00:00.000000Z")
    datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.timezone.utc)
    >>> parse_stored_datetime("13-01-22T13:18:46.000000Z").isoformat()
    '0013-01-22T13:18:46+00:00'
    """
    return dt.datetime.fromisoformat(_pad_year(text).replace("Z", "+00:00"))


def parse_stored_date(text: str) -> dt.date:
    """A stored date: ISO 8601 ``YYYY-MM-DD``, or the unpadded year of older versions.

    >>> parse_stored_date("13-01-22")
    datetime.date(13, 1, 22)
    """
    return dt.date.fromisoformat(_pad_year(text))
