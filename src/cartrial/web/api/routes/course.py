"""The end of a subject's course: death and withdrawal (the subject's status moves with them)."""

from __future__ import annotations

from fastapi import APIRouter, status

from cartrial.services import followup, read
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.schemas import DeathIn, DeathOut, WithdrawalIn, WithdrawalOut

router = APIRouter(tags=["end of course"], route_class=ApiRoute)
CREATED = status.HTTP_201_CREATED


@router.post("/subjects/{subject_id}/death", response_model=DeathOut, status_code=CREATED)
def record_death(
    subject_id: str, body: DeathIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> DeathOut:
    """A death with its cause; the subject's status becomes ``died`` (409 when it cannot)."""
    death = followup.record_death(sessions, actor=actor, subject_id=subject_id, **body.model_dump())
    return DeathOut.model_validate(death)


@router.get("/subjects/{subject_id}/death", response_model=DeathOut)
def get_death(subject_id: str, sessions: SessionsDep, actor: CurrentActor) -> DeathOut:
    """The subject's recorded death; 404 when none is recorded."""
    return DeathOut.model_validate(read.get_death(sessions, actor=actor, subject_id=subject_id))


@router.post("/subjects/{subject_id}/withdrawal", response_model=WithdrawalOut, status_code=CREATED)
def withdraw(
    subject_id: str, body: WithdrawalIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> WithdrawalOut:
    """A withdrawal (by the subject, investigator or sponsor); status becomes ``withdrawn``."""
    row = followup.withdraw(sessions, actor=actor, subject_id=subject_id, **body.model_dump())
    return WithdrawalOut.model_validate(row)


@router.get("/subjects/{subject_id}/withdrawal", response_model=WithdrawalOut)
def get_withdrawal(subject_id: str, sessions: SessionsDep, actor: CurrentActor) -> WithdrawalOut:
    """The subject's recorded withdrawal; 404 when none is recorded."""
    row = read.get_withdrawal(sessions, actor=actor, subject_id=subject_id)
    return WithdrawalOut.model_validate(row)
