"""The infusion interlocks as one list of checks, run by the infusion and by its dry run.

The checks (issue 7, ARCHITECTURE.md step 3; 21 CFR 11.10(f), operational
sequence checks), in this order, each with its state and its reason:

1. ``hold``: enrolment is not on hold for the protocol;
2. ``status``: the subject is ``lymphodepleted``;
3. ``eligibility``: the latest eligibility decision is ``eligible`` and signed,
   the signature still valid (21 CFR 11.70);
4. ``lymphodepletion_complete``: every planned agent-day of the protocol's
   regimen has a recorded dose;
5. ``lymphodepletion_interval``: at least the protocol's
   ``infusion.min_hours_after_lymphodepletion`` (72 h in the bundled protocols)
   has passed since the last dose: real elapsed time between two instants, in
   UTC, not the site's wall clock;
6. ``product_released``: the product lot is released;
7. ``chain_of_identity``: the lot belongs to the subject, its label is the
   subject's CoI id and so is the bedside scan (ISBT 128 ST-028; FACT-JACIE
   bedside verification);
8. ``cell_dose``: the cells are within the assigned level's tolerance
   (:func:`cartrial.dosing.compute_cell_dose`; a protocol without
   ``cell_dose.tolerance_percent`` accepts no dose rather than guess one).

A check is ``pass``, ``fail`` or ``not_checked`` (an input it needs, the lot,
the bedside scan or the cell count, was not given: only a dry run leaves one
out). Every check always runs, so a refusal lists all that failed.
:func:`cartrial.services.treatment.record_infusion` refuses unless every check
passes; :func:`dry_run` reports the same list and writes nothing (no record,
no audit entry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.dosing.cell_dose import compute_cell_dose, format_scientific
from cartrial.errors import InputError, NotFoundError
from cartrial.protocol.model import Protocol
from cartrial.services.access import load_subject
from cartrial.services.admin import protocol_of
from cartrial.services.context import Sessions
from cartrial.services.enrolment import active_hold
from cartrial.services.screening import eligibility_problem
from cartrial.services.site_clock import elapsed_hours
from cartrial.store.audit import canonical_text
from cartrial.store.models import LymphodepletionDose, ProductLot, Subject, utcnow

__all__ = [
    "INTERLOCKS",
    "InfusionCheck",
    "InfusionPlan",
    "InterlockResult",
    "InterlockState",
    "dry_run",
    "evaluate",
    "find_lot",
    "lot_in_scope",
]

InterlockState = Literal["pass", "fail", "not_checked"]


@dataclass(frozen=True)
class InfusionPlan:
    """What the bedside brings: the lot, the scanned CoI id, the cells and the start time.

    ``None`` means not given (a dry run); :func:`record_infusion` gives all of them.
    """

    lot: ProductLot | None
    scanned_chain_of_identity_id: str | None
    cells_infused: int | None
    started_at: dt.datetime


@dataclass(frozen=True)
class InterlockResult:
    """One interlock's outcome: its name, what it checks, its state and why."""

    name: str
    title: str
    state: InterlockState
    reason: str


@dataclass(frozen=True)
class _Inputs:
    session: Session
    subject: Subject
    protocol: Protocol
    plan: InfusionPlan


_Outcome = tuple[InterlockState, str]


def _hold(x: _Inputs) -> _Outcome:
    if (hold := active_hold(x.session, x.protocol.id)) is not None:
        return "fail", f"enrolment is on hold for {x.protocol.id}: {hold.reason}"
    return "pass", f"no enrolment hold for {x.protocol.id}"


def _status(x: _Inputs) -> _Outcome:
    if x.subject.status != "lymphodepleted":
        return "fail", f"subject status is {x.subject.status!r}, expected 'lymphodepleted'"
    return "pass", "subject status is 'lymphodepleted'"


def _eligibility(x: _Inputs) -> _Outcome:
    if (problem := eligibility_problem(x.session, x.subject)) is not None:
        return "fail", problem
    return "pass", "the latest decision is 'eligible', signed by an investigator, still valid"


def _doses(x: _Inputs) -> list[LymphodepletionDose]:
    return list(
        x.session.scalars(
            select(LymphodepletionDose).where(LymphodepletionDose.subject_id == x.subject.id)
        )
    )


def _lymphodepletion_complete(x: _Inputs) -> _Outcome:
    regimen = x.protocol.lymphodepletion
    if regimen is None:
        return "pass", "the protocol has no lymphodepletion regimen"
    given = {(d.agent, d.study_day) for d in _doses(x)}
    missing = [
        f"{a.agent} day {day}"
        for a in regimen.agents
        for day in a.days
        if (a.agent, day) not in given
    ]
    if missing:
        return "fail", "lymphodepletion is incomplete: no dose recorded for " + ", ".join(missing)
    planned = "; ".join(f"{a.agent} days {', '.join(map(str, a.days))}" for a in regimen.agents)
    return "pass", f"every planned dose is recorded: {planned}"


def _lymphodepletion_interval(x: _Inputs) -> _Outcome:
    if x.protocol.infusion is None:
        return "fail", "the protocol states no minimum interval after lymphodepletion"
    minimum = x.protocol.infusion.min_hours_after_lymphodepletion
    doses = _doses(x)
    if not doses:
        if x.protocol.lymphodepletion is None:
            return "pass", "the protocol has no lymphodepletion regimen"
        return "not_checked", "no lymphodepletion dose recorded yet"
    last = max(d.completed_at for d in doses)
    # An interval between two instants: real elapsed hours, in UTC (a summer-time
    # change in between does not shorten or lengthen it); not the site's wall clock.
    hours = elapsed_hours(last, x.plan.started_at)
    said = f"{hours:.1f} h since the last lymphodepletion dose ({canonical_text(last)})"
    if hours < minimum:
        return "fail", f"only {said}; the protocol requires at least {minimum} h"
    return "pass", f"{said}; the protocol requires at least {minimum} h"


def _product_released(x: _Inputs) -> _Outcome:
    lot = x.plan.lot
    if lot is None:
        return "not_checked", "no product lot given"
    if lot.status != "released":
        return "fail", f"product lot {lot.lot_number} is not released (status {lot.status})"
    return "pass", f"product lot {lot.lot_number} is released"


def _chain_of_identity(x: _Inputs) -> _Outcome:
    subject, lot, scanned = x.subject, x.plan.lot, x.plan.scanned_chain_of_identity_id
    coi = subject.chain_of_identity_id
    lot_matches = lot is None or (lot.subject_id == subject.id and lot.chain_of_identity_id == coi)
    scan_matches = scanned is None or scanned == coi
    lot_text = (
        "no lot given"
        if lot is None
        else f"lot {lot.lot_number} is labelled {lot.chain_of_identity_id}"
    )
    scan_text = "no bedside scan given" if scanned is None else f"bedside scan read {scanned}"
    if not (lot_matches and scan_matches and coi is not None):
        said = f"subject {subject.code} has {coi}, {lot_text}, {scan_text}"
        return "fail", f"chain of identity mismatch: {said}"
    if lot is None or scanned is None:
        return "not_checked", f"subject {subject.code} has {coi}, {lot_text}, {scan_text}"
    return "pass", f"subject {subject.code}, lot {lot.lot_number} and bedside scan all read {coi}"


def _cell_dose(x: _Inputs) -> _Outcome:
    subject, cells = x.subject, x.plan.cells_infused
    if subject.dose_level is None or subject.weight_kg is None:
        return "fail", "the subject has no assigned dose level (not enrolled)"
    dose = compute_cell_dose(
        rule=x.protocol.cell_dose,
        level=x.protocol.dose_level(subject.dose_level),
        weight_kg=subject.weight_kg,
    )
    if dose.min_cells is None or dose.max_cells is None:
        return "fail", "the protocol states no cell-dose tolerance (cell_dose.tolerance_percent)"
    accepted = (
        f"dose level {dose.level}'s accepted range {format_scientific(Decimal(dose.min_cells))}-"
        f"{format_scientific(Decimal(dose.max_cells))} cells"
    )
    if cells is None:
        return "not_checked", f"no cell count given; {accepted}"
    where = "inside" if dose.min_cells <= cells <= dose.max_cells else "outside"
    text = f"cell dose {format_scientific(Decimal(cells))} is {where} {accepted}"
    return ("pass" if where == "inside" else "fail"), text


#: (name, what it checks, the check): the one list both the infusion and the dry run run.
INTERLOCKS: tuple[tuple[str, str, Callable[[_Inputs], _Outcome]], ...] = (
    ("hold", "no enrolment hold on the protocol", _hold),
    ("status", "subject is lymphodepleted", _status),
    ("eligibility", "eligibility signed, signature valid", _eligibility),
    (
        "lymphodepletion_complete",
        "every planned lymphodepletion dose recorded",
        _lymphodepletion_complete,
    ),
    (
        "lymphodepletion_interval",
        "minimum interval after the last lymphodepletion dose",
        _lymphodepletion_interval,
    ),
    ("product_released", "product lot released", _product_released),
    (
        "chain_of_identity",
        "subject, lot label and bedside scan carry one CoI id",
        _chain_of_identity,
    ),
    ("cell_dose", "cell dose within the level's tolerance", _cell_dose),
)


def evaluate(session: Session, *, subject: Subject, plan: InfusionPlan) -> list[InterlockResult]:
    """Every interlock (module doc, 1-8) on ``plan``, in order; reads only."""
    inputs = _Inputs(session, subject, protocol_of(session, subject), plan)
    results = []
    for name, title, check in INTERLOCKS:
        state, reason = check(inputs)
        results.append(InterlockResult(name, title, state, reason))
    return results


def lot_in_scope(session: Session, actor: Actor, lot_id: str) -> ProductLot:
    """The product lot, if its subject is in ``actor``'s scope; another site's is not found."""
    lot = session.get(ProductLot, lot_id)
    if lot is None:
        raise NotFoundError("product lot", lot_id)
    if actor.site_id is not None:
        owner = session.get(Subject, lot.subject_id)
        if owner is None or owner.site_id != actor.site_id:
            raise NotFoundError("product lot", lot_id)
    return lot


def find_lot(sessions: Sessions, *, actor: Actor, key: str) -> str:
    """The id of the lot named by ``key``: its id or its lot number (both unique).

    A lot out of ``actor``'s scope is not found in the words used for a lot that does not
    exist, naming ``key`` as given (never the lot's id: issue 14).
    """
    with sessions() as session:
        lot = (
            session.get(ProductLot, key)
            or session.scalars(select(ProductLot).where(ProductLot.lot_number == key)).first()
        )
        try:
            if lot is None:
                raise NotFoundError("product lot", key)
            return lot_in_scope(session, actor, lot.id).id
        except NotFoundError:
            raise NotFoundError("product lot", key) from None


@dataclass(frozen=True)
class InfusionCheck:
    """A dry run's answer: the subject, the inputs as given, every interlock, the verdict."""

    subject_id: str
    subject_code: str
    as_of: dt.datetime
    lot_id: str | None
    scanned_chain_of_identity_id: str | None
    cells_infused: int | None
    interlocks: list[InterlockResult]

    @property
    def verdict(self) -> Literal["pass", "fail", "incomplete"]:
        """``fail`` if any interlock fails, ``incomplete`` if any was not checked, else ``pass``."""
        states = {i.state for i in self.interlocks}
        if "fail" in states:
            return "fail"
        return "incomplete" if "not_checked" in states else "pass"

    def describe(self) -> str:
        """The verdict in words, naming the interlocks that fail or were not checked."""
        failed = [i.name for i in self.interlocks if i.state == "fail"]
        unchecked = [i.name for i in self.interlocks if i.state == "not_checked"]
        if failed:
            named = ", ".join(failed)
            return f"the infusion would be refused: {len(failed)} interlock(s) fail ({named})"
        if unchecked:
            return (
                f"no interlock fails, but {len(unchecked)} could not be checked "
                f"({', '.join(unchecked)}): give the missing inputs"
            )
        return "every interlock passes: the infusion would be recorded"

    def as_json(self) -> dict[str, object]:
        """Plain JSON values: the shape of ``GET /subjects/{id}/infusion-check``."""
        return {
            "subject_id": self.subject_id,
            "subject_code": self.subject_code,
            "as_of": self.as_of.isoformat(),
            "lot_id": self.lot_id,
            "scanned_chain_of_identity_id": self.scanned_chain_of_identity_id,
            "cells_infused": self.cells_infused,
            "verdict": self.verdict,
            "message": self.describe(),
            "interlocks": [
                {"name": i.name, "title": i.title, "state": i.state, "reason": i.reason}
                for i in self.interlocks
            ],
        }


def dry_run(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    lot_id: str | None = None,
    scanned_chain_of_identity_id: str | None = None,
    cells_infused: int | None = None,
    at: dt.datetime | None = None,
) -> InfusionCheck:
    """Every interlock as :func:`record_infusion` would run it, writing nothing.

    ``at`` is when the infusion would start (default: now). Any role that may
    read the subject may ask (site-scoped, like every read).
    """
    if cells_infused is not None and cells_infused <= 0:
        raise InputError("cells", cells_infused, "a number of cells > 0")
    if at is not None and at.tzinfo is None:
        raise InputError("at", at.isoformat(), "a time with its UTC offset (ISO 8601)")
    started_at = at or utcnow()
    with sessions() as session:  # read only: closed without commit
        subject = load_subject(session, actor, subject_id, "subject.read")
        lot = lot_in_scope(session, actor, lot_id) if lot_id is not None else None
        plan = InfusionPlan(lot, scanned_chain_of_identity_id, cells_infused, started_at)
        results = evaluate(session, subject=subject, plan=plan)
        return InfusionCheck(
            subject_id=subject.id,
            subject_code=subject.code,
            as_of=started_at,
            lot_id=lot.id if lot is not None else None,
            scanned_chain_of_identity_id=scanned_chain_of_identity_id,
            cells_infused=cells_infused,
            interlocks=results,
        )
