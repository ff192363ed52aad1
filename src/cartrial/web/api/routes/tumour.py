"""Tumour assessments: lesions as measured, RECIST 1.1 time-point responses derived."""

from __future__ import annotations

from fastapi import APIRouter, status

from cartrial.services import read, tumour
from cartrial.services.read import AssessmentWithLesions
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset
from cartrial.web.api.schemas import LesionOut, Page, TumourAssessmentIn, TumourAssessmentOut

router = APIRouter(tags=["tumour assessments"], route_class=ApiRoute)


def _render(found: AssessmentWithLesions) -> TumourAssessmentOut:
    assessment, lesions = found
    out = TumourAssessmentOut.model_validate(assessment)
    out.lesions = [LesionOut.model_validate(m) for m in lesions]
    return out


@router.post(
    "/subjects/{subject_id}/tumour-assessments",
    response_model=TumourAssessmentOut,
    status_code=status.HTTP_201_CREATED,
)
def record_tumour_assessment(
    subject_id: str, body: TumourAssessmentIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> TumourAssessmentOut:
    """An imaging time point with its lesions; every follow-up response is re-derived."""
    assessment = tumour.record_tumour_assessment(
        sessions,
        actor=actor,
        subject_id=subject_id,
        assessed_on=body.assessed_on,
        method=body.method,
        lesions=[tumour.LesionInput(**lesion.model_dump()) for lesion in body.lesions],
    )
    return _render(read.get_tumour_assessment(sessions, actor=actor, assessment_id=assessment.id))


@router.get("/subjects/{subject_id}/tumour-assessments", response_model=Page[TumourAssessmentOut])
def list_tumour_assessments(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[TumourAssessmentOut]:
    """A subject's assessments by date, each with its lesions and derived response."""
    items, total = read.list_tumour_assessments(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return Page[TumourAssessmentOut](
        items=[_render(x) for x in items], total=total, limit=limit, offset=offset
    )


@router.get("/tumour-assessments/{assessment_id}", response_model=TumourAssessmentOut)
def get_tumour_assessment(
    assessment_id: str, sessions: SessionsDep, actor: CurrentActor
) -> TumourAssessmentOut:
    """One assessment with its lesions; another site's is not found (404)."""
    return _render(read.get_tumour_assessment(sessions, actor=actor, assessment_id=assessment_id))
