"""The safety engine (``cartrial.safety``) on stored data: lab grades and DLT adjudication.

- :func:`derive_lab_grade`: CTCAE v5.0 grade of one lab record
  (:func:`cartrial.safety.ctcae.grade_lab_record`, as ``safety grade-lab``) as a
  stored derivation.
- :func:`patient_safety`: a subject's stored records as the engine's
  ``PatientSafety`` input. The engine counts study days on the site's clock
  (protocol DLT section: the window is ``window_days`` calendar days from the
  infusion day), so the stored UTC instants (first lymphodepletion, infusion,
  the follow-up time) are passed as the site's local time
  (:mod:`cartrial.services.site_clock`). AE onset and end, withdrawal and death
  dates are entered as the site's calendar dates and taken at 00:00 of that
  day; ``is_serious`` becomes the seriousness criterion "important medical
  event"; a death without a recorded cause class is "unknown"; an infection's
  ``pathogen`` and ``presentation`` are passed as recorded (the AESI rule
  "serious or opportunistic infection" reads them). An AE's grade
  is the engine's derived grade where one was derived, else the reported one;
  an AE whose derived grade is 0 (a CRS/ICANS series that does not meet the
  ASTCT definition, or not yet) is not an adverse event for the engine.
- :func:`assess_subject_dlt`: :func:`cartrial.safety.dlt.assess_dlt` under the
  protocol's DLT spec, as a :class:`~cartrial.services.safety.DltVerdict`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial import __version__
from cartrial.actor import Actor
from cartrial.errors import InputError
from cartrial.protocol.model import Protocol
from cartrial.safety.ctcae import LabRecord, grade_lab_record
from cartrial.safety.dlt import assess_dlt
from cartrial.safety.events import AdverseEvent as EngineAe
from cartrial.safety.events import Death as EngineDeath
from cartrial.safety.events import GradeChange, PatientSafety, Relatedness
from cartrial.services.access import load_subject
from cartrial.services.admin import protocol_of
from cartrial.services.context import Sessions, transaction
from cartrial.services.safety import Derivation, DltVerdict
from cartrial.services.site_clock import clock_of
from cartrial.store.models import (
    AdverseEvent,
    AeObservation,
    Death,
    DltAdjudication,
    Infusion,
    LymphodepletionDose,
    Subject,
    Withdrawal,
    utcnow,
)
from cartrial.store.signatures import find_signatures, sign_record, signature_status
from cartrial.vocabulary import DLT_OUTCOMES

__all__ = [
    "SAFETY_ENGINE",
    "adjudicate_dlt",
    "assess_subject_dlt",
    "derive_lab_grade",
    "dlt_outlook",
    "investigator_verdict",
    "patient_safety",
]

SAFETY_ENGINE = f"cartrial.safety {__version__}"


def derive_lab_grade(record: LabRecord) -> Derivation:
    """The CTCAE v5.0 grade of one lab record, with the engine's reason as the engine words it.

    ``record`` is the engine's input as :func:`cartrial.safety.lab_input.lab_record`
    builds it from the stored row (term, value, unit, ULN, LLN, baseline,
    anticoagulation), graded by :func:`cartrial.safety.ctcae.grade_lab_record`,
    the call ``cartrial safety grade-lab`` makes. The reason already opens with
    the CTCAE term (``Platelet count decreased grade 4: 20 x10^9/L < 25 x10^9/L
    (CTCAE v5.0: <25.0 x 10e9 /L)``), so it is stored as is.
    """
    graded = grade_lab_record(record)
    return Derivation(graded.grade, graded.reason, f"{SAFETY_ENGINE} CTCAE v5.0")


def _onset(onset_date: dt.date, infusion: dt.datetime | None) -> dt.datetime:
    """A date-only AE onset as an instant on the site's clock.

    Midnight of the date, except on the day of the infusion: an AE dated that day
    is taken as starting at the infusion, so it is treatment-emergent and inside
    the DLT window (the date-only convention for events on the first dose date:
    CDISC ADaM, an onset date equal to the treatment start date counts as
    treatment-emergent; midnight would place every day-0 event before the cells).
    """
    if infusion is not None and onset_date == infusion.date():
        return infusion
    return _midnight(onset_date)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day)


def _relatedness(value: str | None) -> Relatedness:
    allowed = get_args(Relatedness)
    if value is None:
        return "unrelated"
    if value not in allowed:
        raise InputError("relatedness", value, "one of " + ", ".join(allowed))
    return value  # type: ignore[return-value]


def _syndrome_course(
    session: Session, ae: AdverseEvent, subject: Subject, infusion: dt.datetime | None
) -> list[GradeChange]:
    """The ASTCT grade in force over time of a CRS/ICANS AE with stored observations.

    The DLT rules on CRS and ICANS ask how long a grade lasted ("grade 3 that
    does not improve to <= grade 2 within 72 h", CLINICAL_RULES section 2), which
    the AE's onset, worst grade and end date cannot tell; the engine's own
    timeline of the stored series can (Lee et al. 2019: each day graded from its
    observations). Observations before the AE's onset date (a baseline
    temperature on day 0) give the grade in force at onset. Other AEs, and one
    without observations, have no course.
    """
    from cartrial.services.syndromes import grade_series

    if ae.grading_scale != "astct_2019":
        return []
    observed = select(AeObservation.id).where(AeObservation.adverse_event_id == ae.id).limit(1)
    if session.scalar(observed) is None:
        return []
    timeline = grade_series(session, ae, subject).timeline
    onset = _onset(ae.onset_date, infusion)
    before = [p.grade for p in timeline if p.time < onset]
    course = [GradeChange(time=onset, grade=before[-1])] if before else []
    course += [GradeChange(time=p.time, grade=p.grade) for p in timeline if p.time >= onset]
    return course


def patient_safety(session: Session, subject: Subject) -> PatientSafety:
    """The subject's stored safety data in the safety engine's input form, on the site's clock."""
    clock = clock_of(session, subject)
    ld = session.scalars(
        select(LymphodepletionDose.completed_at).where(LymphodepletionDose.subject_id == subject.id)
    ).all()
    infusion = session.scalars(select(Infusion).where(Infusion.subject_id == subject.id)).first()
    death = session.scalars(select(Death).where(Death.subject_id == subject.id)).first()
    withdrawal = session.scalars(
        select(Withdrawal).where(Withdrawal.subject_id == subject.id)
    ).first()
    events = session.scalars(
        select(AdverseEvent)
        .where(AdverseEvent.subject_id == subject.id)
        .order_by(AdverseEvent.onset_date)
    ).all()
    day0 = clock.local(infusion.started_at) if infusion else None
    courses = {ae.id: _syndrome_course(session, ae, subject, day0) for ae in events}
    return PatientSafety(
        id=subject.code,
        dose_level=subject.dose_level,
        first_lymphodepletion=clock.local(min(ld)) if ld else None,
        infusion=day0,
        withdrawn=_midnight(withdrawal.withdrawn_on) if withdrawal else None,
        death=EngineDeath(time=_midnight(death.died_on), cause="unknown") if death else None,
        adverse_events=[
            EngineAe(
                id=ae.id,
                term=ae.term,
                onset=_onset(ae.onset_date, day0),
                resolution=_midnight(ae.end_date) if ae.end_date else None,
                grade=ae.reported_grade if ae.derived_grade is None else ae.derived_grade,
                serious=["important_medical_event"] if ae.is_serious else [],
                related_product=_relatedness(ae.relatedness),
                grade_course=courses[ae.id],
                pathogen=ae.pathogen,
                presentation=ae.presentation,
            )
            for ae in events
            if ae.derived_grade != 0
        ],
    )


def assess_subject_dlt(
    session: Session, subject: Subject, protocol: Protocol, *, as_of: dt.datetime
) -> DltVerdict:
    """The engine's DLT adjudication of the subject, followed up to the instant ``as_of``.

    ``as_of`` becomes the last contact on the site's clock: the subject has been
    followed through local study day ``(local date of as_of) - (local date of the
    infusion)`` (protocol DLT section; :func:`cartrial.safety.dlt.assess_dlt`).
    """
    if protocol.dlt is None:
        raise InputError("protocol.dlt", None, f"DLT definitions in protocol {protocol.id}")
    last_contact = clock_of(session, subject).local(as_of, field="as_of")
    patient = patient_safety(session, subject).model_copy(update={"last_contact": last_contact})
    result = assess_dlt(patient=patient, spec=protocol.dlt)
    trigger = result.triggers[0] if result.triggers else None
    reason = "; ".join(t.reason for t in result.triggers) or result.evaluable_reason
    return DltVerdict(
        is_dlt=result.dlt,
        rule_id=trigger.rule_id if trigger else None,
        reason=reason,
        engine_version=SAFETY_ENGINE,
        outcome=result.outcome,
        adverse_event_id=trigger.ae_id if trigger else None,
        days_followed=result.days_followed,
        grade2_related=result.grade2_related,
    )


def signed_dlt_adjudications(
    session: Session, subject_ids: Sequence[str]
) -> dict[str, DltAdjudication]:
    """Each subject's latest DLT adjudication that carries a valid signature.

    The signed adjudication is the record of decision (21 CFR 11.50/11.70: the
    signature is bound to the content it signs); one whose content changed
    after signing, or that was never signed, does not count.
    """
    latest: dict[str, DltAdjudication] = {}
    if not subject_ids:
        return latest
    for row in session.scalars(
        select(DltAdjudication)
        .where(DltAdjudication.subject_id.in_(list(subject_ids)))
        .order_by(DltAdjudication.adjudicated_at, DltAdjudication.id)
    ):
        signatures = find_signatures(session, row, "dlt")
        if signatures and signature_status(session, signatures[-1]).is_valid:
            latest[row.subject_id] = row
    return latest


def dlt_outlook(
    sessions: Sessions, *, actor: Actor, subject_id: str, as_of: dt.datetime | None = None
) -> DltVerdict:
    """The engine's DLT verdict :func:`adjudicate_dlt` would sign now, writing nothing.

    For the adjudication page: the investigator sees the verdict, its rule and
    reason before signing it or recording a different outcome.
    """
    with sessions() as session:  # read only: closed without commit
        subject = load_subject(session, actor, subject_id, "subject.read")
        return assess_subject_dlt(
            session, subject, protocol_of(session, subject), as_of=as_of or utcnow()
        )


def investigator_verdict(engine: DltVerdict, *, outcome: str, reason: str) -> DltVerdict:
    """The adjudicator's own outcome where it differs from the engine's, with both reasons.

    The protocol's DLT adjudication is the investigator's (or the safety
    committee's) decision of record; the engine's verdict is advice. A different
    outcome needs its reason, and the record keeps the engine's outcome and reason
    beside it (21 CFR 11.10(e): the reason for a decision is part of the record).

    >>> e = DltVerdict(False, None, "no DLT by day 28", "engine", "no")
    >>> investigator_verdict(e, outcome="yes", reason="grade 3 hepatitis judged related").reason
    "adjudicator's decision yes: grade 3 hepatitis judged related (engine: no: no DLT by day 28)"
    """
    if outcome not in DLT_OUTCOMES:
        raise InputError("outcome", outcome, "one of " + ", ".join(DLT_OUTCOMES))
    if not reason.strip():
        raise InputError("reason", reason, "the reason for an outcome other than the engine's")
    return DltVerdict(
        is_dlt=outcome == "yes",
        rule_id=engine.rule_id if outcome == engine.outcome else None,
        reason=(
            f"adjudicator's decision {outcome}: {reason.strip()} "
            f"(engine: {engine.outcome}: {engine.reason})"
        ),
        engine_version=engine.engine_version,
        outcome=outcome,
        adverse_event_id=engine.adverse_event_id,
        days_followed=engine.days_followed,
        grade2_related=engine.grade2_related,
    )


def adjudicate_dlt(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    password: str,
    verdict: DltVerdict | None = None,
    as_of: dt.datetime | None = None,
) -> DltAdjudication:
    """Adjudicate a subject's DLT (the engine's verdict unless one is given) and sign it.

    The signature's meaning is "I adjudicate this DLT" (21 CFR 11.50).
    """
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "dlt.adjudicate")
        if verdict is None:
            verdict = assess_subject_dlt(
                session, subject, protocol_of(session, subject), as_of=as_of or utcnow()
            )
        if verdict.outcome not in DLT_OUTCOMES:
            raise InputError("outcome", verdict.outcome, "one of " + ", ".join(DLT_OUTCOMES))
        adjudication = DltAdjudication(
            adverse_event_id=verdict.adverse_event_id,
            subject_id=subject.id,
            is_dlt=verdict.is_dlt,
            outcome=verdict.outcome,
            dose_level=subject.dose_level,
            rule_id=verdict.rule_id,
            reason=verdict.reason,
            engine_version=verdict.engine_version,
        )
        session.add(adjudication)
        sign_record(session, actor=actor, password=password, meaning="dlt", record=adjudication)
    return adjudication
