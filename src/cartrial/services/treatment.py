"""Lymphodepletion and the CAR-T infusion with its safety interlocks.

The infusion is refused, each reason recorded in the audit trail (21 CFR
11.10(f), operational sequence checks), when (issue 7; ARCHITECTURE.md step 3):

1. enrolment is on hold for the protocol;
2. eligibility is not signed (or its signature was invalidated by a change);
3. lymphodepletion is incomplete: a planned agent-day of the protocol's regimen
   has no recorded dose;
4. less than the protocol's ``infusion.min_hours_after_lymphodepletion`` (72 h
   in the bundled protocols) has passed since the last lymphodepletion dose;
5. the product lot is not released;
6. the chain of identity does not match: the lot belongs to another subject,
   its label differs from the subject's CoI id, or the bedside scan differs
   (ISBT 128 ST-028; FACT-JACIE bedside verification);
7. the cell dose is outside the assigned level's tolerance
   (:func:`cartrial.dosing.compute_cell_dose`; a protocol without
   ``cell_dose.tolerance_percent`` accepts no dose rather than guess one).

Every check runs, so the refusal lists all that failed. An infusion that
passes plans the protocol's visits from day 0 (the site's calendar date of the
infusion) in the same transaction. The interval of check 4 is real elapsed
time between two instants, measured in UTC, not on the site's wall clock.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.dosing.cell_dose import compute_cell_dose, format_scientific
from cartrial.errors import InfusionRefused, InputError, NotFoundError
from cartrial.protocol.model import Protocol
from cartrial.services.access import load_subject
from cartrial.services.admin import protocol_of
from cartrial.services.context import Sessions, refuse, require_status, transaction
from cartrial.services.enrolment import active_hold
from cartrial.services.followup import infusion_day, plan_visit_rows
from cartrial.services.screening import eligibility_problem
from cartrial.services.site_clock import elapsed_hours
from cartrial.store.audit import Actor, canonical_text
from cartrial.store.models import Infusion, LymphodepletionDose, ProductLot, Subject

__all__ = ["check_infusion", "record_infusion", "record_lymphodepletion_dose"]


def record_lymphodepletion_dose(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    agent: str,
    study_day: int,
    dose_mg: Decimal,
    completed_at: dt.datetime,
) -> LymphodepletionDose:
    """One lymphodepleting dose given; the first moves the subject to ``lymphodepleted``."""
    if dose_mg <= 0:
        raise InputError("dose_mg", str(dose_mg), "a dose > 0 mg")
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "treatment.record")
        require_status(subject, ("manufacturing", "lymphodepleted"), "give lymphodepletion")
        protocol = protocol_of(session, subject)
        planned = (
            {a.agent for a in protocol.lymphodepletion.agents}
            if protocol.lymphodepletion
            else set()
        )
        if agent not in planned:
            raise InputError(
                "agent", agent, "an agent of the protocol's regimen: " + ", ".join(sorted(planned))
            )
        dose = LymphodepletionDose(
            subject_id=subject.id,
            agent=agent,
            study_day=study_day,
            dose_mg=dose_mg,
            completed_at=completed_at,
        )
        session.add(dose)
        if subject.status == "manufacturing":
            session.info["reason"] = "lymphodepletion started"
            subject.status = "lymphodepleted"
    return dose


def _lymphodepletion_reasons(
    session: Session, subject: Subject, protocol: Protocol, started_at: dt.datetime
) -> list[str]:
    doses = list(
        session.scalars(
            select(LymphodepletionDose).where(LymphodepletionDose.subject_id == subject.id)
        )
    )
    reasons = []
    if protocol.lymphodepletion is not None:
        given = {(d.agent, d.study_day) for d in doses}
        missing = [
            f"{a.agent} day {day}"
            for a in protocol.lymphodepletion.agents
            for day in a.days
            if (a.agent, day) not in given
        ]
        if missing:
            reasons.append(
                "lymphodepletion is incomplete: no dose recorded for " + ", ".join(missing)
            )
    if protocol.infusion is None:
        reasons.append("the protocol states no minimum interval after lymphodepletion")
    elif doses:
        last = max(d.completed_at for d in doses)
        # An interval between two instants: real elapsed hours, in UTC (a summer-time
        # change in between does not shorten or lengthen it); not the site's wall clock.
        hours = elapsed_hours(last, started_at)
        minimum = protocol.infusion.min_hours_after_lymphodepletion
        if hours < minimum:
            reasons.append(
                f"only {hours:.1f} h since the last lymphodepletion dose "
                f"({canonical_text(last)}); the protocol requires at least {minimum} h"
            )
    return reasons


def _product_reasons(subject: Subject, lot: ProductLot, scanned: str) -> list[str]:
    reasons = []
    if lot.status != "released":
        reasons.append(f"product lot {lot.lot_number} is not released (status {lot.status})")
    coi = subject.chain_of_identity_id
    if lot.subject_id != subject.id or lot.chain_of_identity_id != coi or scanned != coi:
        reasons.append(
            f"chain of identity mismatch: subject {subject.code} has {coi}, "
            f"lot {lot.lot_number} is labelled {lot.chain_of_identity_id}, "
            f"bedside scan read {scanned}"
        )
    return reasons


def _dose_reasons(subject: Subject, protocol: Protocol, cells: int) -> list[str]:
    if subject.dose_level is None or subject.weight_kg is None:
        return ["the subject has no assigned dose level (not enrolled)"]
    dose = compute_cell_dose(
        rule=protocol.cell_dose,
        level=protocol.dose_level(subject.dose_level),
        weight_kg=subject.weight_kg,
    )
    if dose.min_cells is None or dose.max_cells is None:
        return ["the protocol states no cell-dose tolerance (cell_dose.tolerance_percent)"]
    if not dose.min_cells <= cells <= dose.max_cells:
        return [
            f"cell dose {format_scientific(Decimal(cells))} is outside dose level "
            f"{dose.level}'s accepted range {format_scientific(Decimal(dose.min_cells))}-"
            f"{format_scientific(Decimal(dose.max_cells))} cells"
        ]
    return []


def check_infusion(
    session: Session,
    *,
    subject: Subject,
    lot: ProductLot,
    scanned_chain_of_identity_id: str,
    cells_infused: int,
    started_at: dt.datetime,
) -> list[str]:
    """Every interlock (module doc, 1-7) that refuses this infusion; empty: go."""
    protocol = protocol_of(session, subject)
    reasons = []
    if (hold := active_hold(session, protocol.id)) is not None:
        reasons.append(f"enrolment is on hold for {protocol.id}: {hold.reason}")
    if subject.status != "lymphodepleted":
        reasons.append(f"subject status is {subject.status!r}, expected 'lymphodepleted'")
    if (problem := eligibility_problem(session, subject)) is not None:
        reasons.append(problem)
    reasons += _lymphodepletion_reasons(session, subject, protocol, started_at)
    reasons += _product_reasons(subject, lot, scanned_chain_of_identity_id)
    reasons += _dose_reasons(subject, protocol, cells_infused)
    return reasons


def record_infusion(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    lot_id: str,
    scanned_chain_of_identity_id: str,
    cells_infused: int,
    started_at: dt.datetime,
) -> Infusion:
    """Record the infusion if every interlock passes; else refuse with all reasons."""
    refusal: InfusionRefused | None = None
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "treatment.record")
        lot = session.get(ProductLot, lot_id)
        if lot is None:
            raise NotFoundError("product lot", lot_id)
        reasons = check_infusion(
            session,
            subject=subject,
            lot=lot,
            scanned_chain_of_identity_id=scanned_chain_of_identity_id,
            cells_infused=cells_infused,
            started_at=started_at,
        )
        if reasons:
            refuse(session, table_name="infusion", record_id=subject.id, reasons=reasons)
            refusal = InfusionRefused(reasons)
        else:
            infusion = Infusion(
                subject_id=subject.id,
                lot_id=lot.id,
                scanned_chain_of_identity_id=scanned_chain_of_identity_id,
                dose_level=subject.dose_level or 0,
                cells_infused=cells_infused,
                started_at=started_at,
            )
            session.add(infusion)
            session.info["reason"] = "CAR-T infusion given"
            subject.status = "infused"
            plan_visit_rows(session, subject, infusion_day(session, subject, started_at))
    if refusal is not None:
        raise refusal
    return infusion
