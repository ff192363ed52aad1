"""Adverse events, DLT adjudication, escalation decisions and enrolment holds.

- An AE stores the grade as reported and, beside it, the grade derived by the
  safety engine with its reason and engine version (a :class:`Derivation`; the
  seam where ``cartrial.safety`` plugs in).
- Editing an AE names the version the editor read: a stale version is refused
  with a :class:`~cartrial.errors.ConflictError` carrying both values (no lost
  update; 21 CFR 11.10(e)).
- An escalation decision is signed with its meaning (21 CFR 11.50); a ``stop``
  decision places an enrolment hold. DLT adjudication: :mod:`cartrial.services.adjudication`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.safety.ctcae import load_ctcae
from cartrial.safety.events import RELATEDNESS
from cartrial.services.access import authorize, load_record_subject, subject_in_scope
from cartrial.services.context import Sessions, require_version, transaction
from cartrial.store.models import (
    AdverseEvent,
    EnrolmentHold,
    EscalationDecision,
    utcnow,
)
from cartrial.store.signatures import sign_record
from cartrial.vocabulary import ESCALATION_ACTIONS

__all__ = [
    "AE_EDITABLE",
    "EXPANSION",
    "Derivation",
    "DltVerdict",
    "EscalationOutcome",
    "lift_hold",
    "opens_expansion",
    "place_hold",
    "record_adverse_event",
    "record_escalation_decision",
    "update_adverse_event",
]

AE_EDITABLE = (
    "term",
    "end_date",
    "reported_grade",
    "is_serious",
    "relatedness",
    "pathogen",
    "presentation",
)


@dataclass(frozen=True)
class Derivation:
    """A grade derived by a domain engine, with its reason and version."""

    grade: int | None
    reason: str
    engine_version: str


@dataclass(frozen=True)
class DltVerdict:
    """A subject's DLT adjudication (``cartrial.safety.dlt``): outcome, triggering AE, rule."""

    is_dlt: bool
    rule_id: str | None
    reason: str
    engine_version: str
    outcome: str = "no"
    adverse_event_id: str | None = None
    days_followed: int | None = None
    grade2_related: bool = False


@dataclass(frozen=True)
class EscalationOutcome:
    """The escalation engine's decision (``cartrial.escalation``)."""

    current_level: int
    action: str
    next_level: int | None
    reason: str
    engine_version: str


def _check_relatedness(value: object) -> None:
    """Refuse a causality word the safety engine cannot read (its five-point scale).

    Checked at entry, so a wrong word is the entry's error, not a failure of a
    later DLT adjudication (ICH E2A causality; ``cartrial.safety.events``).
    """
    if value is not None and value not in RELATEDNESS:
        raise InputError("relatedness", value, "one of " + ", ".join(RELATEDNESS))


def record_adverse_event(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    term: str,
    onset_date: dt.date,
    grading_scale: str,
    reported_grade: int,
    is_serious: bool = False,
    relatedness: str | None = None,
    derivation: Derivation | None = None,
    pathogen: str | None = None,
    presentation: str | None = None,
) -> AdverseEvent:
    """Record an AE as reported, with the engine's derived grade when given.

    ``pathogen`` and ``presentation`` describe an infection (the organism, and for
    one that also causes common infections the presentation, e.g. ``invasive``):
    the AESI "serious or opportunistic infection" reads them
    (:mod:`cartrial.safety.infections`).
    """
    if not 1 <= reported_grade <= 5:
        raise InputError("reported_grade", reported_grade, "a grade 1-5")
    if grading_scale not in ("ctcae_v5", "astct_2019"):
        raise InputError("grading_scale", grading_scale, "ctcae_v5 or astct_2019")
    if grading_scale == "ctcae_v5":
        load_ctcae().for_adverse_event(term).check_reported_grade(reported_grade)
    _check_relatedness(relatedness)
    with transaction(sessions, actor) as session:
        subject_key = subject_in_scope(session, actor, subject_id, "ae.record")
        event = AdverseEvent(
            subject_id=subject_key,
            term=term,
            onset_date=onset_date,
            grading_scale=grading_scale,
            reported_grade=reported_grade,
            is_serious=is_serious,
            relatedness=relatedness,
            pathogen=pathogen,
            presentation=presentation,
        )
        if derivation is not None:
            event.derived_grade = derivation.grade
            event.derivation_reason = derivation.reason
            event.engine_version = derivation.engine_version
        session.add(event)
    return event


def update_adverse_event(
    sessions: Sessions,
    *,
    actor: Actor,
    ae_id: str,
    expected_version: int,
    changes: dict[str, Any],
    reason: str,
) -> AdverseEvent:
    """Change AE fields read at ``expected_version``; a newer version is a conflict."""
    unknown = sorted(set(changes) - set(AE_EDITABLE))
    if unknown:
        raise InputError("changes", unknown[0], "one of " + ", ".join(AE_EDITABLE))
    if "relatedness" in changes:
        _check_relatedness(changes["relatedness"])
    # A writer committing between this read and the UPDATE is the same conflict,
    # raised by the transaction (cartrial.store.conflicts) with both values.
    with transaction(sessions, actor, reason=reason) as session:
        event = session.get(AdverseEvent, ae_id)
        if event is None:
            raise NotFoundError("adverse event", ae_id)
        load_record_subject(session, actor, "adverse event", ae_id, event.subject_id, "ae.record")
        require_version(event, expected_version, changes)
        for field, value in changes.items():
            setattr(event, field, value)
        if event.grading_scale == "ctcae_v5" and {"term", "reported_grade"} & set(changes):
            load_ctcae().for_adverse_event(event.term).check_reported_grade(event.reported_grade)
    return event


#: How a committee decision that ends dose escalation and opens the expansion at the
#: RP2D begins its reason (stored with action "stay" at that level: a "stop" would
#: hold enrolment). Written by whoever records it, read by the trial summary.
EXPANSION = "expansion at the RP2D"


def opens_expansion(action: str, reason: str) -> bool:
    """Whether a recorded decision opened the expansion phase (see :data:`EXPANSION`)."""
    return action == "stay" and reason.startswith(EXPANSION)


def record_escalation_decision(
    sessions: Sessions,
    *,
    actor: Actor,
    protocol_id: str,
    outcome: EscalationOutcome,
    password: str,
) -> EscalationDecision:
    """The safety committee approves the engine's decision; ``stop`` holds enrolment.

    ``outcome.action`` is the engine's own word (:data:`cartrial.vocabulary.ESCALATION_ACTIONS`);
    the old spelling ``deescalate`` is kept only in decisions recorded before revision 0008.
    """
    if outcome.action not in ESCALATION_ACTIONS:
        raise InputError("action", outcome.action, "one of " + ", ".join(ESCALATION_ACTIONS))
    with transaction(sessions, actor) as session:
        authorize(actor, "escalation.decide")
        decision = EscalationDecision(
            protocol_id=protocol_id,
            current_level=outcome.current_level,
            action=outcome.action,
            next_level=outcome.next_level,
            reason=outcome.reason,
            engine_version=outcome.engine_version,
        )
        session.add(decision)
        sign_record(session, actor=actor, password=password, meaning="escalation", record=decision)
        if outcome.action == "stop":
            session.add(EnrolmentHold(protocol_id=protocol_id, reason=f"stop: {outcome.reason}"))
    return decision


def place_hold(sessions: Sessions, *, actor: Actor, protocol_id: str, reason: str) -> EnrolmentHold:
    """Hold enrolment and infusion for a protocol."""
    with transaction(sessions, actor) as session:
        authorize(actor, "hold.manage")
        hold = EnrolmentHold(protocol_id=protocol_id, reason=reason)
        session.add(hold)
    return hold


def lift_hold(sessions: Sessions, *, actor: Actor, hold_id: str, reason: str) -> EnrolmentHold:
    """Lift a hold (the hold record stays, with the time it was lifted)."""
    with transaction(sessions, actor, reason=reason) as session:
        authorize(actor, "hold.manage")
        hold = session.get(EnrolmentHold, hold_id)
        if hold is None:
            raise NotFoundError("enrolment hold", hold_id)
        hold.lifted_at = utcnow()
    return hold
