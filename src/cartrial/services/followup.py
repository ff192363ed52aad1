"""Visit data after infusion: planned visits, vitals, labs, tumour assessments,
samples and assay results, con-meds, and the end of a subject's course.

Derived values (lab grades from ``cartrial.safety``, time-point responses from
``cartrial.response``) arrive as a :class:`~cartrial.services.safety.Derivation`
and are stored beside the inputs with reason and engine version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.dosing.calendar import study_date
from cartrial.errors import InputError, InvalidTransition, NotFoundError
from cartrial.services.access import load_record_subject, load_subject, subject_in_scope
from cartrial.services.admin import protocol_of
from cartrial.services.assays import check_assay_result
from cartrial.services.context import Sessions, require_version, transaction
from cartrial.services.safety import Derivation
from cartrial.services.site_clock import clock_of
from cartrial.store.models import (
    AdverseEvent,
    AssayResult,
    ConMed,
    Death,
    Infusion,
    LabResult,
    Sample,
    Subject,
    Visit,
    VitalSign,
    Withdrawal,
)
from cartrial.units import ANALYTES, check_unit
from cartrial.vitals import check_vital_sign
from cartrial.vocabulary import ASSAYS, TRANSITIONS

__all__ = [
    "MANUAL_STATUSES",
    "advance_status",
    "infusion_day",
    "plan_visit_rows",
    "plan_visits",
    "preview_lab_grade",
    "record_assay_result",
    "record_con_med",
    "record_death",
    "record_lab",
    "record_sample",
    "record_visit_date",
    "record_vital",
    "withdraw",
]


def plan_visit_rows(session: Session, subject: Subject, day0: dt.date) -> list[Visit]:
    """Add the protocol's visits not yet planned, dated from ``day0``.

    ``day0`` is the site's calendar date of the infusion (the protocol's schedule
    of assessments counts study days from it; :func:`infusion_day` gives it).
    """
    existing = set(session.scalars(select(Visit.visit_code).where(Visit.subject_id == subject.id)))
    visits = [
        Visit(subject_id=subject.id, visit_code=v.id, planned_date=study_date(day0, v.day))
        for v in protocol_of(session, subject).visits
        if v.id not in existing
    ]
    session.add_all(visits)
    return visits


def infusion_day(session: Session, subject: Subject, started_at: dt.datetime) -> dt.date:
    """Day 0: the site's calendar date of the infusion instant ``started_at``.

    An infusion at 01:30 in Shenzhen (UTC+8) is 17:30 UTC the day before; day 0
    is the Shenzhen date (``cartrial.dosing.calendar``: day 0 = infusion date).
    """
    return clock_of(session, subject).local_date(started_at, field="started_at")


def plan_visits(sessions: Sessions, *, actor: Actor, subject_id: str) -> list[Visit]:
    """Plan the protocol's visits missing for an infused subject (day 0 = infusion)."""
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "treatment.record")
        infusion = session.scalars(
            select(Infusion).where(Infusion.subject_id == subject.id)
        ).first()
        if infusion is None:
            raise InputError(
                "subject", subject.code, "an infused subject (visits count from day 0)"
            )
        return plan_visit_rows(
            session, subject, infusion_day(session, subject, infusion.started_at)
        )


def record_visit_date(
    sessions: Sessions,
    *,
    actor: Actor,
    visit_id: str,
    expected_version: int,
    actual_date: dt.date,
    reason: str | None = None,
) -> Visit:
    """The date a visit took place, on the visit read at ``expected_version``.

    A correction needs a reason (Annex 11 section 9). A visit changed since the
    writer read it is a :class:`~cartrial.errors.ConflictError` naming the date
    stored and the date refused, as for an AE edit: two coordinators dating one
    visit do not overwrite each other (21 CFR 11.10(e)).
    """
    with transaction(sessions, actor, reason=reason) as session:
        visit = session.get(Visit, visit_id)
        if visit is None:
            raise NotFoundError("visit", visit_id)
        load_record_subject(session, actor, "visit", visit_id, visit.subject_id, "ae.record")
        require_version(visit, expected_version, {"actual_date": actual_date})
        visit.actual_date = actual_date
    return visit


def record_vital(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    measured_at: dt.datetime,
    test: str,
    value: Decimal,
    unit: str,
) -> VitalSign:
    """One vital sign (temperature, blood pressure, SpO2, ...), checked by ``cartrial.vitals``."""
    check_vital_sign(test, value, unit)
    with transaction(sessions, actor) as session:
        subject_key = subject_in_scope(session, actor, subject_id, "ae.record")
        vital = VitalSign(
            subject_id=subject_key, measured_at=measured_at, test=test, value=value, unit=unit
        )
        session.add(vital)
    return vital


def record_lab(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    collected_at: dt.datetime,
    test: str,
    value: Decimal,
    unit: str,
    derivation: Derivation | None = None,
    ctcae_term: str | None = None,
    uln: Decimal | None = None,
    lln: Decimal | None = None,
    baseline: Decimal | None = None,
    on_anticoagulation: bool = False,
) -> LabResult:
    """One lab value; with ``ctcae_term`` the safety engine grades it (CTCAE v5.0).

    Units follow the one policy of :func:`cartrial.units.check_unit`: a test that
    :data:`cartrial.units.ANALYTES` knows must come in one of its units (an
    unknown unit is an error naming ``unit``, never converted by guess); other
    tests are stored with the unit as entered. A CTCAE term must grade the test
    recorded (``ALT increased`` for ``alt``).

    ``uln``, ``lln`` and ``baseline`` are in ``unit`` and are stored with the
    value; the grade is derived from the stored columns through
    :func:`cartrial.safety.lab_input.lab_record`, the input ``cartrial safety
    grade-lab`` grades. No baseline given means none: the value is graded as if
    the baseline was normal and the reason says so; cartrial does not pick an
    earlier stored value as the baseline, which is the protocol's definition
    (:mod:`cartrial.safety.lab_input`).
    """
    lab = _lab_row(test, value, unit, ctcae_term, uln, lln, baseline, on_anticoagulation)
    lab.collected_at = collected_at
    if derivation is None and ctcae_term is not None:
        derivation = _grade(lab)
    with transaction(sessions, actor) as session:
        lab.subject_id = subject_in_scope(session, actor, subject_id, "ae.record")
        if derivation is not None:
            lab.derived_grade = derivation.grade
            lab.derivation_reason = derivation.reason
            lab.engine_version = derivation.engine_version
        session.add(lab)
    return lab


def preview_lab_grade(
    *,
    test: str,
    value: Decimal,
    unit: str,
    ctcae_term: str,
    uln: Decimal | None = None,
    lln: Decimal | None = None,
    baseline: Decimal | None = None,
    on_anticoagulation: bool = False,
) -> Derivation:
    """The CTCAE v5.0 grade :func:`record_lab` would store for these values, storing nothing.

    The same unit policy and the same grading of the same row shape (the lab
    form's live grade as the values are typed).
    """
    return _grade(_lab_row(test, value, unit, ctcae_term, uln, lln, baseline, on_anticoagulation))


def _lab_row(
    test: str,
    value: Decimal,
    unit: str,
    ctcae_term: str | None,
    uln: Decimal | None,
    lln: Decimal | None,
    baseline: Decimal | None,
    on_anticoagulation: bool,
) -> LabResult:
    """A lab result row (not yet stored) after the one unit policy (``cartrial.units``)."""
    if test in ANALYTES:
        check_unit(test, unit, field="unit")
    return LabResult(
        test=test,
        value=value,
        unit=unit,
        ctcae_term=ctcae_term,
        uln=uln,
        lln=lln,
        baseline=baseline,
        on_anticoagulation=on_anticoagulation,
    )


def _grade(lab: LabResult) -> Derivation:
    from cartrial.safety.ctcae import load_ctcae
    from cartrial.safety.lab_input import lab_record
    from cartrial.services.adjudication import derive_lab_grade

    try:
        term = load_ctcae().find(lab.ctcae_term or "", field="ctcae_term")
        graded = term.lab
        if graded is not None and lab.test in ANALYTES and graded.analyte != lab.test:
            raise InputError(
                "ctcae_term", lab.ctcae_term, f"a CTCAE v5.0 term graded from {lab.test}"
            )
        return derive_lab_grade(lab_record(lab))
    except InputError as exc:
        if exc.field != "term":
            raise
        raise InputError("ctcae_term", exc.value, exc.expected) from exc


def record_sample(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    sample_code: str,
    analyte: str,
    matrix: str,
    collected_at: dt.datetime,
    study_day: int | None = None,
) -> Sample:
    """A sample drawn for CAR copies, cytokines or anti-drug antibodies.

    A sample code already recorded is a :class:`~cartrial.errors.DuplicateError`
    (HTTP 409), raised by the transaction from the unique constraint, as for a
    collection id or a lot number.
    """
    if analyte not in ASSAYS:
        raise InputError("analyte", analyte, "one of " + ", ".join(ASSAYS))
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "ae.record")
        sample = Sample(
            subject_id=subject.id,
            sample_code=sample_code,
            analyte=analyte,
            matrix=matrix,
            collected_at=collected_at,
            study_day=study_day,
        )
        session.add(sample)
    return sample


def record_assay_result(
    sessions: Sessions,
    *,
    actor: Actor,
    sample_id: str,
    test: str,
    value: Decimal | None,
    unit: str | None,
    lloq: Decimal | None = None,
    result_text: str | None = None,
) -> AssayResult:
    """A result on a stored sample, checked for its sample's analyte first.

    The unit, LLOQ and BLQ rules are :func:`cartrial.services.assays.check_assay_result`
    (the kinetics and biomarker engines' unit tables; the test in the protocol's panel
    for the analyte, where it names one), so a result the study report could not read
    is refused when it is typed, naming the field.
    """
    with transaction(sessions, actor) as session:
        sample = session.get(Sample, sample_id)
        if sample is None:
            raise NotFoundError("sample", sample_id)
        subject = load_record_subject(
            session, actor, "sample", sample_id, sample.subject_id, "ae.record"
        )
        schedule = protocol_of(session, subject).samples
        check_assay_result(
            sample.analyte,
            panel=next((list(s.panel) for s in schedule if s.analyte == sample.analyte), []),
            test=test,
            value=value,
            unit=unit,
            lloq=lloq,
            result_text=result_text,
        )
        result = AssayResult(
            sample_id=sample.id,
            subject_id=sample.subject_id,
            test=test,
            value=value,
            unit=unit,
            lloq=lloq,
            result_text=result_text,
        )
        session.add(result)
    return result


def record_con_med(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    name: str,
    start_date: dt.date,
    indication: str | None = None,
    dose: str | None = None,
    adverse_event_id: str | None = None,
    end_date: dt.date | None = None,
) -> ConMed:
    """A concomitant medication, linked to the AE it treats (of the same subject) if any."""
    if end_date is not None and end_date < start_date:
        raise InputError("end_date", end_date.isoformat(), f"a date on or after {start_date}")
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "ae.record")
        if adverse_event_id is not None:
            event = session.get(AdverseEvent, adverse_event_id)
            if event is None or event.subject_id != subject.id:
                raise InputError(
                    "adverse_event_id", adverse_event_id, f"an adverse event of {subject.code}"
                )
        med = ConMed(
            subject_id=subject.id,
            name=name,
            start_date=start_date,
            end_date=end_date,
            indication=indication,
            dose=dose,
            adverse_event_id=adverse_event_id,
        )
        session.add(med)
    return med


#: The status changes a site records by hand, with a reason; the others follow from
#: a use case (enrolment, apheresis, lymphodepletion, infusion, death, withdrawal).
MANUAL_STATUSES = ("screen_failed", "follow_up", "completed")


def advance_status(
    sessions: Sessions, *, actor: Actor, subject_id: str, status: str, reason: str
) -> Subject:
    """Record a screen failure, an infused subject's entry into follow-up, or completion.

    A screen failure is a consented subject who is not enrolled (CDISC SDTM DS
    disposition "SCREEN FAILURE"; ICH E3 section 10.1 counts them apart); it is
    final (:data:`~cartrial.vocabulary.TRANSITIONS`). The lifecycle decides which
    change is allowed from the subject's status; the reason goes into the audit
    trail (Annex 11 section 9).
    """
    if status not in MANUAL_STATUSES:
        raise InputError("status", status, " or ".join(MANUAL_STATUSES))
    with transaction(sessions, actor, reason=reason) as session:
        subject = load_subject(session, actor, subject_id, "treatment.record")
        _check_end(subject, status)
        subject.status = status
    return subject


def _check_end(subject: Subject, status: str) -> None:
    # The store checks a status change at flush; a second death or withdrawal
    # changes nothing, so it is refused here, before its record is added.
    allowed = TRANSITIONS.get(subject.status, ())
    if status not in allowed:
        raise InvalidTransition(
            subject=subject.code, current=subject.status, requested=status, allowed=allowed
        )


def record_death(
    sessions: Sessions, *, actor: Actor, subject_id: str, died_on: dt.date, cause: str
) -> Death:
    """A death; the subject's status becomes ``died``.

    Recordable at any status before the end and after it: ``completed`` (long-term
    follow-up of gene-modified cell therapy, FDA guidance 2020, up to 15 years) and
    ``withdrawn``; not after ``screen_failed`` (such a death is not collected) or a
    first death (:data:`~cartrial.vocabulary.TRANSITIONS` says why).
    """
    with transaction(sessions, actor, reason=f"death: {cause}") as session:
        subject = load_subject(session, actor, subject_id, "ae.record")
        _check_end(subject, "died")
        death = Death(subject_id=subject.id, died_on=died_on, cause=cause)
        session.add(death)
        subject.status = "died"
    return death


def withdraw(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    withdrawn_on: dt.date,
    initiated_by: str,
    reason: str,
) -> Withdrawal:
    """A withdrawal (by the subject or the investigator); status becomes ``withdrawn``."""
    if initiated_by not in ("subject", "investigator", "sponsor"):
        raise InputError("initiated_by", initiated_by, "subject, investigator or sponsor")
    with transaction(sessions, actor, reason=f"withdrawal: {reason}") as session:
        subject = load_subject(session, actor, subject_id, "subject.enrol")
        _check_end(subject, "withdrawn")
        row = Withdrawal(
            subject_id=subject.id,
            withdrawn_on=withdrawn_on,
            initiated_by=initiated_by,
            reason=reason,
        )
        session.add(row)
        subject.status = "withdrawn"
    return row
