"""Read use cases with paging and filters, scoped to the actor's site.

Filters are bound parameters (never text pasted into SQL); an actor with a site
sees only that site's subjects and their records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.services.access import authorize, load_record_subject, load_subject
from cartrial.services.context import Sessions
from cartrial.store.models import (
    AdverseEvent,
    AeObservation,
    Apheresis,
    AssayResult,
    AuditEntry,
    ConMed,
    CustodyEvent,
    DataLock,
    DataQuery,
    Death,
    DltAdjudication,
    EnrolmentHold,
    EscalationDecision,
    Infusion,
    LabResult,
    LesionMeasurement,
    LymphodepletionDose,
    ProductLot,
    Record,
    Sample,
    Subject,
    TumourAssessment,
    Visit,
    VitalSign,
    Withdrawal,
)

__all__ = [
    "MAX_LIMIT",
    "AssessmentWithLesions",
    "get_death",
    "get_infusion",
    "get_subject",
    "get_tumour_assessment",
    "get_withdrawal",
    "list_adverse_events",
    "list_ae_observations",
    "list_apheresis",
    "list_assay_results",
    "list_audit",
    "list_con_meds",
    "list_custody",
    "list_data_locks",
    "list_dlt_adjudications",
    "list_escalation_decisions",
    "list_holds",
    "list_labs",
    "list_lots",
    "list_lymphodepletion",
    "list_queries",
    "list_samples",
    "list_subject_queries",
    "list_subjects",
    "list_tumour_assessments",
    "list_visits",
    "list_vital_signs",
]

MAX_LIMIT = 200
T = TypeVar("T")
R = TypeVar("R", bound=Record)
AssessmentWithLesions = tuple[TumourAssessment, list[LesionMeasurement]]


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError("limit", limit, f"1-{MAX_LIMIT}")
    if offset < 0:
        raise InputError("offset", offset, "0 or more")


def _page(sessions: Sessions, stmt: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = list(session.scalars(stmt.limit(limit).offset(offset)))
    return items, total


def list_subjects(
    sessions: Sessions,
    *,
    actor: Actor,
    status: str | None = None,
    code: str | None = None,
    site_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Subject], int]:
    """Subjects the actor may see, oldest first."""
    authorize(actor, "subject.read")
    _check_page(limit, offset)
    stmt = select(Subject).order_by(Subject.created_at, Subject.id)
    if actor.site_id is not None:
        stmt = stmt.where(Subject.site_id == actor.site_id)
    if site_id is not None:
        stmt = stmt.where(Subject.site_id == site_id)
    if status is not None:
        stmt = stmt.where(Subject.status == status)
    if code is not None:
        stmt = stmt.where(Subject.code == code)
    return _page(sessions, stmt, limit, offset)


def get_subject(sessions: Sessions, *, actor: Actor, subject_id: str) -> Subject:
    """One subject, if in the actor's scope (else not found)."""
    with sessions() as session:
        return load_subject(session, actor, subject_id, "subject.read")


def list_adverse_events(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[AdverseEvent], int]:
    """A subject's AEs by onset."""
    _check_page(limit, offset)
    get_subject(sessions, actor=actor, subject_id=subject_id)
    stmt = (
        select(AdverseEvent)
        .where(AdverseEvent.subject_id == subject_id)
        .order_by(AdverseEvent.onset_date, AdverseEvent.id)
    )
    return _page(sessions, stmt, limit, offset)


def list_labs(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    test: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[LabResult], int]:
    """A subject's lab values by collection time, optionally one test."""
    _check_page(limit, offset)
    get_subject(sessions, actor=actor, subject_id=subject_id)
    stmt = select(LabResult).where(LabResult.subject_id == subject_id)
    if test is not None:
        stmt = stmt.where(LabResult.test == test)
    return _page(sessions, stmt.order_by(LabResult.collected_at, LabResult.id), limit, offset)


def list_audit(
    sessions: Sessions,
    *,
    actor: Actor,
    table_name: str | None = None,
    record_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AuditEntry], int]:
    """Audit entries in sequence (Annex 11 section 9: reviewable), filtered."""
    authorize(actor, "audit.read")
    _check_page(limit, offset)
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if actor.site_id is not None:
        stmt = stmt.where(AuditEntry.site_id == actor.site_id)
    if table_name is not None:
        stmt = stmt.where(AuditEntry.table_name == table_name)
    if record_id is not None:
        stmt = stmt.where(AuditEntry.record_id == record_id)
    return _page(sessions, stmt, limit, offset)


# Records of one subject: the subject must be in the actor's scope (else not found).


def _subject_records(
    sessions: Sessions,
    actor: Actor,
    subject_id: str,
    model: type[R],
    order_by: Sequence[InstrumentedAttribute[Any]],
    where: Sequence[ColumnElement[bool]] = (),
    *,
    limit: int,
    offset: int,
) -> tuple[Sequence[R], int]:
    _check_page(limit, offset)
    get_subject(sessions, actor=actor, subject_id=subject_id)
    stmt = (
        select(model)
        .where(model.__table__.c.subject_id == subject_id, *where)
        .order_by(*order_by, model.id)
    )
    return _page(sessions, stmt, limit, offset)


def _one_per_subject(sessions: Sessions, actor: Actor, subject_id: str, model: type[R]) -> R:
    with sessions() as session:
        subject = load_subject(session, actor, subject_id, "subject.read")
        stmt = select(model).where(model.__table__.c.subject_id == subject.id)
        row = session.scalars(stmt).first()
        if row is None:
            raise NotFoundError(f"{model.__tablename__} record of subject", subject.code)
        return row


def list_visits(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Visit], int]:
    """A subject's visits by planned date."""
    order = (Visit.planned_date, Visit.visit_code)
    return _subject_records(sessions, actor, subject_id, Visit, order, limit=limit, offset=offset)


def list_vital_signs(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    test: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[VitalSign], int]:
    """A subject's vital signs by measurement time, optionally one test."""
    where = [VitalSign.test == test] if test is not None else []
    order = (VitalSign.measured_at, VitalSign.test)
    return _subject_records(
        sessions, actor, subject_id, VitalSign, order, where, limit=limit, offset=offset
    )


def list_samples(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    analyte: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Sample], int]:
    """A subject's samples by collection time, optionally one analyte."""
    where = [Sample.analyte == analyte] if analyte is not None else []
    order = (Sample.collected_at, Sample.sample_code)
    return _subject_records(
        sessions, actor, subject_id, Sample, order, where, limit=limit, offset=offset
    )


def list_assay_results(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    sample_id: str | None = None,
    test: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AssayResult], int]:
    """A subject's assay results by sample collection time, optionally one sample or test."""
    _check_page(limit, offset)
    get_subject(sessions, actor=actor, subject_id=subject_id)
    stmt = (
        select(AssayResult)
        .join(Sample, Sample.id == AssayResult.sample_id)
        .where(AssayResult.subject_id == subject_id)
        .order_by(Sample.collected_at, Sample.sample_code, AssayResult.test, AssayResult.id)
    )
    if sample_id is not None:
        stmt = stmt.where(AssayResult.sample_id == sample_id)
    if test is not None:
        stmt = stmt.where(AssayResult.test == test)
    return _page(sessions, stmt, limit, offset)


def list_con_meds(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[ConMed], int]:
    """A subject's concomitant medications by start date."""
    order = (ConMed.start_date, ConMed.name)
    return _subject_records(sessions, actor, subject_id, ConMed, order, limit=limit, offset=offset)


def _with_lesions(
    session: Session, assessments: Sequence[TumourAssessment]
) -> list[AssessmentWithLesions]:
    ids = [a.id for a in assessments]
    lesions: dict[str, list[LesionMeasurement]] = {i: [] for i in ids}
    stmt = (
        select(LesionMeasurement)
        .where(LesionMeasurement.assessment_id.in_(ids))
        .order_by(LesionMeasurement.lesion_code, LesionMeasurement.id)
    )
    for lesion in session.scalars(stmt):
        lesions[lesion.assessment_id].append(lesion)
    return [(a, lesions[a.id]) for a in assessments]


def list_tumour_assessments(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[list[AssessmentWithLesions], int]:
    """A subject's tumour assessments by date, each with its lesions."""
    order = (TumourAssessment.assessed_on,)
    items, total = _subject_records(
        sessions, actor, subject_id, TumourAssessment, order, limit=limit, offset=offset
    )
    with sessions() as session:
        return _with_lesions(session, items), total


def get_tumour_assessment(
    sessions: Sessions, *, actor: Actor, assessment_id: str
) -> AssessmentWithLesions:
    """One tumour assessment with its lesions, if its subject is in the actor's scope."""
    with sessions() as session:
        assessment = session.get(TumourAssessment, assessment_id)
        if assessment is None:
            raise NotFoundError("tumour assessment", assessment_id)
        load_record_subject(
            session,
            actor,
            "tumour assessment",
            assessment_id,
            assessment.subject_id,
            "subject.read",
        )
        return _with_lesions(session, [assessment])[0]


def get_death(sessions: Sessions, *, actor: Actor, subject_id: str) -> Death:
    """The subject's recorded death (not found when none is recorded)."""
    return _one_per_subject(sessions, actor, subject_id, Death)


def get_withdrawal(sessions: Sessions, *, actor: Actor, subject_id: str) -> Withdrawal:
    """The subject's recorded withdrawal (not found when none is recorded)."""
    return _one_per_subject(sessions, actor, subject_id, Withdrawal)


def get_infusion(sessions: Sessions, *, actor: Actor, subject_id: str) -> Infusion:
    """The subject's infusion (not found before it is given)."""
    return _one_per_subject(sessions, actor, subject_id, Infusion)


def list_apheresis(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[Apheresis], int]:
    """A subject's apheresis collections by collection time."""
    order = (Apheresis.collected_at,)
    return _subject_records(
        sessions, actor, subject_id, Apheresis, order, limit=limit, offset=offset
    )


def list_lots(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[ProductLot], int]:
    """A subject's product lots by lot number, optionally one release status."""
    where = [ProductLot.status == status] if status is not None else []
    order = (ProductLot.lot_number,)
    return _subject_records(
        sessions, actor, subject_id, ProductLot, order, where, limit=limit, offset=offset
    )


def list_custody(
    sessions: Sessions, *, actor: Actor, lot_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[CustodyEvent], int]:
    """A lot's custody hand-offs in time order, if its subject is in the actor's scope."""
    _check_page(limit, offset)
    with sessions() as session:
        lot = session.get(ProductLot, lot_id)
        if lot is None:
            raise NotFoundError("product lot", lot_id)
        load_record_subject(session, actor, "product lot", lot_id, lot.subject_id, "subject.read")
    stmt = (
        select(CustodyEvent)
        .where(CustodyEvent.lot_id == lot_id)
        .order_by(CustodyEvent.at, CustodyEvent.id)
    )
    return _page(sessions, stmt, limit, offset)


def list_lymphodepletion(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[LymphodepletionDose], int]:
    """A subject's lymphodepletion doses by time given."""
    order = (LymphodepletionDose.completed_at, LymphodepletionDose.agent)
    return _subject_records(
        sessions, actor, subject_id, LymphodepletionDose, order, limit=limit, offset=offset
    )


def list_dlt_adjudications(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[DltAdjudication], int]:
    """A subject's signed DLT adjudications, oldest first."""
    order = (DltAdjudication.adjudicated_at,)
    return _subject_records(
        sessions, actor, subject_id, DltAdjudication, order, limit=limit, offset=offset
    )


def list_ae_observations(
    sessions: Sessions, *, actor: Actor, ae_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[AeObservation], int]:
    """An AE's CRS/ICANS observations in time order, if its subject is in scope."""
    _check_page(limit, offset)
    with sessions() as session:
        event = session.get(AdverseEvent, ae_id)
        if event is None:
            raise NotFoundError("adverse event", ae_id)
        load_record_subject(
            session, actor, "adverse event", ae_id, event.subject_id, "subject.read"
        )
    stmt = (
        select(AeObservation)
        .where(AeObservation.adverse_event_id == ae_id)
        .order_by(AeObservation.observed_at, AeObservation.id)
    )
    return _page(sessions, stmt, limit, offset)


def list_subject_queries(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[DataQuery], int]:
    """A subject's data queries by opening time, optionally one status."""
    where = [DataQuery.status == status] if status is not None else []
    order = (DataQuery.opened_at,)
    return _subject_records(
        sessions, actor, subject_id, DataQuery, order, where, limit=limit, offset=offset
    )


def list_queries(
    sessions: Sessions,
    *,
    actor: Actor,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[DataQuery], int]:
    """Data queries on subjects the actor may see (a site's worklist), optionally one status."""
    authorize(actor, "subject.read")
    _check_page(limit, offset)
    stmt = select(DataQuery).order_by(DataQuery.opened_at, DataQuery.id)
    if actor.site_id is not None:
        stmt = stmt.join(Subject, Subject.id == DataQuery.subject_id).where(
            Subject.site_id == actor.site_id
        )
    if status is not None:
        stmt = stmt.where(DataQuery.status == status)
    return _page(sessions, stmt, limit, offset)


def list_data_locks(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[DataLock], int]:
    """A subject's data locks (lifted ones included), oldest first."""
    order = (DataLock.locked_at,)
    return _subject_records(
        sessions, actor, subject_id, DataLock, order, limit=limit, offset=offset
    )


def list_escalation_decisions(
    sessions: Sessions,
    *,
    actor: Actor,
    protocol_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[EscalationDecision], int]:
    """Signed escalation decisions (protocol-wide, every site), oldest first."""
    authorize(actor, "subject.read")
    _check_page(limit, offset)
    stmt = select(EscalationDecision).order_by(EscalationDecision.decided_at, EscalationDecision.id)
    if protocol_id is not None:
        stmt = stmt.where(EscalationDecision.protocol_id == protocol_id)
    return _page(sessions, stmt, limit, offset)


def list_holds(
    sessions: Sessions,
    *,
    actor: Actor,
    protocol_id: str | None = None,
    active: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[EnrolmentHold], int]:
    """Enrolment holds (protocol-wide), oldest first; ``active``: not lifted (or lifted)."""
    authorize(actor, "subject.read")
    _check_page(limit, offset)
    stmt = select(EnrolmentHold).order_by(EnrolmentHold.placed_at, EnrolmentHold.id)
    if protocol_id is not None:
        stmt = stmt.where(EnrolmentHold.protocol_id == protocol_id)
    if active is not None:
        lifted = EnrolmentHold.lifted_at
        stmt = stmt.where(lifted.is_(None) if active else lifted.is_not(None))
    return _page(sessions, stmt, limit, offset)
