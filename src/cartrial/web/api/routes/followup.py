"""Follow-up data: vital signs, samples and assay results, concomitant medications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cartrial.services import followup, read
from cartrial.vocabulary import ASSAYS
from cartrial.web.api.deps import CurrentActor, RequireSiteStaff, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import (
    AssayResultIn,
    AssayResultOut,
    ConMedIn,
    ConMedOut,
    Page,
    SampleIn,
    SampleOut,
    VitalSignIn,
    VitalSignOut,
)

router = APIRouter(tags=["follow-up"], route_class=ApiRoute)
CREATED = status.HTTP_201_CREATED


@router.get("/subjects/{subject_id}/vital-signs", response_model=Page[VitalSignOut])
def list_vital_signs(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    test: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[VitalSignOut]:
    """A subject's vital signs by measurement time, optionally one test."""
    items, total = read.list_vital_signs(
        sessions, actor=actor, subject_id=subject_id, test=test, limit=limit, offset=offset
    )
    return page_of(VitalSignOut, items, total, limit, offset)


@router.post("/subjects/{subject_id}/vital-signs", response_model=VitalSignOut, status_code=CREATED)
def record_vital_sign(
    subject_id: str, body: VitalSignIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> VitalSignOut:
    """One vital sign with its unit as measured."""
    vital = followup.record_vital(sessions, actor=actor, subject_id=subject_id, **body.model_dump())
    return VitalSignOut.model_validate(vital)


@router.get("/subjects/{subject_id}/samples", response_model=Page[SampleOut])
def list_samples(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    analyte: Annotated[str | None, Query(pattern="^(" + "|".join(ASSAYS) + ")$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SampleOut]:
    """A subject's samples by collection time, optionally one analyte."""
    items, total = read.list_samples(
        sessions, actor=actor, subject_id=subject_id, analyte=analyte, limit=limit, offset=offset
    )
    return page_of(SampleOut, items, total, limit, offset)


@router.post("/subjects/{subject_id}/samples", response_model=SampleOut, status_code=CREATED)
def record_sample(
    subject_id: str, body: SampleIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> SampleOut:
    """A sample drawn for CAR copies (qPCR), CAR-T cells (flow), cytokines or ADA."""
    sample = followup.record_sample(
        sessions, actor=actor, subject_id=subject_id, **body.model_dump()
    )
    return SampleOut.model_validate(sample)


@router.post("/samples/{sample_id}/results", response_model=AssayResultOut, status_code=CREATED)
def record_assay_result(
    sample_id: str, body: AssayResultIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> AssayResultOut:
    """A result on a stored sample: a value with its unit (and LLOQ), or a text result."""
    result = followup.record_assay_result(
        sessions, actor=actor, sample_id=sample_id, **body.model_dump()
    )
    return AssayResultOut.model_validate(result)


@router.get("/subjects/{subject_id}/assay-results", response_model=Page[AssayResultOut])
def list_assay_results(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    sample_id: Annotated[str | None, Query(max_length=36)] = None,
    test: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AssayResultOut]:
    """A subject's assay results by sample collection time, optionally one sample or test."""
    items, total = read.list_assay_results(
        sessions,
        actor=actor,
        subject_id=subject_id,
        sample_id=sample_id,
        test=test,
        limit=limit,
        offset=offset,
    )
    return page_of(AssayResultOut, items, total, limit, offset)


@router.get("/subjects/{subject_id}/con-meds", response_model=Page[ConMedOut])
def list_con_meds(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[ConMedOut]:
    """A subject's concomitant medications by start date."""
    items, total = read.list_con_meds(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(ConMedOut, items, total, limit, offset)


@router.post("/subjects/{subject_id}/con-meds", response_model=ConMedOut, status_code=CREATED)
def record_con_med(
    subject_id: str, body: ConMedIn, sessions: SessionsDep, actor: RequireSiteStaff
) -> ConMedOut:
    """A concomitant medication, linked to the subject's AE it treats when there is one."""
    med = followup.record_con_med(sessions, actor=actor, subject_id=subject_id, **body.model_dump())
    return ConMedOut.model_validate(med)
