"""Screening and the investigator's signed eligibility.

1. :func:`screen` stores the screening data as entered and the eligibility
   engine's decision (:func:`cartrial.eligibility.screen_subject`) with its reason,
   per-criterion verdicts and engine version.
2. :func:`sign_eligibility` lets an investigator sign the latest decision, only
   when it is ``eligible`` (21 CFR 11.10(f): an incomplete form cannot be signed),
   re-entering their password (11.200(a)); the signature binds the decision's
   content (11.70).
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial import __version__
from cartrial.actor import Actor
from cartrial.eligibility.record import ScreeningRecord
from cartrial.eligibility.screen import ScreeningResult, screen_subject
from cartrial.errors import InputError, NotFoundError
from cartrial.services.access import authorize, load_subject
from cartrial.services.admin import protocol_of, protocol_of_version
from cartrial.services.context import Sessions, transaction
from cartrial.store.models import (
    EligibilityDecision,
    ProtocolVersion,
    ScreeningEntry,
    Subject,
)
from cartrial.store.signatures import find_signatures, sign_record, signature_status

__all__ = ["ENGINE_VERSION", "eligibility_problem", "preview", "screen", "sign_eligibility"]

ENGINE_VERSION = f"cartrial {__version__}"


def screen(
    sessions: Sessions,
    *,
    actor: Actor,
    site_id: str,
    protocol_version_id: str,
    record: ScreeningRecord,
) -> tuple[Subject, EligibilityDecision]:
    """Store a screening record and its decision; a new subject code starts ``screening``."""
    with transaction(sessions, actor) as session:
        authorize(actor, "subject.screen", site_id=site_id)
        if session.get(ProtocolVersion, protocol_version_id) is None:
            raise NotFoundError("protocol version", protocol_version_id)
        subject = session.scalars(
            select(Subject).where(
                Subject.protocol_version_id == protocol_version_id,
                Subject.code == record.subject_id,
            )
        ).first()
        if subject is None:
            subject = Subject(
                code=record.subject_id, site_id=site_id, protocol_version_id=protocol_version_id
            )
            session.add(subject)
            session.flush()
        elif subject.site_id != site_id or subject.status != "screening":
            raise InputError("subject_id", record.subject_id, "a subject in screening at this site")
        result = screen_subject(record, protocol_of(session, subject))
        entry = ScreeningEntry(subject_id=subject.id, record_json=record.model_dump_json())
        session.add(entry)
        session.flush()
        decision = EligibilityDecision(
            subject_id=subject.id,
            screening_id=entry.id,
            decision=result.decision,
            reason=result.reason,
            verdicts_json=json.dumps(
                [c.model_dump(mode="json") for c in result.criteria], allow_nan=False
            ),
            engine_version=ENGINE_VERSION,
        )
        session.add(decision)
    return subject, decision


def preview(
    sessions: Sessions,
    *,
    actor: Actor,
    site_id: str,
    protocol_version_id: str,
    record: ScreeningRecord,
) -> ScreeningResult:
    """The decision :func:`screen` would store for ``record``, writing nothing.

    The same engine call on the same protocol version (the form's live verdicts
    while the coordinator types); the same permission and site check.
    """
    authorize(actor, "subject.screen", site_id=site_id)
    with sessions() as session:  # read only: closed without commit
        version = session.get(ProtocolVersion, protocol_version_id)
        if version is None:
            raise NotFoundError("protocol version", protocol_version_id)
        return screen_subject(record, protocol_of_version(version))


def _latest_decision(session: Session, subject: Subject) -> EligibilityDecision | None:
    return session.scalars(
        select(EligibilityDecision)
        .where(EligibilityDecision.subject_id == subject.id)
        .order_by(EligibilityDecision.decided_at.desc())
        .limit(1)
    ).first()


def sign_eligibility(
    sessions: Sessions, *, actor: Actor, subject_id: str, password: str
) -> EligibilityDecision:
    """The investigator's e-signature "I confirm this subject's eligibility"."""
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "eligibility.sign")
        decision = _latest_decision(session, subject)
        if decision is None or decision.decision != "eligible":
            got = decision.decision if decision else "no screening"
            raise InputError(
                "eligibility", got, "an 'eligible' decision (21 CFR 11.10(f): sign complete forms)"
            )
        sign_record(session, actor=actor, password=password, meaning="eligibility", record=decision)
    return decision


def eligibility_problem(session: Session, subject: Subject) -> str | None:
    """None when the latest decision is ``eligible`` and validly signed; else why not."""
    decision = _latest_decision(session, subject)
    if decision is None:
        return "eligibility is not signed: the subject has no screening decision"
    if decision.decision != "eligible":
        return f"eligibility is not signed: the latest decision is {decision.decision!r}"
    signatures = find_signatures(session, decision, "eligibility")
    if not signatures:
        return "eligibility is not signed by an investigator"
    status = signature_status(session, signatures[-1])
    if not status.is_valid:
        return f"eligibility signature {status.reason}"
    return None
