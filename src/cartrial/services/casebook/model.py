"""The casebook as read from the store: forms, records, signatures, audit history.

Plain frozen values, built by :mod:`cartrial.services.casebook.assemble` and
rendered by :mod:`cartrial.report.casebook` (HTML) or the API (JSON). Nothing
here is derived: values are the stored text (:func:`cartrial.store.audit.canonical_text`,
times ISO 8601 UTC with ``Z``), signature statuses are the store's
(:func:`cartrial.store.signatures.signature_status`). For people, every time is
shown on the site's clock with its zone and the UTC time beside it
(:func:`format_site_time`; the store keeps UTC, the site works on its own clock:
:mod:`cartrial.services.site_clock`).

- 21 CFR 11.50: a signature's manifestation names the printed name, the date
  and time of signing and its meaning (:attr:`SignatureView.manifestation`);
- EU GMP Annex 11 section 8.2: a printout shows whether data changed since the
  original entry (:attr:`CaseRecord.change_note`, :attr:`FieldValue.first_value`);
- 21 CFR 11.10(e): each record carries every audit entry about it (:class:`AuditLine`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from cartrial.dates import parse_stored_datetime
from cartrial.services.site_clock import SiteClock, time_zone_named

__all__ = [
    "AuditLine",
    "CaseForm",
    "CaseRecord",
    "Casebook",
    "CriterionLine",
    "FieldValue",
    "SignatureView",
    "format_site_time",
    "format_utc",
]


def format_utc(moment: dt.datetime) -> str:
    """A time as people read it on a printout, always in UTC.

    >>> plus_one = dt.timezone(dt.timedelta(hours=1))
    >>> format_utc(dt.datetime(2026, 2, 20, 15, 5, 9, 123456, tzinfo=plus_one))
    '2026-02-20 14:05:09 UTC'
    """
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return f"{aware.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC"


#: Zone names that are UTC itself: the time is shown once.
_UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


def format_site_time(moment: dt.datetime | str, time_zone: str) -> str:
    """A time on the site's clock with the zone's name, the UTC time beside it.

    ``moment`` is an aware time or the store's text (ISO 8601, ``Z``). On a site
    whose clock is UTC the time is shown once.

    >>> at = dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.UTC)
    >>> format_site_time(at, "Asia/Shanghai")
    '2026-03-10 01:30:00 Asia/Shanghai (2026-03-09 17:30:00 UTC)'
    >>> format_site_time("2026-07-01T08:00:00.000000Z", "Europe/Paris")
    '2026-07-01 10:00:00 Europe/Paris (2026-07-01 08:00:00 UTC)'
    >>> format_site_time(at, "UTC")
    '2026-03-09 17:30:00 UTC'
    """
    if isinstance(moment, str):  # older versions wrote years before 1000 unpadded
        moment = parse_stored_datetime(moment)
    utc = format_utc(moment)
    if time_zone in _UTC_NAMES:
        return utc
    local = SiteClock(time_zone_named(time_zone)).local(moment)
    return f"{local:%Y-%m-%d %H:%M:%S} {time_zone} ({utc})"


@dataclass(frozen=True)
class SignatureView:
    """One stored signature and whether it still covers its record (21 CFR 11.50, 11.70).

    ``status`` is ``valid`` or the store's reason, e.g. ``invalidated: the record
    changed after signing (signed version 1, now 2)``.
    """

    id: str
    table_name: str
    record_id: str
    record_title: str
    printed_name: str
    role: str
    meaning: str
    statement: str
    signed_at: dt.datetime
    signed_version: int
    current_version: int | None
    content_sha256: str
    is_valid: bool
    status: str
    time_zone: str = "UTC"

    @property
    def manifestation(self) -> str:
        """``Signed by <printed name> (<role>) on <site time> (<UTC time>): <meaning statement>``.

        The time is on the clock of the subject's site (``time_zone``), UTC beside it.
        """
        return (
            f"Signed by {self.printed_name} ({self.role}) on "
            f"{format_site_time(self.signed_at, self.time_zone)}: {self.statement}"
        )


@dataclass(frozen=True)
class AuditLine:
    """One audit entry about a record, as stored (``user_name``: the account's printed name)."""

    seq: int
    at: dt.datetime
    username: str | None
    user_name: str | None
    role: str | None
    action: str
    table_name: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


@dataclass(frozen=True)
class FieldValue:
    """A field's stored value.

    ``is_changed``: a value entered was replaced later, ``first_value`` is the one
    first entered; ``is_entered_later``: the field was empty when the record was
    created and filled afterwards (a visit's actual date, a derived grade);
    ``is_instant``: the column holds a UTC time (shown on the site's clock too).
    """

    name: str
    value: str | None
    is_changed: bool = False
    first_value: str | None = None
    is_entered_later: bool = False
    is_instant: bool = False


@dataclass(frozen=True)
class CriterionLine:
    """One eligibility criterion's stored verdict and reason."""

    id: str
    type: str
    text: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class CaseRecord:
    """A stored record with its signatures, audit history and the records that hang off it."""

    table_name: str
    record_id: str
    title: str
    version: int
    fields: tuple[FieldValue, ...]
    signatures: tuple[SignatureView, ...]
    history: tuple[AuditLine, ...]
    verdicts: tuple[CriterionLine, ...] = ()
    children: tuple[CaseRecord, ...] = ()

    @property
    def changed_fields(self) -> tuple[str, ...]:
        """Fields whose entered value was replaced later (filling an empty one is no change)."""
        return tuple(f.name for f in self.fields if f.is_changed)

    @property
    def is_changed(self) -> bool:
        return bool(self.changed_fields)

    @property
    def change_note(self) -> str:
        """Annex 11 section 8.2: whether any of the data changed since the original entry."""
        note = "unchanged since first entry"
        if self.is_changed:
            note = "changed since first entry: " + ", ".join(self.changed_fields)
        later = [f.name for f in self.fields if f.is_entered_later and not f.is_changed]
        if later:
            note += "; entered after the record was created: " + ", ".join(later)
        return note

    def walk(self) -> Iterator[CaseRecord]:
        """This record, then its children, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class CaseForm:
    """One form of the casebook (screening, infusion, adverse events, ...)."""

    key: str
    title: str
    records: tuple[CaseRecord, ...]

    def walk(self) -> Iterator[CaseRecord]:
        for record in self.records:
            yield from record.walk()


@dataclass(frozen=True)
class Casebook:
    """A subject's complete record, read in one snapshot (21 CFR 11.10(b))."""

    subject_id: str
    subject_code: str
    subject_status: str
    site_code: str
    site_name: str
    time_zone: str
    protocol_id: str
    protocol_label: str
    protocol_sha256: str
    generated_at: dt.datetime
    generated_by: str
    generated_role: str | None
    audit_head_seq: int
    audit_head_sha256: str
    software: str
    forms: tuple[CaseForm, ...]

    def records(self) -> list[CaseRecord]:
        """Every record of every form, parents before their children."""
        return [r for form in self.forms for r in form.walk()]

    def signatures(self) -> list[SignatureView]:
        """Every signature on the subject's records, in form order."""
        return [s for r in self.records() for s in r.signatures]
