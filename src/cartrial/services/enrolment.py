"""Enrolment: dose level from the escalation engine, chain-of-identity id assigned.

Enrolment is refused, with the reason in the audit trail, when enrolment is on
hold, when eligibility is not signed, or when the escalation engine says wait
(pending DLT windows included) or stop: ``the escalation engine says wait: 3
patient(s) inside the 28-day DLT window ...``. The dose level comes from
``assign_dose(session, protocol) -> DoseAssignment``, by default
:func:`assign_dose_for_protocol` (the engine, or the investigator's decisions
when the protocol's levels are investigator-assigned):

- :func:`assign_dose_from_engine` (the default): the live decision engine
  (:func:`cartrial.escalation.decide_next`) under the protocol's design, fed
  with every infused subject of the protocol in order of infusion, each one's
  DLT status adjudicated now by the safety engine from stored data
  (``yes``, ``no`` or ``pending`` with the days followed, counted in local
  days of the subject's own site; subjects not DLT-evaluable, e.g. withdrawn
  inside the window, are left out), then every subject enrolled at a level and
  still awaiting infusion, as pending with 0 days followed (it holds its place
  in the cohort: a 3+3 cohort of three enrolled subjects waits for their DLT
  windows, Storer 1989; a withdrawn subject frees its place);
- :func:`assign_dose_from_decisions`: the latest safety-committee decision
  recorded, else the protocol's start level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial import __version__
from cartrial.actor import Actor
from cartrial.dosing.bsa import check_weight_kg
from cartrial.errors import EnrolmentBlocked, InputError, NotFoundError
from cartrial.escalation.engine import NextDecision
from cartrial.protocol.model import Protocol
from cartrial.services.access import authorize, load_subject
from cartrial.services.admin import protocol_of, protocol_of_version
from cartrial.services.context import Sessions, refuse, transaction
from cartrial.services.identity import (
    chain_of_identity_prefix,
    compute_chain_of_identity_id,
    sequence_of,
)
from cartrial.services.safety import opens_expansion
from cartrial.services.screening import eligibility_problem
from cartrial.services.site_clock import clock_of
from cartrial.store.models import (
    EnrolmentHold,
    EscalationDecision,
    Infusion,
    ProtocolVersion,
    Site,
    Subject,
    utcnow,
)

__all__ = [
    "DoseAssignment",
    "active_hold",
    "assign_dose_for_protocol",
    "assign_dose_from_decisions",
    "assign_dose_from_engine",
    "engine_decision",
    "enrol",
    "enrolment_outlook",
    "escalation_outlook",
    "has_expansion",
]


@dataclass(frozen=True)
class DoseAssignment:
    """The escalation engine's answer for the next subject: a level, or None to wait or stop.

    ``action`` is the engine's word when no level is given (``wait`` or ``stop``).
    """

    level: int | None
    reason: str
    engine_version: str
    action: str = "wait"

    def refusal(self) -> str:
        """Why enrolment waits, the engine's word said once.

        The live engine's reasons already start with their action
        (``wait: 3 patient(s) inside ...``, :mod:`cartrial.escalation.engine`),
        so a leading ``<action>: `` is not repeated.

        >>> DoseAssignment(None, "wait: 3 patient(s) pending", "e").refusal()
        'the escalation engine says wait: 3 patient(s) pending'
        >>> DoseAssignment(None, "1 DLT in 1 at level 1: stop", "e", "stop").refusal()
        'the escalation engine says stop: 1 DLT in 1 at level 1: stop'
        """
        said = f"{self.action}: "
        return f"the escalation engine says {said}{self.reason.removeprefix(said)}"


AssignDose = Callable[[Session, Protocol], DoseAssignment]


def assign_dose_from_decisions(session: Session, protocol: Protocol) -> DoseAssignment:
    """The latest recorded escalation decision's level, else the protocol's start level."""
    latest = session.scalars(
        select(EscalationDecision)
        .where(EscalationDecision.protocol_id == protocol.id)
        .order_by(EscalationDecision.decided_at.desc())
        .limit(1)
    ).first()
    if latest is not None:
        if latest.action in ("wait", "stop") or latest.next_level is None:
            return DoseAssignment(
                None,
                f"escalation decision: {latest.reason}",
                latest.engine_version,
                "stop" if latest.action == "stop" else "wait",
            )
        return DoseAssignment(latest.next_level, latest.reason, latest.engine_version)
    start = protocol.escalation.start_level if protocol.escalation else 1
    protocol.dose_level(start)
    return DoseAssignment(start, f"protocol start level {start}", "protocol")


ESCALATION_ENGINE = "cartrial.escalation"

#: Statuses of a subject enrolled at a dose level and not yet infused: it holds its
#: slot in the cohort (pending, followed 0 days), so two sites enrolling while the
#: product is manufactured are not both given the cohort's last place.
AWAITING_INFUSION = ("enrolled", "apheresed", "manufacturing", "lymphodepleted")


def engine_decision(
    session: Session, protocol: Protocol, *, as_of: dt.datetime | None = None
) -> NextDecision:
    """The live escalation engine's full answer on the stored data (module doc).

    One wiring for enrolment, the safety committee's review and the trial
    summary (MTD): each subject's signed DLT adjudication where there is one (the
    investigator's decision of record, even where it differs from the engine's
    verdict), else the DLT status adjudicated now by the safety engine,
    decided by :func:`cartrial.escalation.protocol_decision.decide_for_protocol`
    (the protocol's design, DLT window, TITE and stagger; ``cartrial escalation
    next`` calls it too). A protocol without a DLT window is refused there.
    """
    from cartrial.escalation import PatientOutcome
    from cartrial.escalation.protocol_decision import decide_for_protocol
    from cartrial.services.adjudication import assess_subject_dlt, signed_dlt_adjudications

    if protocol.dlt is None:  # refused before reading the store; the same words as the engine's
        return decide_for_protocol(protocol, [])
    now = as_of or utcnow()
    treated = session.scalars(
        select(Subject)
        .join(Infusion, Infusion.subject_id == Subject.id)
        .join(ProtocolVersion, ProtocolVersion.id == Subject.protocol_version_id)
        .where(ProtocolVersion.protocol_id == protocol.id)
        .order_by(Infusion.started_at, Subject.code)
    ).all()
    awaiting = session.scalars(
        select(Subject)
        .join(ProtocolVersion, ProtocolVersion.id == Subject.protocol_version_id)
        .where(
            ProtocolVersion.protocol_id == protocol.id,
            Subject.status.in_(AWAITING_INFUSION),
            Subject.dose_level.is_not(None),
        )
        .order_by(Subject.enrolled_at, Subject.code)
    ).all()
    signed = signed_dlt_adjudications(session, [s.id for s in treated])
    patients = []
    for subject in treated:
        verdict = assess_subject_dlt(session, subject, protocol, as_of=now)
        outcome, followed = verdict.outcome, verdict.days_followed
        if (record := signed.get(subject.id)) is not None:
            # The investigator's signed adjudication is the record of decision, also
            # where it differs from the engine's verdict (21 CFR 11.50).
            outcome = record.outcome
            followed = max(followed or 0, protocol.dlt.window_days)
        if outcome == "not_evaluable" or subject.dose_level is None:
            continue
        patients.append(
            PatientOutcome(
                subject=subject.code,
                level=subject.dose_level,
                dlt=outcome,
                days_followed=followed,
                grade2_related=verdict.grade2_related,
            )
        )
    patients += [
        PatientOutcome(subject=s.code, level=s.dose_level, dlt="pending", days_followed=0)
        for s in awaiting
        if s.dose_level is not None
    ]
    return decide_for_protocol(protocol, patients)


def assign_dose_from_engine(
    session: Session, protocol: Protocol, *, as_of: dt.datetime | None = None
) -> DoseAssignment:
    """The live escalation engine's next step with the stored data (module doc)."""
    result = engine_decision(session, protocol, as_of=as_of)
    version = f"{ESCALATION_ENGINE} {__version__} ({result.design})"
    if result.action in ("wait", "stop") or result.next_level is None:
        action = "stop" if result.action == "stop" else "wait"
        return DoseAssignment(None, result.reason, version, action)
    return DoseAssignment(result.next_level, result.reason, version)


def _latest_decision(session: Session, protocol: Protocol) -> EscalationDecision | None:
    return session.scalars(
        select(EscalationDecision)
        .where(EscalationDecision.protocol_id == protocol.id)
        .order_by(EscalationDecision.decided_at.desc())
        .limit(1)
    ).first()


def assign_dose_for_protocol(session: Session, protocol: Protocol) -> DoseAssignment:
    """The protocol's own way of choosing the level: its design's engine, or the investigator.

    Once the safety committee has recorded the decision that ends dose
    escalation and opens the expansion at the RP2D
    (:func:`cartrial.services.safety.opens_expansion`), expansion patients are
    enrolled at that level in parallel: the escalation design no longer gates
    each one on the DLT windows of the others (seed 001: "dose escalation phase
    followed by dose expansion phase"). Safety monitoring of the expansion (a
    DLT-rate stopping boundary) is the committee's, outside this function.

    A protocol whose levels are ``investigator_assigned`` (seed 000: "assigned by
    the investigator") has no escalation engine and no DLT rules to feed one: its
    level is the latest recorded decision, else the start level
    (:func:`assign_dose_from_decisions`). Every other design asks the live engine
    (:func:`assign_dose_from_engine`).
    """
    spec = protocol.escalation
    if spec is None or spec.design == "investigator_assigned":
        return assign_dose_from_decisions(session, protocol)
    latest = _latest_decision(session, protocol)
    if latest is not None and latest.next_level and opens_expansion(latest.action, latest.reason):
        return DoseAssignment(
            latest.next_level,
            f"committee decision of {latest.decided_at:%Y-%m-%d}: {latest.reason}",
            latest.engine_version,
            "expand",
        )
    result = engine_decision(session, protocol)
    version = f"{ESCALATION_ENGINE} {__version__} ({result.design})"
    if has_expansion(protocol) and result.mtd_declared and result.mtd_level:
        return DoseAssignment(
            None,
            f"wait: dose escalation ended with MTD level {result.mtd_level} ({result.reason}); "
            "the expansion at the RP2D opens when the safety committee records its decision",
            version,
            "wait",
        )
    if result.action in ("wait", "stop") or result.next_level is None:
        action = "stop" if result.action == "stop" else "wait"
        return DoseAssignment(None, result.reason, version, action)
    return DoseAssignment(result.next_level, result.reason, version)


def has_expansion(protocol: Protocol) -> bool:
    """Whether dose escalation is followed by an expansion phase at the RP2D.

    Yes unless ``escalation.expansion_size`` is 0: when the size is not stated,
    the expansion is the planned enrolment less those treated in escalation
    (seed 001: "dose escalation phase followed by dose expansion phase", 87
    participants, the split not stated). The number is the sponsor's to
    enforce at enrolment, not the escalation engine's.
    """
    spec = protocol.escalation
    return spec is not None and spec.expansion_size != 0


def active_hold(session: Session, protocol_id: str) -> EnrolmentHold | None:
    """The hold in force on the protocol, if any."""
    return session.scalars(
        select(EnrolmentHold).where(
            EnrolmentHold.protocol_id == protocol_id, EnrolmentHold.lifted_at.is_(None)
        )
    ).first()


def enrol(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    weight_kg: Decimal,
    assign_dose: AssignDose = assign_dose_for_protocol,
) -> Subject:
    """Enrol a signed-eligible subject at the assigned level and give it its CoI id."""
    check_weight_kg(weight_kg)
    refusal: EnrolmentBlocked | None = None
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "subject.enrol")
        problem, assignment = _outlook(session, subject, assign_dose)
        if problem is not None or assignment is None or assignment.level is None:
            reason = problem or "no dose level assigned"
            refuse(session, table_name="subject", record_id=subject.id, reasons=[reason])
            refusal = EnrolmentBlocked(reason)
        else:
            site = session.get(Site, subject.site_id)
            now = utcnow()
            subject.chain_of_identity_id = _next_coi(session, subject, site, now)
            subject.dose_level = assignment.level
            subject.weight_kg = weight_kg
            subject.enrolled_at = now
            subject.status = "enrolled"
            session.info["reason"] = (
                f"enrolment: dose level {assignment.level} ({assignment.reason})"
            )
    if refusal is not None:
        raise refusal
    return subject


def _outlook(
    session: Session, subject: Subject, assign_dose: AssignDose
) -> tuple[str | None, DoseAssignment | None]:
    """(why enrolment is refused or None, the dose assignment when one was asked for)."""
    protocol = protocol_of(session, subject)
    problem = None
    if (hold := active_hold(session, protocol.id)) is not None:
        problem = f"enrolment is on hold for {protocol.id}: {hold.reason}"
    problem = problem or eligibility_problem(session, subject)
    assignment = None
    if problem is None:
        assignment = assign_dose(session, protocol)
        if assignment.level is None:
            problem = assignment.refusal()
    return problem, assignment


def enrolment_outlook(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    assign_dose: AssignDose = assign_dose_for_protocol,
) -> tuple[str | None, DoseAssignment | None]:
    """What :func:`enrol` would do now, writing nothing: (refusal or None, assignment).

    The same checks in the same order (hold, signed eligibility, the escalation
    engine's level with its reason), so the enrolment page shows the level and
    its reason, or why to wait, before anyone presses the button.
    """
    with sessions() as session:  # read only: closed without commit
        subject = load_subject(session, actor, subject_id, "subject.enrol")
        if subject.status != "screening":
            return f"the subject is {subject.status!r}, not in screening", None
        return _outlook(session, subject, assign_dose)


def escalation_outlook(
    sessions: Sessions, *, actor: Actor, protocol_version_id: str
) -> tuple[Protocol, NextDecision]:
    """The live engine's decision for the protocol now (:func:`engine_decision`), writing nothing.

    For the safety committee's decision page: the cohort table (treated, DLTs and
    pending windows per level), the recommendation and its rule.
    """
    authorize(actor, "protocol.read")
    with sessions() as session:  # read only: closed without commit
        version = session.get(ProtocolVersion, protocol_version_id)
        if version is None:
            raise NotFoundError("protocol version", protocol_version_id)
        protocol = protocol_of_version(version)
        if protocol.dlt is None or protocol.escalation is None:
            raise InputError(
                "protocol", protocol.id, "a protocol with a DLT window and an escalation design"
            )
        return protocol, engine_decision(session, protocol)


def _next_coi(session: Session, subject: Subject, site: Site | None, now: dt.datetime) -> str:
    """The next CoI id of the site (:mod:`cartrial.services.identity`, ISBT 128 DIN style).

    The year is the site's calendar year of ``now`` on its own clock, and the
    sequence restarts each year: one more than the highest sequence already
    issued with this facility code and year. The identifiers are counted, not
    the site's subjects, so two sites whose codes share their first five
    characters (one facility code) never get the same identifier.
    """
    code = site.code if site else "XXXXX"
    year = clock_of(session, subject).local_date(now).year
    prefix = chain_of_identity_prefix(site_code=code, year=year)
    issued = session.scalars(
        select(Subject.chain_of_identity_id).where(
            Subject.chain_of_identity_id.startswith(prefix, autoescape=True)
        )
    ).all()
    last = max((sequence_of(c) for c in issued if c is not None), default=0)
    return compute_chain_of_identity_id(site_code=code, year=year, sequence=last + 1)
