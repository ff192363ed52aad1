"""Accelerated titration switching to 3+3.

Source: Simon R, Freidlin B, Rubinstein L, Arbuck SG, Collins J, Christian MC.
Accelerated titration designs for phase I clinical trials in oncology.
J Natl Cancer Inst 1997;89:1138-1147, section "Designs" (designs 2-4: one
patient per dose level until the first DLT or the second instance of a
grade >= 2 toxicity in the first course, then the cohort of the current level
is expanded and the standard design is used). The standard design here is
:mod:`cartrial.escalation.three_plus_three` with its options.

Rules (protocol parameters in ``AcceleratedTitration``):

1. Accelerated phase while no DLT has occurred, fewer than
   ``switch_on_nth_grade2_related`` grade >= 2 related toxicities (when set),
   fewer than ``max_single_patient_levels`` levels treated (when set) and no
   level has more than one patient: one patient per level, escalating one
   level at a time.
2. Once a trigger (DLT or grade-2 count) fires, 3+3 applies with the current
   level filled to 3 (a DLT in the single patient counts as 1 DLT in the 3+3
   count).
3. When ``max_single_patient_levels`` levels have had one patient each without
   a trigger, 3+3 starts at the next level with a full cohort of 3 (at the
   highest level, the current level is filled to 3).

The phase is a function of the counts, so the live engine, the simulator and
the exact enumeration share the rule. The simulator draws DLTs only (no
grade-2 model), so in simulation the grade-2 trigger never fires; this is
Simon's design 2 with the DLT trigger.

Intra-patient dose escalation (Simon's designs 3-4) is not implemented.

>>> import numpy as np
>>> from cartrial.escalation.base import TrialState
>>> d = AcceleratedTitration(n_levels=5)
>>> s = TrialState(n=np.array([[1, 1, 0, 0, 0]]), y=np.array([[0, 1, 0, 0, 0]]),
...                g2=np.zeros((1, 5), dtype=np.int64), current=np.array([2]))
>>> d.explain(s, d.decide(s))
'first DLT at level 2 (1 DLT in 1): accelerated titration ends; expand level 2 to 3, per 3+3'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cartrial.escalation.base import Action, Decisions, Design, TrialState
from cartrial.escalation.three_plus_three import (
    R_FILL_TO_3,
    R_START,
    THREE_PLUS_THREE_RULES,
    below_summary,
    ceiling_reason,
    decide_three_plus_three,
    fill_to_next,
)

__all__ = ["AcceleratedTitration", "is_accelerated_phase"]

R_SINGLE = len(THREE_PLUS_THREE_RULES)
R_TOP_SWITCH = R_SINGLE + 1
R_SWITCH = R_SINGLE + 2
R_LIMIT = R_SINGLE + 3

ATD_RULES = (
    *THREE_PLUS_THREE_RULES,
    "no DLT and {g2} grade >= 2 related toxicity in {total} single-patient levels: "
    "escalate to level {next} with 1 patient, per accelerated titration",
    "no trigger by the highest level {level}: accelerated titration ends; "
    "expand level {level} to 3, per 3+3",
    "{trigger}: accelerated titration ends; expand level {level} to 3, per 3+3",
    "{total} single-patient levels without a DLT (protocol limit): accelerated titration "
    "ends; escalate to level {next} with {size} patients, per 3+3",
)


def is_accelerated_phase(
    state: TrialState,
    *,
    switch_on_first_dlt: bool = True,
    switch_on_nth_grade2_related: int | None = 2,
    max_single_patient_levels: int | None = None,
) -> NDArray[np.bool_]:
    """Whether each trial is still in the single-patient phase (no trigger yet)."""
    acc: NDArray[np.bool_] = state.n.max(axis=1) <= 1
    if switch_on_first_dlt:
        acc &= state.y.sum(axis=1) == 0
    if switch_on_nth_grade2_related is not None:
        acc &= (state.g2.sum(axis=1) + state.y.sum(axis=1)) < switch_on_nth_grade2_related
    if max_single_patient_levels is not None:
        acc &= (state.n > 0).sum(axis=1) < max_single_patient_levels
    return acc


@dataclass(frozen=True, kw_only=True)
class AcceleratedTitration(Design):
    """Accelerated titration (Simon 1997) then 3+3; see the module docstring."""

    switch_on_first_dlt: bool = True
    switch_on_nth_grade2_related: int | None = 2
    max_single_patient_levels: int | None = None
    mtd_requires_six: bool = True
    deescalation_expands_lower_level: bool = True
    name: str = field(default="accelerated titration + 3+3", init=False)
    rules: tuple[str, ...] = field(default=ATD_RULES, init=False)

    def _accelerated(self, state: TrialState) -> NDArray[np.bool_]:
        return is_accelerated_phase(
            state,
            switch_on_first_dlt=self.switch_on_first_dlt,
            switch_on_nth_grade2_related=self.switch_on_nth_grade2_related,
            max_single_patient_levels=self.max_single_patient_levels,
        )

    def decide(self, state: TrialState) -> Decisions:
        out = Decisions.allocate(state.n_trials)
        started = state.current > 0
        out.set(
            ~started, action=Action.STAY, rule=R_START, next_level=self.start_level, cohort_size=1
        )
        acc = started & self._accelerated(state)
        top = state.current >= self.n_levels
        out.set(
            acc & ~top,
            action=Action.ESCALATE,
            rule=R_SINGLE,
            next_level=state.current + 1,
            cohort_size=1,
        )
        y_total = state.y.sum(axis=1)
        g2_total = state.g2.sum(axis=1) + y_total
        no_trigger = np.ones(state.n_trials, dtype=bool)
        if self.switch_on_first_dlt:
            no_trigger &= y_total == 0
        if self.switch_on_nth_grade2_related is not None:
            no_trigger &= g2_total < self.switch_on_nth_grade2_related
        limit = started & ~acc & no_trigger & (state.n.max(axis=1) <= 1) & ~top
        nxt = np.minimum(state.current + 1, self.n_levels)
        out.set(
            limit,
            action=Action.ESCALATE,
            rule=R_LIMIT,
            next_level=nxt,
            cohort_size=fill_to_next(state.n[np.arange(state.n_trials), nxt - 1]),
        )
        standard = started & ~(acc & ~top) & ~limit
        decide_three_plus_three(
            state,
            out,
            standard,
            mtd_requires_six=self.mtd_requires_six,
            deescalation_expands_lower_level=self.deescalation_expands_lower_level,
        )
        # Name the trigger when 3+3 starts by filling the single-patient level.
        switching = standard & (out.rule == R_FILL_TO_3) & (state.n.max(axis=1) <= 1)
        out.rule[switching & acc] = R_TOP_SWITCH
        out.rule[switching & ~acc] = R_SWITCH
        return out

    def extra_reason_values(
        self, state: TrialState, decisions: Decisions, row: int
    ) -> dict[str, object]:
        d = int(state.current[row])
        y_total = int(state.y[row].sum())
        g2_total = int(state.g2[row].sum())
        if self.switch_on_first_dlt and y_total > 0:
            trigger = f"first DLT at level {d} ({int(state.y[row, d - 1])} DLT in 1)"
        elif (
            self.switch_on_nth_grade2_related is not None
            and g2_total + y_total >= self.switch_on_nth_grade2_related
        ):
            trigger = f"{g2_total + y_total} grade >= 2 related toxicities"
        else:
            trigger = f"{int((state.n[row] > 0).sum())} single-patient levels treated"
        return {
            "why": ceiling_reason(state, row),
            "below": below_summary(state, row),
            "g2": g2_total,
            "trigger": trigger,
        }
