"""``/subjects``: list, read, screen, sign eligibility, enrol, record a status change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cartrial.services import enrolment, followup, read, screening
from cartrial.vocabulary import STATUSES
from cartrial.web.api.deps import CurrentActor, RequireInvestigator, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import (
    EnrolIn,
    Page,
    PasswordIn,
    ScreenIn,
    ScreenOut,
    StatusIn,
    SubjectOut,
)

router = APIRouter(prefix="/subjects", tags=["subjects"], route_class=ApiRoute)


@router.get("", response_model=Page[SubjectOut])
def list_subjects(
    sessions: SessionsDep,
    actor: CurrentActor,
    status_: Annotated[
        str | None, Query(alias="status", pattern="^(" + "|".join(STATUSES) + ")$")
    ] = None,
    code: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SubjectOut]:
    """Subjects you may see (your site's, or all for sponsor-wide roles), paged."""
    items, total = read.list_subjects(
        sessions, actor=actor, status=status_, code=code, limit=limit, offset=offset
    )
    return page_of(SubjectOut, items, total, limit, offset)


@router.get("/{subject_id}", response_model=SubjectOut)
def get_subject(subject_id: str, sessions: SessionsDep, actor: CurrentActor) -> SubjectOut:
    """One subject; another site's subject is not found (404)."""
    return SubjectOut.model_validate(read.get_subject(sessions, actor=actor, subject_id=subject_id))


@router.post("/screen", response_model=ScreenOut, status_code=status.HTTP_201_CREATED)
def screen(body: ScreenIn, sessions: SessionsDep, actor: RequireSiteStaff) -> ScreenOut:
    """Store a screening record and the eligibility decision with its reason."""
    subject, decision = screening.screen(
        sessions,
        actor=actor,
        site_id=body.site_id,
        protocol_version_id=body.protocol_version_id,
        record=body.record,
    )
    return ScreenOut(
        subject=SubjectOut.model_validate(subject),
        decision=decision.decision,
        reason=decision.reason,
    )


@router.post("/{subject_id}/eligibility/sign", response_model=SubjectOut)
def sign_eligibility(
    subject_id: str, body: PasswordIn, sessions: SessionsDep, actor: RequireInvestigator
) -> SubjectOut:
    """The investigator signs "I confirm this subject's eligibility" (password re-entered)."""
    screening.sign_eligibility(sessions, actor=actor, subject_id=subject_id, password=body.password)
    return SubjectOut.model_validate(read.get_subject(sessions, actor=actor, subject_id=subject_id))


@router.post("/{subject_id}/enrol", response_model=SubjectOut)
def enrol(
    subject_id: str, body: EnrolIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> SubjectOut:
    """Enrol at the assigned dose level; refused on hold, unsigned eligibility or wait."""
    subject = enrolment.enrol(
        sessions, actor=actor, subject_id=subject_id, weight_kg=body.weight_kg
    )
    return SubjectOut.model_validate(subject)


@router.post("/{subject_id}/status", response_model=SubjectOut)
def record_status(
    subject_id: str, body: StatusIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> SubjectOut:
    """A screen failure, entry into follow-up or completion, with its reason (audited)."""
    subject = followup.advance_status(
        sessions, actor=actor, subject_id=subject_id, status=body.status, reason=body.reason
    )
    return SubjectOut.model_validate(subject)
