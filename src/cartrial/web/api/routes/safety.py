"""Safety oversight: CRS/ICANS observations, DLT adjudication, escalation decisions, holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cartrial.services import adjudication, read, safety, syndromes
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import (
    AdverseEventOut,
    DltIn,
    DltOut,
    EscalationIn,
    EscalationOut,
    HoldIn,
    HoldOut,
    ObservationIn,
    ObservationOut,
    Page,
    ReasonIn,
)

router = APIRouter(tags=["safety oversight"], route_class=ApiRoute)
CREATED = status.HTTP_201_CREATED


@router.post("/adverse-events/{ae_id}/observations", response_model=AdverseEventOut)
def record_observation(
    ae_id: str, body: ObservationIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> AdverseEventOut:
    """Add a CRS observation or ICANS assessment; the AE is re-graded (ASTCT 2019)."""
    event = syndromes.record_syndrome_observation(
        sessions, actor=actor, ae_id=ae_id, payload=body.observation
    )
    return AdverseEventOut.model_validate(event)


@router.post("/subjects/{subject_id}/dlt-adjudications", response_model=DltOut, status_code=CREATED)
def adjudicate_dlt(
    subject_id: str, body: DltIn, sessions: SessionsDep, actor: CurrentActor
) -> DltOut:
    """Run the DLT engine on the subject's stored data and sign the result."""
    row = adjudication.adjudicate_dlt(
        sessions, actor=actor, subject_id=subject_id, password=body.password, as_of=body.as_of
    )
    return DltOut.model_validate(row)


@router.post("/escalation-decisions", response_model=EscalationOut, status_code=CREATED)
def record_escalation_decision(
    body: EscalationIn, sessions: SessionsDep, actor: CurrentActor
) -> EscalationOut:
    """The safety committee approves an escalation decision (signed); stop holds enrolment."""
    outcome = safety.EscalationOutcome(
        current_level=body.current_level,
        action=body.action,
        next_level=body.next_level,
        reason=body.reason,
        engine_version=body.engine_version,
    )
    row = safety.record_escalation_decision(
        sessions, actor=actor, protocol_id=body.protocol_id, outcome=outcome, password=body.password
    )
    return EscalationOut.model_validate(row)


@router.post("/holds", response_model=HoldOut, status_code=CREATED)
def place_hold(body: HoldIn, sessions: SessionsDep, actor: CurrentActor) -> HoldOut:
    """Hold enrolment and infusion for a protocol."""
    return HoldOut.model_validate(
        safety.place_hold(sessions, actor=actor, protocol_id=body.protocol_id, reason=body.reason)
    )


@router.post("/holds/{hold_id}/lift", response_model=HoldOut)
def lift_hold(hold_id: str, body: ReasonIn, sessions: SessionsDep, actor: CurrentActor) -> HoldOut:
    """Lift a hold; the hold stays on record with the time it was lifted."""
    return HoldOut.model_validate(
        safety.lift_hold(sessions, actor=actor, hold_id=hold_id, reason=body.reason)
    )


@router.get("/adverse-events/{ae_id}/observations", response_model=Page[ObservationOut])
def list_observations(
    ae_id: str, sessions: SessionsDep, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> Page[ObservationOut]:
    """An AE's CRS observations or ICANS assessments in time order, as the engine read them."""
    items, total = read.list_ae_observations(
        sessions, actor=actor, ae_id=ae_id, limit=limit, offset=offset
    )
    return page_of(ObservationOut, items, total, limit, offset)


@router.get("/subjects/{subject_id}/dlt-adjudications", response_model=Page[DltOut])
def list_dlt_adjudications(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DltOut]:
    """A subject's signed DLT adjudications, oldest first."""
    items, total = read.list_dlt_adjudications(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(DltOut, items, total, limit, offset)


@router.get("/escalation-decisions", response_model=Page[EscalationOut])
def list_escalation_decisions(
    sessions: SessionsDep,
    actor: CurrentActor,
    protocol_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[EscalationOut]:
    """Signed escalation decisions (protocol-wide, every site reads them), oldest first."""
    items, total = read.list_escalation_decisions(
        sessions, actor=actor, protocol_id=protocol_id, limit=limit, offset=offset
    )
    return page_of(EscalationOut, items, total, limit, offset)


@router.get("/holds", response_model=Page[HoldOut])
def list_holds(
    sessions: SessionsDep,
    actor: CurrentActor,
    protocol_id: Annotated[str | None, Query(max_length=64)] = None,
    active: Annotated[bool | None, Query(description="true: in force; false: lifted")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[HoldOut]:
    """Enrolment holds, oldest first."""
    items, total = read.list_holds(
        sessions, actor=actor, protocol_id=protocol_id, active=active, limit=limit, offset=offset
    )
    return page_of(HoldOut, items, total, limit, offset)
