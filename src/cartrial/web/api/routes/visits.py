"""Visits: plan the protocol calendar from day 0, list, record the date a visit took place."""

from __future__ import annotations

from fastapi import APIRouter

from cartrial.services import followup, read
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import Page, VisitDateIn, VisitOut

router = APIRouter(tags=["visits"], route_class=ApiRoute)


@router.post("/subjects/{subject_id}/visits/plan", response_model=list[VisitOut])
def plan_visits(subject_id: str, sessions: SessionsDep, actor: RequireSiteStaff) -> list[VisitOut]:
    """Plan the protocol's visits not yet planned (day 0 = infusion); returns those added."""
    visits = followup.plan_visits(sessions, actor=actor, subject_id=subject_id)
    return [VisitOut.model_validate(v) for v in visits]


@router.get("/subjects/{subject_id}/visits", response_model=Page[VisitOut])
def list_visits(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[VisitOut]:
    """A subject's visits by planned date, with the actual dates entered."""
    items, total = read.list_visits(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(VisitOut, items, total, limit, offset)


@router.patch("/visits/{visit_id}", response_model=VisitOut)
def record_visit_date(
    visit_id: str, body: VisitDateIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> VisitOut:
    """The date the visit took place; correcting a date already entered needs ``reason``.

    ``expected_version`` is the version read: a visit changed since is a 409 naming
    the date stored and the date sent.
    """
    visit = followup.record_visit_date(
        sessions,
        actor=actor,
        visit_id=visit_id,
        expected_version=body.expected_version,
        actual_date=body.actual_date,
        reason=body.reason,
    )
    return VisitOut.model_validate(visit)
