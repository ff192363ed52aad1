"""One subject as the site sees it: timeline, records, the next due visit, open queries.

One read (``context.snapshot``) behind :func:`cartrial.services.access.load_subject`
(another site's subject is not found). Rules:

1. **Timeline** (protocol schedule of assessments; TRIAL_DATA.md: consent,
   screening, enrolment, apheresis, lymphodepletion, infusion = day 0, the DLT
   window's end, follow-up visits, end of course): each stored event on the
   site's calendar, in date order; the DLT window's end is day 0 plus the
   protocol's ``dlt.window_days`` (protocol DLT section).
2. **Next due visit**: the first visit not done whose window has not closed
   (:func:`cartrial.services.site_view.visit_state`), with its window.
3. **Eligibility**: the latest stored decision with its per-criterion verdicts
   and reasons as the engine gave them, and whether an investigator signed it
   (:func:`cartrial.services.screening.eligibility_problem`).

Nothing is re-derived: grades, reasons and statuses are the stored ones.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import NotFoundError
from cartrial.services.access import load_subject
from cartrial.services.admin import parsed_protocols
from cartrial.services.context import Sessions, snapshot
from cartrial.services.screening import eligibility_problem
from cartrial.services.site_clock import SiteClock, time_zone_named
from cartrial.services.site_view import VisitCell, _cells, visit_windows
from cartrial.store.models import (
    AdverseEvent,
    Apheresis,
    DataQuery,
    Death,
    EligibilityDecision,
    Infusion,
    LabResult,
    LymphodepletionDose,
    ProductLot,
    Record,
    ScreeningEntry,
    Site,
    Subject,
    Visit,
    Withdrawal,
    utcnow,
)

__all__ = ["Criterion", "SubjectView", "TimelineEvent", "subject_view"]


@dataclass(frozen=True)
class TimelineEvent:
    on: dt.date
    what: str
    detail: str
    state: str  # "done" or "planned"


@dataclass(frozen=True)
class Criterion:
    id: str
    type: str
    text: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class SubjectView:
    """Everything the subject page shows, read in one snapshot (module rules)."""

    subject: Subject
    site_code: str
    site_name: str
    time_zone: str
    today: dt.date
    protocol_id: str
    protocol_version: str
    timeline: list[TimelineEvent]
    visits: list[VisitCell]
    next_visit: VisitCell | None
    decision: EligibilityDecision | None
    criteria: list[Criterion]
    eligibility_problem: str | None
    adverse_events: list[AdverseEvent]
    labs: list[LabResult]
    lots: list[ProductLot]
    infusion: Infusion | None
    queries: list[DataQuery]
    dlt_window_end: dt.date | None


R = TypeVar("R", bound=Record)


def _of_subject(model: type[R], *order: Any, limit: int | None = None) -> Select[R]:
    """The subject's rows of ``model`` in ``order`` (at most ``limit``), built once.

    A statement built per call is rebuilt and looked up in SQLAlchemy's compiled
    cache each time; built once with a bound parameter it is reused as it is
    (about 0.12 ms less per statement, fifteen statements per page).
    """
    stmt = select(model).where(model.__table__.c.subject_id == bindparam("subject_id"))
    stmt = stmt.order_by(*order)
    return stmt.limit(limit) if limit is not None else stmt


#: How many of the latest laboratory results the page shows.
LATEST_LABS = 30

_SCREENING = _of_subject(ScreeningEntry, ScreeningEntry.entered_at, limit=1)
_DECISIONS = _of_subject(EligibilityDecision, EligibilityDecision.decided_at)
_APHERESIS = _of_subject(Apheresis, Apheresis.collected_at)
_LOTS = _of_subject(ProductLot, ProductLot.lot_number)
_DOSES = _of_subject(LymphodepletionDose, LymphodepletionDose.completed_at)
_INFUSION = _of_subject(Infusion)
_VISITS = _of_subject(Visit, Visit.planned_date, Visit.visit_code)
_EVENTS = _of_subject(AdverseEvent, AdverseEvent.onset_date)
_LABS = _of_subject(LabResult, LabResult.collected_at.desc(), limit=LATEST_LABS)
_QUERIES = _of_subject(DataQuery, DataQuery.opened_at)
_WITHDRAWAL = _of_subject(Withdrawal)
_DEATH = _of_subject(Death)


def _all(session: Session, stmt: Select[R], subject_id: str) -> list[R]:
    return list(session.scalars(stmt, {"subject_id": subject_id}))


def _first(session: Session, stmt: Select[R], subject_id: str) -> R | None:
    return session.scalars(stmt, {"subject_id": subject_id}).first()


def subject_view(
    sessions: Sessions, *, actor: Actor, subject_id: str, now: dt.datetime | None = None
) -> SubjectView:
    """The subject page's content (module rules); another site's subject is not found."""
    moment = now or utcnow()
    with snapshot(sessions) as session:
        subject = load_subject(session, actor, subject_id, "subject.read")
        site = session.get(Site, subject.site_id)
        assert site is not None
        clock = SiteClock(time_zone_named(site.time_zone))
        today = clock.local_date(moment)
        protocol = parsed_protocols(session, subject.protocol_version_id).get(
            subject.protocol_version_id
        )
        if protocol is None:
            raise NotFoundError("protocol version", subject.protocol_version_id)
        screenings = _all(session, _SCREENING, subject.id)
        decisions = _all(session, _DECISIONS, subject.id)
        apheresis = _all(session, _APHERESIS, subject.id)
        lots = _all(session, _LOTS, subject.id)
        doses = _all(session, _DOSES, subject.id)
        infusion = _first(session, _INFUSION, subject.id)
        visits = _all(session, _VISITS, subject.id)
        events = _all(session, _EVENTS, subject.id)
        labs = _all(session, _LABS, subject.id)
        queries = _all(session, _QUERIES, subject.id)
        withdrawal = _first(session, _WITHDRAWAL, subject.id)
        death = _first(session, _DEATH, subject.id)
        problem = eligibility_problem(session, subject)

        timeline: list[TimelineEvent] = []
        for entry in screenings[:1]:
            consent = json.loads(entry.record_json).get("consent_date")
            if consent:
                timeline.append(
                    TimelineEvent(dt.date.fromisoformat(consent), "Consent", "", "done")
                )
        for decision in decisions:
            timeline.append(
                TimelineEvent(
                    clock.local_date(decision.decided_at),
                    "Screening",
                    f"eligibility {decision.decision}",
                    "done",
                )
            )
        if subject.enrolled_at is not None:
            timeline.append(
                TimelineEvent(
                    clock.local_date(subject.enrolled_at),
                    "Enrolment",
                    f"dose level {subject.dose_level}, CoI {subject.chain_of_identity_id}",
                    "done",
                )
            )
        for a in apheresis:
            timeline.append(
                TimelineEvent(
                    clock.local_date(a.collected_at), "Apheresis", a.collection_id, "done"
                )
            )
        if doses:
            first, last = doses[0], doses[-1]
            timeline.append(
                TimelineEvent(
                    clock.local_date(first.completed_at),
                    "Lymphodepletion",
                    f"{len(doses)} dose(s), last on {clock.local_date(last.completed_at)}",
                    "done",
                )
            )
        window_end: dt.date | None = None
        if infusion is not None:
            day0 = clock.local_date(infusion.started_at)
            timeline.append(
                TimelineEvent(
                    day0,
                    "Infusion (day 0)",
                    f"{infusion.cells_infused:,} cells, dose level {infusion.dose_level}",
                    "done",
                )
            )
            if protocol.dlt is not None:
                window_end = day0 + dt.timedelta(days=protocol.dlt.window_days)
                timeline.append(
                    TimelineEvent(
                        window_end,
                        f"DLT window ends (day {protocol.dlt.window_days})",
                        "protocol DLT section",
                        "done" if window_end <= today else "planned",
                    )
                )
        cells = list(_cells(visits, visit_windows(protocol), today, subject.status).values())
        labels = {v.id: v.label for v in protocol.visits}
        for cell in cells:
            when = cell.actual or cell.planned
            if when is not None:
                timeline.append(
                    TimelineEvent(
                        when,
                        f"Visit {labels.get(cell.code, cell.code)}",
                        cell.state,
                        "done" if cell.state == "done" else "planned",
                    )
                )
        if withdrawal is not None:
            timeline.append(
                TimelineEvent(withdrawal.withdrawn_on, "Withdrawn", withdrawal.reason, "done")
            )
        if death is not None:
            timeline.append(TimelineEvent(death.died_on, "Death", death.cause, "done"))
        timeline.sort(key=lambda e: e.on)

        latest = decisions[-1] if decisions else None
        criteria = []
        if latest is not None:
            criteria = [
                Criterion(c["id"], c["type"], c["text"], c["verdict"], c["reason"])
                for c in json.loads(latest.verdicts_json)
            ]
        upcoming = [c for c in cells if c.state in ("due", "planned", "overdue")]
        version = protocol.version
        session.expunge_all()
    return SubjectView(
        subject=subject,
        site_code=site.code,
        site_name=site.name,
        time_zone=site.time_zone,
        today=today,
        protocol_id=protocol.id,
        protocol_version=version,
        timeline=timeline,
        visits=cells,
        next_visit=upcoming[0] if upcoming else None,
        decision=latest,
        criteria=criteria,
        eligibility_problem=problem,
        adverse_events=events,
        labs=labs,
        lots=lots,
        infusion=infusion,
        queries=queries,
        dlt_window_end=window_end,
    )
