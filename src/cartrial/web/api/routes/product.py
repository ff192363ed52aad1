"""Chain of identity and custody: apheresis, lots, release, custody, lymphodepletion."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cartrial.services import product, read, treatment
from cartrial.vocabulary import LOT_STATUSES
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import (
    ApheresisIn,
    ApheresisOut,
    CustodyIn,
    CustodyOut,
    LotIn,
    LotOut,
    LymphodepletionIn,
    LymphodepletionOut,
    Page,
    ReleaseIn,
)

router = APIRouter(tags=["product and treatment"], route_class=ApiRoute)
CREATED = status.HTTP_201_CREATED


@router.post("/subjects/{subject_id}/apheresis", response_model=ApheresisOut, status_code=CREATED)
def record_apheresis(
    subject_id: str, body: ApheresisIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> ApheresisOut:
    """A collection labelled with the subject's chain-of-identity id (checked)."""
    row = product.record_apheresis(
        sessions, actor=actor, subject_id=subject_id, **body.model_dump()
    )
    return ApheresisOut.model_validate(row)


@router.post("/apheresis/{apheresis_id}/lots", response_model=LotOut, status_code=CREATED)
def register_lot(
    apheresis_id: str, body: LotIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> LotOut:
    """A lot entering manufacturing from one collection."""
    lot = product.register_lot(
        sessions, actor=actor, apheresis_id=apheresis_id, lot_number=body.lot_number
    )
    return LotOut.model_validate(lot)


@router.post("/lots/{lot_id}/release", response_model=LotOut)
def release_lot(
    lot_id: str, body: ReleaseIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> LotOut:
    """Quality release or rejection, with the viable CAR+ cells available."""
    lot = product.release_lot(sessions, actor=actor, lot_id=lot_id, **body.model_dump())
    return LotOut.model_validate(lot)


@router.post("/lots/{lot_id}/custody", response_model=CustodyOut, status_code=CREATED)
def record_custody(
    lot_id: str, body: CustodyIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> CustodyOut:
    """One custody hand-off: from whom to whom, when, where, condition."""
    event = product.record_custody(sessions, actor=actor, lot_id=lot_id, **body.model_dump())
    return CustodyOut.model_validate(event)


@router.post(
    "/subjects/{subject_id}/lymphodepletion",
    response_model=LymphodepletionOut,
    status_code=CREATED,
)
def record_lymphodepletion(
    subject_id: str, body: LymphodepletionIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> LymphodepletionOut:
    """One lymphodepleting dose given."""
    dose = treatment.record_lymphodepletion_dose(
        sessions, actor=actor, subject_id=subject_id, **body.model_dump()
    )
    return LymphodepletionOut.model_validate(dose)


@router.get("/subjects/{subject_id}/apheresis", response_model=Page[ApheresisOut])
def list_apheresis(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ApheresisOut]:
    """A subject's collections by collection time."""
    items, total = read.list_apheresis(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(ApheresisOut, items, total, limit, offset)


@router.get("/subjects/{subject_id}/lots", response_model=Page[LotOut])
def list_lots(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(" + "|".join(LOT_STATUSES) + ")$")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[LotOut]:
    """A subject's product lots by lot number, optionally one release status."""
    items, total = read.list_lots(
        sessions, actor=actor, subject_id=subject_id, status=status_, limit=limit, offset=offset
    )
    return page_of(LotOut, items, total, limit, offset)


@router.get("/lots/{lot_id}/custody", response_model=Page[CustodyOut])
def list_custody(
    lot_id: str, sessions: SessionsDep, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> Page[CustodyOut]:
    """A lot's custody hand-offs in time order."""
    items, total = read.list_custody(
        sessions, actor=actor, lot_id=lot_id, limit=limit, offset=offset
    )
    return page_of(CustodyOut, items, total, limit, offset)


@router.get("/subjects/{subject_id}/lymphodepletion", response_model=Page[LymphodepletionOut])
def list_lymphodepletion(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[LymphodepletionOut]:
    """A subject's lymphodepletion doses by time given."""
    items, total = read.list_lymphodepletion(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(LymphodepletionOut, items, total, limit, offset)
