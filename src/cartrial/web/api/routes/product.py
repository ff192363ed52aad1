"""Chain of identity and custody: apheresis, lots, release, custody, lymphodepletion."""

from __future__ import annotations

from fastapi import APIRouter, status

from cartrial.services import product, treatment
from cartrial.web.api.deps import RequireSiteStaff, SessionsDep
from cartrial.web.api.schemas import (
    ApheresisIn,
    ApheresisOut,
    CustodyIn,
    CustodyOut,
    LotIn,
    LotOut,
    LymphodepletionIn,
    LymphodepletionOut,
    ReleaseIn,
)

router = APIRouter(tags=["product and treatment"])
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
