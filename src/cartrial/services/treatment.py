"""Lymphodepletion and the CAR-T infusion with its safety interlocks.

The infusion is refused, each reason recorded in the audit trail (21 CFR
11.10(f), operational sequence checks), unless every interlock of
:data:`cartrial.services.interlocks.INTERLOCKS` passes (issue 7; ARCHITECTURE.md
step 3): no hold, subject lymphodepleted, eligibility signed, lymphodepletion
complete and at least the protocol's minimum interval before, product released,
chain of identity matching, cell dose within tolerance. The dry run
(:func:`cartrial.services.interlocks.dry_run`) runs the same list.

Every check runs, so the refusal lists all that failed. An infusion that
passes plans the protocol's visits from day 0 (the site's calendar date of the
infusion) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import InfusionRefused, InputError
from cartrial.services import interlocks
from cartrial.services.access import load_subject
from cartrial.services.admin import protocol_of
from cartrial.services.context import Sessions, refuse, require_status, transaction
from cartrial.services.followup import infusion_day, plan_visit_rows
from cartrial.services.interlocks import InfusionPlan
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


def check_infusion(
    session: Session,
    *,
    subject: Subject,
    lot: ProductLot,
    scanned_chain_of_identity_id: str,
    cells_infused: int,
    started_at: dt.datetime,
) -> list[str]:
    """The reasons of every interlock (:mod:`~cartrial.services.interlocks`) that refuses
    this infusion; empty: go. One not checked (unreachable with every input given) refuses too.
    """
    plan = InfusionPlan(lot, scanned_chain_of_identity_id, cells_infused, started_at)
    results = interlocks.evaluate(session, subject=subject, plan=plan)
    failed = [r.reason for r in results if r.state == "fail"]
    return failed or [r.reason for r in results if r.state != "pass"]


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
        lot = interlocks.lot_in_scope(session, actor, lot_id)
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
