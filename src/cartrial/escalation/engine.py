"""The live decision engine: the next step of a running trial, pending DLT windows included.

Input: the treated patients in order of treatment, each with a dose level
(from 1), a DLT status (``yes``, ``no``, ``pending``) and the days followed in
the DLT window (docs/escalation.md gives the file format). A ``no`` with fewer
days than the window is still pending: its DLT window is open.

Steps:

1. Count per level the patients with a known outcome (``n``), their DLTs
   (``y``), the grade >= 2 related non-DLT toxicities (``g2``) and the patients
   pending. The current level is the level of the last patient.
2. TITE-CRM (``tite=True``, CRM only): pending patients enter the likelihood
   with weight ``min(days / window, 1)`` (Cheung & Chappell 2000); one decision.
3. Otherwise every possible outcome of the pending patients is enumerated
   (per level, 0..m DLTs among its m pending patients) and the design decides
   each, in one vectorised call. If all agree, that is the decision, with the
   pending patients noted; if not, the answer is **wait** (suspend enrolment),
   with what each outcome would lead to.
4. Designs with a fixed cohort size decide after each cohort: when the last
   cohort at the current level is incomplete, the answer is to complete it
   (stay), unless the outcomes already known (pending patients left out) call
   for a stop or a de-escalation, in which case 3 applies.
5. CRM coherence (``coherent``): the most recent cohort is the last patients
   at the current level, at most one cohort size, pending ones included with
   each enumerated outcome (only the known ones under TITE).
6. Staggering (``stagger_days``, FDA recommendation for first-in-human cell
   therapy; shared/design/CLINICAL_RULES.md): while the only patient at the
   current level has been followed fewer days, a further patient at that level
   must wait.

Because step 3 runs the design's own vectorised ``decide``, the live engine and
the simulator share every rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from cartrial.errors import InputError
from cartrial.escalation.base import Action, Design, TrialState, dlt_word
from cartrial.escalation.crm import Crm, CrmSummary
from cartrial.escalation.interval import IntervalDesign

__all__ = ["Alternative", "NextDecision", "PatientOutcome", "decide_next"]

MAX_OUTCOMES = 65_536


class PatientOutcome(BaseModel):
    """One treated patient (a row of the ``--data`` file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subject: str | None = None
    level: int = Field(ge=1)
    dlt: Literal["yes", "no", "pending"]
    days_followed: int | None = Field(default=None, ge=0)
    grade2_related: bool = False


class Alternative(BaseModel):
    """What the design would do for one possible outcome of the pending patients."""

    outcome: str
    action: str
    next_level: int | None
    mtd_level: int | None


class NextDecision(BaseModel):
    """The answer of ``cartrial escalation next``."""

    design: str
    action: Literal["escalate", "stay", "de-escalate", "expand", "stop", "wait"]
    current_level: int | None
    next_level: int | None
    cohort_size: int | None
    mtd_declared: bool
    mtd_level: int | None
    reason: str
    treated: list[int]
    dlts: list[int]
    pending: list[int]
    alternatives: list[Alternative] = Field(default_factory=list)
    crm: CrmSummary | None = None


def _fixed_cohort(design: Design) -> int | None:
    if isinstance(design, IntervalDesign | Crm):
        return design.cohort_size
    return None


def _is_pending(p: PatientOutcome, window_days: int) -> bool:
    if p.dlt == "pending":
        return True
    return p.dlt == "no" and p.days_followed is not None and p.days_followed < window_days


def decide_next(
    design: Design,
    patients: Sequence[PatientOutcome],
    *,
    window_days: int,
    tite: bool = False,
    stagger_days: int | None = None,
) -> NextDecision:
    """The next step of a trial under ``design`` (see the module docstring)."""
    result = _decide(design, patients, window_days=window_days, tite=tite)
    current = patients[-1].level if patients else 0
    if not stagger_days or result.action not in ("stay", "expand"):
        return result
    at_level = [p for p in patients if p.level == current]
    first = at_level[0] if len(at_level) == 1 else None
    if result.next_level != current or first is None or first.days_followed is None:
        return result
    if first.days_followed >= stagger_days:
        return result
    return result.model_copy(
        update={
            "action": "wait",
            "next_level": None,
            "cohort_size": None,
            "reason": f"wait: staggering; the first patient at level {current} has been followed "
            f"{first.days_followed} of {stagger_days} days (protocol stagger_days), the next "
            f"patient at level {current} from day {stagger_days}; then: {result.reason}",
        }
    )


def _decide(
    design: Design,
    patients: Sequence[PatientOutcome],
    *,
    window_days: int,
    tite: bool,
) -> NextDecision:
    k = design.n_levels
    for i, p in enumerate(patients):
        if p.level > k:
            raise InputError(f"patients[{i}].level", p.level, f"a dose level in 1..{k}")
    if tite and not isinstance(design, Crm):
        raise InputError("tite", True, "a CRM design (TITE weights are for CRM)")
    n = np.zeros(k, dtype=np.int64)
    y = np.zeros(k, dtype=np.int64)
    g2 = np.zeros(k, dtype=np.int64)
    pend = np.zeros(k, dtype=np.int64)
    pending_rows: list[tuple[int, float]] = []
    for i, p in enumerate(patients):
        if p.grade2_related and p.dlt != "yes":
            g2[p.level - 1] += 1
        if _is_pending(p, window_days):
            pend[p.level - 1] += 1
            if tite:
                if p.days_followed is None:
                    raise InputError(f"patients[{i}].days_followed", None, "days for TITE")
                pending_rows.append((p.level, min(p.days_followed / window_days, 1.0)))
        else:
            n[p.level - 1] += 1
            y[p.level - 1] += p.dlt == "yes"
    current = patients[-1].level if patients else 0
    counts = {"treated": (n + pend).tolist(), "dlts": y.tolist(), "pending": pend.tolist()}
    # The most recent cohort (CRM coherence): the last patients at the current level, at
    # most one cohort; pending patients at the current level belong to it.
    recent: list[PatientOutcome] = []
    for p in reversed(patients):
        if p.level != current:
            break
        recent.append(p)
    cohort_run = recent[: _fixed_cohort(design) or len(recent)]
    known_run = [p for p in cohort_run if not _is_pending(p, window_days)]
    last_known = (len(known_run), sum(p.dlt == "yes" for p in known_run))

    if tite and pending_rows:
        state = TrialState(
            n=n[None, :],
            y=y[None, :],
            g2=g2[None, :],
            current=np.array([current]),
            pending_level=np.array([[lvl for lvl, _ in pending_rows]]),
            pending_weight=np.array([[w for _, w in pending_rows]]),
            last_n=np.array([last_known[0]]),
            last_y=np.array([last_known[1]]),
        )
        return _answer(design, state, 0, current, counts, note="")

    # Enumerate the pending outcomes: per level 0..pend DLTs.
    ranges = [range(int(m) + 1) for m in pend]
    n_outcomes = int(np.prod([len(r) for r in ranges]))
    if n_outcomes > MAX_OUTCOMES:
        raise InputError("pending", int(pend.sum()), f"at most {MAX_OUTCOMES} pending outcomes")
    extra = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(-1, k)
    rows = len(extra)
    state = TrialState(
        n=np.repeat((n + pend)[None, :], rows, axis=0),
        y=y[None, :] + extra,
        g2=np.repeat(g2[None, :], rows, axis=0),
        current=np.full(rows, current, dtype=np.int64),
        last_n=np.full(rows, len(cohort_run), dtype=np.int64),
        last_y=np.minimum(
            last_known[1] + (extra[:, current - 1] if current else 0), len(cohort_run)
        ).astype(np.int64),
    )
    dec = design.decide(state)
    keys = list(zip(dec.action.tolist(), dec.next_level.tolist(), dec.mtd.tolist(), strict=True))
    distinct = sorted(set(keys), key=keys.index)
    n_pending = int(pend.sum())
    window = f"{window_days}-day DLT window"
    # Does the data known so far (pending patients left out) already call for a stop or a
    # de-escalation? Then an incomplete cohort is not completed.
    known = design.decide(
        TrialState(
            n=n[None, :],
            y=y[None, :],
            g2=g2[None, :],
            current=np.array([current]),
            last_n=np.array([last_known[0]]),
            last_y=np.array([last_known[1]]),
        )
    )
    risky = int(known.action[0]) in (int(Action.STOP), int(Action.DEESCALATE))
    cohort = _fixed_cohort(design)
    if cohort is not None and patients and not risky:
        run = 0
        for p in reversed(patients):
            if p.level != current:
                break
            run += 1
        if run % cohort:
            missing = cohort - run % cohort
            return NextDecision(
                design=design.name,
                action="stay",
                current_level=current,
                next_level=current,
                cohort_size=missing,
                mtd_declared=False,
                mtd_level=None,
                reason=f"cohort at level {current} has {run % cohort} of {cohort} patients: "
                f"treat {missing} more at level {current} to complete it, per {design.name}",
                **counts,
            )
    if len(distinct) == 1:
        note = (
            f" (the {n_pending} patient(s) inside the {window} are counted as treated; "
            "no outcome of theirs changes this decision)"
            if n_pending
            else ""
        )
        return _answer(design, state, 0, current, counts, note=note)

    # A cohort already begun is completed before its outcomes are waited for, unless the
    # data known so far calls for a stop or a de-escalation (3+3: three patients are
    # treated at a level, then the rule is applied, Storer 1989; the same completion
    # rule as the fixed-cohort designs above). The design, asked on the known data,
    # gives the cohort's size at the current level; single-patient stages (accelerated
    # titration) have size 1 and so still wait for their patient.
    pending_here = int(pend[current - 1]) if current else 0
    wanted = int(known.cohort_size[0])
    if (
        cohort is None
        and not risky
        and int(known.next_level[0]) == current
        and 0 < pending_here < wanted
    ):
        missing = wanted - pending_here
        return NextDecision(
            design=design.name,
            action="stay",
            current_level=current,
            next_level=current,
            cohort_size=missing,
            mtd_declared=False,
            mtd_level=None,
            reason=f"cohort at level {current} has {pending_here} of {wanted} patients, all "
            f"inside the {window}: treat {missing} more at level {current} to complete it "
            f"before the rule is applied (no DLT known at this level calls for a stop or a "
            f"de-escalation), per {design.name}",
            **counts,
        )

    alternatives = []
    for key in distinct:
        row = keys.index(key)
        outcome = _describe_outcome(extra[row], pend)
        action, nxt, mtd = key
        alternatives.append(
            Alternative(
                outcome=outcome,
                action=Action(action).label,
                next_level=nxt or None,
                mtd_level=mtd or None,
            )
        )
    where = ", ".join(f"{int(m)} at level {i + 1}" for i, m in enumerate(pend) if m)
    options = "; ".join(
        f"{a.outcome}: {a.action}"
        + (
            f" {'at' if a.action in ('stay', 'expand') else 'to'} level {a.next_level}"
            if a.next_level and a.action != "stop"
            else ""
        )
        + (f" (MTD level {a.mtd_level})" if a.mtd_level else "")
        for a in alternatives
    )
    return NextDecision(
        design=design.name,
        action="wait",
        current_level=current or None,
        next_level=None,
        cohort_size=None,
        mtd_declared=False,
        mtd_level=None,
        reason=f"wait: {n_pending} patient(s) inside the {window} ({where}) and the decision "
        f"depends on them; {options}, per {design.name}",
        alternatives=alternatives,
        **counts,
    )


def _describe_outcome(extra: np.ndarray, pend: np.ndarray) -> str:
    parts = [
        f"{int(e)} {dlt_word(int(e))} in {int(m)} pending at level {i + 1}"
        for i, (e, m) in enumerate(zip(extra, pend, strict=True))
        if m
    ]
    return ", ".join(parts) or "no pending patients"


def _answer(
    design: Design,
    state: TrialState,
    row: int,
    current: int,
    counts: dict[str, list[int]],
    *,
    note: str,
) -> NextDecision:
    dec = design.decide(state)
    action = Action(int(dec.action[row]))
    mtd = int(dec.mtd[row])
    nxt = int(dec.next_level[row])
    started = int(state.current[row]) > 0
    return NextDecision(
        crm=design.summarise(state, row) if isinstance(design, Crm) and started else None,
        design=design.name,
        action=action.label,
        current_level=current or None,
        next_level=nxt or None,
        cohort_size=int(dec.cohort_size[row]) or None,
        mtd_declared=action == Action.STOP and mtd > 0,
        mtd_level=mtd or None,
        reason=design.explain(state, dec, row) + note,
        **counts,
    )
