"""Clinical data: adverse events, labs, the infusion and its dry run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cartrial.services import followup, interlocks, read, safety, treatment
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import (
    AdverseEventIn,
    AdverseEventOut,
    AdverseEventPatch,
    InfusionCheckOut,
    InfusionIn,
    InfusionOut,
    LabIn,
    LabOut,
    Moment,
    Page,
)

router = APIRouter(tags=["clinical data"], route_class=ApiRoute)


@router.get("/subjects/{subject_id}/adverse-events", response_model=Page[AdverseEventOut])
def list_adverse_events(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AdverseEventOut]:
    """A subject's AEs by onset date."""
    items, total = read.list_adverse_events(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(AdverseEventOut, items, total, limit, offset)


@router.post(
    "/subjects/{subject_id}/adverse-events",
    response_model=AdverseEventOut,
    status_code=status.HTTP_201_CREATED,
)
def record_adverse_event(
    subject_id: str, body: AdverseEventIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> AdverseEventOut:
    """Record an AE as reported."""
    event = safety.record_adverse_event(
        sessions, actor=actor, subject_id=subject_id, **body.model_dump()
    )
    return AdverseEventOut.model_validate(event)


@router.patch("/adverse-events/{ae_id}", response_model=AdverseEventOut)
def update_adverse_event(
    ae_id: str, body: AdverseEventPatch, sessions: SessionsDep, actor: RequireSiteStaff
) -> AdverseEventOut:
    """Change AE fields; a stale ``expected_version`` is a 409 naming both values."""
    changes = body.model_dump(exclude_unset=True, exclude={"expected_version", "reason"})
    event = safety.update_adverse_event(
        sessions,
        actor=actor,
        ae_id=ae_id,
        expected_version=body.expected_version,
        changes=changes,
        reason=body.reason,
    )
    return AdverseEventOut.model_validate(event)


@router.get("/subjects/{subject_id}/labs", response_model=Page[LabOut])
def list_labs(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    test: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[LabOut]:
    """A subject's lab values, optionally one test."""
    items, total = read.list_labs(
        sessions, actor=actor, subject_id=subject_id, test=test, limit=limit, offset=offset
    )
    return page_of(LabOut, items, total, limit, offset)


@router.post(
    "/subjects/{subject_id}/labs", response_model=LabOut, status_code=status.HTTP_201_CREATED
)
def record_lab(
    subject_id: str, body: LabIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> LabOut:
    """Record one lab value."""
    lab = followup.record_lab(sessions, actor=actor, subject_id=subject_id, **body.model_dump())
    return LabOut.model_validate(lab)


@router.post(
    "/subjects/{subject_id}/infusion",
    response_model=InfusionOut,
    status_code=status.HTTP_201_CREATED,
)
def record_infusion(
    subject_id: str, body: InfusionIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> InfusionOut:
    """Record the infusion; every failed interlock is listed in a 409."""
    infusion = treatment.record_infusion(
        sessions, actor=actor, subject_id=subject_id, **body.model_dump()
    )
    return InfusionOut.model_validate(infusion)


@router.get("/subjects/{subject_id}/infusion", response_model=InfusionOut)
def get_infusion(subject_id: str, sessions: SessionsDep, actor: CurrentActor) -> InfusionOut:
    """The subject's infusion; 404 before it is given."""
    return InfusionOut.model_validate(
        read.get_infusion(sessions, actor=actor, subject_id=subject_id)
    )


@router.get("/subjects/{subject_id}/infusion-check", response_model=InfusionCheckOut)
def check_infusion(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    lot_id: Annotated[str | None, Query(min_length=1, max_length=36)] = None,
    cells: Annotated[int | None, Query(gt=0, lt=10**13)] = None,
    scanned: Annotated[
        str | None, Query(min_length=1, max_length=20, description="CoI id read at the bedside")
    ] = None,
    at: Annotated[
        Moment | None, Query(description="when the infusion would start (default: now)")
    ] = None,
) -> InfusionCheckOut:
    """Dry run: every infusion interlock with its state and reason; writes nothing."""
    result = interlocks.dry_run(
        sessions,
        actor=actor,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=scanned,
        cells_infused=cells,
        at=at,
    )
    return InfusionCheckOut.model_validate(result.as_json())
