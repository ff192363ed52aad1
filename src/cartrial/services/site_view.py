"""What a site's staff see first: the subjects, their visits' state, open queries, DLT windows.

One read (``context.snapshot``), scoped like every read
(:mod:`cartrial.services.access`: a site's actor sees its own subjects, a
sponsor-wide actor every site's). Rules:

1. **Visit state** (protocol schedule of assessments: each visit has a target
   study day and a window ``window_before_days`` / ``window_after_days``;
   :func:`cartrial.dosing.calendar.compute_calendar` gives the same dates):
   ``done`` when its actual date is entered; otherwise, on the site's calendar
   date today, ``planned`` before the window opens, ``due`` inside it,
   ``overdue`` after it closes, and ``missed`` once the subject's course has
   ended (completed, withdrawn, died: no visit is expected any more). REDCap's
   record status dashboard colours a form incomplete / unverified / complete;
   these states add the protocol's window.
2. **DLT window end**: the protocol's DLT window (``protocol.dlt.window_days``,
   protocol DLT section) counted in local calendar days from day 0, the site's
   date of the infusion (:mod:`cartrial.services.site_clock`), listed for
   subjects still inside it.
3. **Dates for people** are the site's calendar dates, with its IANA zone named.

Pure reads: nothing is derived that an engine derives; grades and statuses are
the stored ones.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.protocol.model import Protocol
from cartrial.services.access import authorize, load_subject
from cartrial.services.admin import parsed_protocols
from cartrial.services.context import Sessions, snapshot
from cartrial.services.site_clock import SiteClock, time_zone_named
from cartrial.store.audit import CHAIN_HEAD
from cartrial.store.models import (
    DataQuery,
    Infusion,
    Site,
    Subject,
    Visit,
    utcnow,
)
from cartrial.vocabulary import STATUSES

__all__ = [
    "ENDED",
    "VISIT_STATES",
    "Dashboard",
    "DltWindow",
    "OpenQuery",
    "SubjectAtSite",
    "SubjectRow",
    "VisitCell",
    "audit_head",
    "audit_head_on",
    "dashboard",
    "query_worklist",
    "subject_at_site",
    "visit_state",
]

#: The states of a visit cell, in the legend's order (module rule 1).
VISIT_STATES = ("planned", "due", "overdue", "done", "missed")
#: Subject statuses after which no visit is expected any more.
ENDED = frozenset({"completed", "withdrawn", "died", "screen_failed"})


@dataclass(frozen=True)
class VisitCell:
    """One visit of one subject: its window on the site's calendar and its state."""

    id: str
    code: str
    planned: dt.date | None
    earliest: dt.date | None
    latest: dt.date | None
    actual: dt.date | None
    state: str
    version: int

    @property
    def window(self) -> str:
        """The window as people read it: ``2026-03-13 to 2026-03-15``."""
        if self.earliest is None or self.latest is None:
            return "no planned date"
        if self.earliest == self.latest:
            return f"{self.earliest.isoformat()}"
        return f"{self.earliest.isoformat()} to {self.latest.isoformat()}"


@dataclass(frozen=True)
class SubjectRow:
    id: str
    code: str
    site_code: str
    time_zone: str
    status: str
    dose_level: int | None
    visits: dict[str, VisitCell]


@dataclass(frozen=True)
class OpenQuery:
    id: str
    subject_id: str
    subject_code: str
    table_name: str
    record_id: str
    field: str
    text: str
    status: str
    answer: str | None
    opened_on: dt.date
    time_zone: str


@dataclass(frozen=True)
class DltWindow:
    subject_id: str
    subject_code: str
    dose_level: int | None
    infused_on: dt.date
    ends_on: dt.date
    days_left: int
    time_zone: str


@dataclass(frozen=True)
class Dashboard:
    """The site dashboard: every field read in one snapshot (module rules)."""

    scope: str
    time_zones: tuple[str, ...]
    today: dict[str, dt.date]
    subjects: list[SubjectRow]
    visit_codes: list[tuple[str, str]]
    by_status: dict[str, int]
    queries: list[OpenQuery]
    dlt_windows: list[DltWindow]
    state_counts: dict[str, int] = field(default_factory=dict)


def visit_state(
    *,
    actual: dt.date | None,
    earliest: dt.date | None,
    latest: dt.date | None,
    today: dt.date,
    subject_status: str,
) -> str:
    """The state of one visit on the site's date ``today`` (module rule 1).

    >>> d = dt.date
    >>> visit_state(actual=None, earliest=d(2026, 3, 13), latest=d(2026, 3, 15),
    ...             today=d(2026, 3, 12), subject_status="infused")
    'planned'
    >>> visit_state(actual=None, earliest=d(2026, 3, 13), latest=d(2026, 3, 15),
    ...             today=d(2026, 3, 15), subject_status="infused")
    'due'
    >>> visit_state(actual=None, earliest=d(2026, 3, 13), latest=d(2026, 3, 15),
    ...             today=d(2026, 3, 16), subject_status="follow_up")
    'overdue'
    >>> visit_state(actual=None, earliest=d(2026, 3, 13), latest=d(2026, 3, 15),
    ...             today=d(2026, 3, 1), subject_status="withdrawn")
    'missed'
    >>> visit_state(actual=d(2026, 3, 14), earliest=d(2026, 3, 13), latest=d(2026, 3, 15),
    ...             today=d(2026, 3, 16), subject_status="withdrawn")
    'done'
    """
    if actual is not None:
        return "done"
    if subject_status in ENDED:
        return "missed"
    if earliest is None or latest is None or today < earliest:
        return "planned"
    if today <= latest:
        return "due"
    return "missed" if subject_status in ENDED else "overdue"


class _VisitRow(typing.Protocol):
    """A stored visit's columns (an ORM ``Visit`` or a row of its columns)."""

    @property
    def id(self) -> str: ...
    @property
    def visit_code(self) -> str: ...
    @property
    def planned_date(self) -> dt.date | None: ...
    @property
    def actual_date(self) -> dt.date | None: ...
    @property
    def version(self) -> int: ...


def visit_windows(protocol: Protocol) -> dict[str, tuple[int, int]]:
    """Each protocol visit's window: (days before, days after) its target day."""
    return {v.id: (v.window_before_days, v.window_after_days) for v in protocol.visits}


def _cells(
    visits: Sequence[_VisitRow],
    windows: dict[str, tuple[int, int]],
    today: dt.date,
    status: str,
) -> dict[str, VisitCell]:
    cells: dict[str, VisitCell] = {}
    for visit in visits:
        before, after = windows.get(visit.visit_code, (0, 0))
        planned = visit.planned_date
        earliest = planned - dt.timedelta(days=before) if planned else None
        latest = planned + dt.timedelta(days=after) if planned else None
        state = visit_state(
            actual=visit.actual_date,
            earliest=earliest,
            latest=latest,
            today=today,
            subject_status=status,
        )
        cells[visit.visit_code] = VisitCell(
            visit.id,
            visit.visit_code,
            planned,
            earliest,
            latest,
            visit.actual_date,
            state,
            visit.version,
        )
    return cells


def dashboard(sessions: Sessions, *, actor: Actor, now: dt.datetime | None = None) -> Dashboard:
    """The dashboard of the actor's site (every site for a sponsor-wide role), as of ``now``."""
    authorize(actor, "subject.read")
    moment = now or utcnow()
    with snapshot(sessions) as session:
        site_stmt = select(Site)
        subject_stmt = select(Subject).order_by(Subject.code, Subject.id)
        if actor.site_id is not None:
            site_stmt = site_stmt.where(Site.id == actor.site_id)
            subject_stmt = subject_stmt.where(Subject.site_id == actor.site_id)
        sites = {s.id: s for s in session.scalars(site_stmt)}
        clocks = {i: SiteClock(time_zone_named(s.time_zone)) for i, s in sites.items()}
        today = {i: c.local_date(moment) for i, c in clocks.items()}
        subjects = list(session.scalars(subject_stmt))
        ids = {s.id for s in subjects}
        visit_stmt = select(
            Visit.id,
            Visit.subject_id,
            Visit.visit_code,
            Visit.planned_date,
            Visit.actual_date,
            Visit.version,
        ).order_by(Visit.planned_date, Visit.visit_code)
        infusion_stmt = select(Infusion.subject_id, Infusion.started_at)
        if actor.site_id is not None:
            visit_stmt = visit_stmt.join(Subject, Subject.id == Visit.subject_id).where(
                Subject.site_id == actor.site_id
            )
            infusion_stmt = infusion_stmt.join(Subject, Subject.id == Infusion.subject_id).where(
                Subject.site_id == actor.site_id
            )
        visits: dict[str, list[Any]] = defaultdict(list)
        for visit in session.execute(visit_stmt):
            if visit.subject_id in ids:
                visits[visit.subject_id].append(visit)
        infusions = {i.subject_id: i for i in session.execute(infusion_stmt)}
        protocols = parsed_protocols(session)
        windows_of = {i: visit_windows(p) for i, p in protocols.items()}

        rows: list[SubjectRow] = []
        codes: dict[str, tuple[int, str]] = {}
        windows: list[DltWindow] = []
        for subject in subjects:
            protocol = protocols[subject.protocol_version_id]
            for v in protocol.visits:
                codes.setdefault(v.id, (v.day, v.label))
            site = sites[subject.site_id]
            day = today[subject.site_id]
            cells = _cells(
                visits[subject.id], windows_of[subject.protocol_version_id], day, subject.status
            )
            rows.append(
                SubjectRow(
                    subject.id,
                    subject.code,
                    site.code,
                    site.time_zone,
                    subject.status,
                    subject.dose_level,
                    cells,
                )
            )
            infusion = infusions.get(subject.id)
            if infusion is not None and protocol.dlt is not None and subject.status not in ENDED:
                day0 = clocks[subject.site_id].local_date(infusion.started_at)
                ends = day0 + dt.timedelta(days=protocol.dlt.window_days)
                if ends >= day:
                    windows.append(
                        DltWindow(
                            subject.id,
                            subject.code,
                            subject.dose_level,
                            day0,
                            ends,
                            (ends - day).days,
                            site.time_zone,
                        )
                    )
        queries = _queries(session, actor, open_only=True)
    counts = Counter(s.status for s in subjects)
    states = Counter(c.state for r in rows for c in r.visits.values())
    scope = ", ".join(f"{s.code} ({s.name})" for s in sites.values()) or "no site"
    return Dashboard(
        scope=scope if actor.site_id is not None else "every site",
        time_zones=tuple(sorted({s.time_zone for s in sites.values()})),
        today={sites[i].code: d for i, d in today.items()},
        subjects=rows,
        visit_codes=[(c, label) for c, (_day, label) in sorted(codes.items(), key=lambda x: x[1])],
        by_status={s: counts[s] for s in STATUSES if counts[s]},
        queries=queries,
        dlt_windows=sorted(windows, key=lambda w: (w.ends_on, w.subject_code)),
        state_counts={s: states[s] for s in VISIT_STATES},
    )


@dataclass(frozen=True)
class SubjectAtSite:
    """A subject with its site's code and clock, for a form that takes site-clock times."""

    id: str
    code: str
    status: str
    dose_level: int | None
    chain_of_identity_id: str | None
    site_code: str
    time_zone: str

    @property
    def clock(self) -> SiteClock:
        return SiteClock(time_zone_named(self.time_zone))


def subject_at_site(sessions: Sessions, *, actor: Actor, subject_id: str) -> SubjectAtSite:
    """The subject (if in the actor's scope; else not found) with its site's clock."""
    with sessions() as session:
        subject = load_subject(session, actor, subject_id, "subject.read")
        site = session.get(Site, subject.site_id)
        assert site is not None
        return SubjectAtSite(
            subject.id,
            subject.code,
            subject.status,
            subject.dose_level,
            subject.chain_of_identity_id,
            site.code,
            site.time_zone,
        )


def _queries(session: Session, actor: Actor, *, open_only: bool) -> list[OpenQuery]:
    stmt = (
        select(DataQuery, Subject.code, Site.time_zone)
        .join(Subject, Subject.id == DataQuery.subject_id)
        .join(Site, Site.id == Subject.site_id)
        .order_by(DataQuery.opened_at, DataQuery.id)
    )
    if actor.site_id is not None:
        stmt = stmt.where(Subject.site_id == actor.site_id)
    if open_only:
        stmt = stmt.where(DataQuery.status != "closed")
    out = []
    for q, code, zone in session.execute(stmt):
        clock = SiteClock(time_zone_named(zone))
        out.append(
            OpenQuery(
                q.id,
                q.subject_id,
                code,
                q.table_name,
                q.record_id,
                q.field,
                q.text,
                q.status,
                q.answer,
                clock.local_date(q.opened_at),
                zone,
            )
        )
    return out


def query_worklist(sessions: Sessions, *, actor: Actor, open_only: bool = True) -> list[OpenQuery]:
    """The queries on the subjects the actor may see, oldest first (a site's worklist).

    ``open_only``: those not yet closed (open or answered), else every one.
    """
    authorize(actor, "subject.read")
    with snapshot(sessions) as session:
        return _queries(session, actor, open_only=open_only)


def audit_head(sessions: Sessions) -> int:
    """The sequence number of the audit trail's latest entry (0 when empty).

    Every change to a trial record writes an entry (:mod:`cartrial.store.audit`), so
    a page built from the records at head ``n`` is current while the head is ``n``:
    the web app keeps the rendered dashboard and subject page until it moves.
    """
    with sessions() as session:
        return audit_head_on(session.connection())


def audit_head_on(connection: Connection) -> int:
    """:func:`audit_head` on an open connection (one SELECT)."""
    row = connection.execute(CHAIN_HEAD).first()
    return int(row[0]) if row else 0
