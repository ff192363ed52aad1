"""The one wiring of the live escalation engine under a protocol (issue 12).

:func:`decide_for_protocol` takes a protocol and the treated patients' DLT
outcomes (from a file for ``cartrial escalation next``, from the store for
``cartrial.services.enrolment.engine_decision``) and returns the engine's
decision. It reads, once, what the protocol says about escalation:

- the design (:func:`~cartrial.escalation.designs.design_from_protocol`, with
  the command line's overrides);
- the DLT window (``dlt.window_days``): a patient followed fewer days without a
  DLT is pending (Storer 1989; TITE-CRM weights, Cheung & Chappell 2000);
- TITE: on when the protocol's CRM says ``tite: true`` and the design is a CRM;
- stagger (``escalation.stagger_days``): the days between the first patients of
  a level.

A protocol without a ``dlt:`` section is refused (``protocol.dlt``), never given
a default window: the window decides whether a patient with no DLT yet counts as
DLT-free, and a guessed 28 days under a protocol whose window is 42 would let the
engine escalate while a patient is still inside the protocol's window (ICH E6(R3)
section 6: the protocol, not the software, defines the DLT assessment period).
Pure domain: no database.
"""

from __future__ import annotations

from collections.abc import Iterable

from cartrial.errors import InputError
from cartrial.escalation.crm import Crm
from cartrial.escalation.designs import design_from_protocol
from cartrial.escalation.engine import NextDecision, PatientOutcome, decide_next
from cartrial.protocol.model import Protocol

__all__ = ["decide_for_protocol"]


def decide_for_protocol(
    protocol: Protocol,
    outcomes: Iterable[PatientOutcome],
    *,
    design: str | None = None,
    target: float | None = None,
    cohort_size: int | None = None,
    n_cohorts: int | None = None,
    tite: bool | None = None,
) -> NextDecision:
    """The live engine's next step for ``outcomes`` under ``protocol`` (module doc).

    ``design``, ``target``, ``cohort_size``, ``n_cohorts`` and ``tite`` override
    the protocol's (the command line's options); None keeps the protocol's.
    """
    if protocol.dlt is None:
        raise InputError(
            "protocol.dlt",
            None,
            f"a DLT section with its window ('dlt: window_days') in protocol {protocol.id}: "
            "without it a patient without a DLT cannot be told pending or DLT-free "
            "(no default window is assumed)",
        )
    chosen = design_from_protocol(
        protocol, design=design, target=target, cohort_size=cohort_size, n_cohorts=n_cohorts
    )
    spec = protocol.escalation
    if tite is None:
        tite = bool(spec and spec.crm and spec.crm.tite and isinstance(chosen, Crm))
    return decide_next(
        chosen,
        list(outcomes),
        window_days=protocol.dlt.window_days,
        tite=tite,
        stagger_days=spec.stagger_days if spec else None,
    )
