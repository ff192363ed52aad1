"""The 3+3 design, with its variants as explicit options.

Source: Storer BE, Design and analysis of phase I clinical trials, Biometrics
1989;45:925-937 (the "traditional" design); Le Tourneau C, Lee JJ, Siu LL,
Dose escalation methods in phase I cancer clinical trials, J Natl Cancer Inst
2009;101:708-720 (the traditional 3+3 design). Also
shared/design/CLINICAL_RULES.md, "Dose-escalation rules commonly used".

Rules, applied at the current level ``d`` after each cohort (``n`` treated,
``y`` with a DLT at ``d``):

1. ``y >= 2`` (2 or more DLTs in 3 or in 6): the MTD is exceeded at ``d``.
   At level 1 the trial stops with no MTD. Otherwise, if level ``d - 1`` has 6
   patients, it is declared the MTD; if it has fewer and
   ``deescalation_expands_lower_level`` is true, de-escalate and treat up to 6
   there; if false, ``d - 1`` is declared the MTD with the patients it has.
2. ``n < 3`` (only after accelerated titration): expand to 3 at ``d``.
3. ``y == 1`` and ``n < 6``: expand to 6 at ``d``.
4. ``0 of 3`` or ``<= 1 of 6``: ``d`` is tolerated. Escalate to ``d + 1``
   unless ``d`` is the highest level or ``d + 1`` exceeded the MTD; then
   ``d`` is declared the MTD, after expanding it to 6 when
   ``mtd_requires_six`` is true and it has fewer.

"Up to 3" / "up to 6" means the cohort fills the level to 3 then 6 patients,
so a level reached by single-patient accelerated titration continues
naturally. The rule depends on the counts only (no hidden state), so the live
engine, the simulator and the exact enumeration share it.

Why not a library: see :mod:`cartrial.escalation.base`.

>>> import numpy as np
>>> from cartrial.escalation.base import TrialState
>>> d = ThreePlusThree(n_levels=4)
>>> s = TrialState(n=np.array([[3, 3, 0, 0]]), y=np.array([[0, 1, 0, 0]]),
...                g2=np.zeros((1, 4), dtype=np.int64), current=np.array([2]))
>>> d.explain(s, d.decide(s))
'1 DLT in 3 at level 2: expand to 6, per 3+3'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from cartrial.escalation.base import (
    Action,
    Decisions,
    Design,
    IntArray,
    TrialState,
    dlt_word,
)

__all__ = ["ThreePlusThree", "decide_three_plus_three", "fill_to_next"]

# Rule indices (reason templates below).
R_START = 0
R_EXCEEDED_LOWEST = 1
R_EXCEEDED_MTD_BELOW = 2
R_EXCEEDED_EXPAND_BELOW = 3
R_FILL_TO_3 = 4
R_ONE_IN_3 = 5
R_ESCALATE = 6
R_MTD_DECLARED = 7
R_EXPAND_TO_CONFIRM = 8
R_EXCEEDED_DECLARE_BELOW = 9

THREE_PLUS_THREE_RULES: tuple[str, ...] = (
    "no patient treated yet: start at level {next} with {size} patient(s), per {design}",
    "{y} {dlts} in {n} at level {level}, the lowest level: stop, no MTD, per 3+3",
    "{y} {dlts} in {n} at level {level}: MTD exceeded; level {mtd} ({below}) is the MTD, per 3+3",
    "{y} {dlts} in {n} at level {level}: MTD exceeded; de-escalate to level {next} "
    "({below}) and treat {size} more, per 3+3",
    "{n} treated at level {level} ({y} {dlts}): expand to 3, per 3+3",
    "1 DLT in {n} at level {level}: expand to 6, per 3+3",
    "{y} {dlts} in {n} at level {level}: escalate to level {next}, per 3+3",
    "{y} {dlts} in {n} at level {level} ({why}): level {mtd} is the MTD, per 3+3",
    "{y} {dlts} in {n} at level {level} ({why}): expand to 6 to confirm the MTD, per 3+3",
    "{y} {dlts} in {n} at level {level}: MTD exceeded; level {mtd} ({below}) is the MTD "
    "(no expansion of the lower level), per 3+3",
)


def fill_to_next(n: IntArray) -> IntArray:
    """Patients needed to bring a level to 3, else to 6, else one more cohort of 3.

    >>> fill_to_next(np.array([0, 1, 3, 4, 6]))
    array([3, 2, 3, 2, 3])
    """
    return np.where(n < 3, 3 - n, np.where(n < 6, 6 - n, 3)).astype(np.int64)


def decide_three_plus_three(
    state: TrialState,
    out: Decisions,
    rows: NDArray[np.bool_],
    *,
    mtd_requires_six: bool,
    deescalation_expands_lower_level: bool,
) -> None:
    """Apply the 3+3 rules to the trials ``rows`` (which have a current level)."""
    n, y = state.n, state.y
    t, k = n.shape
    idx = np.arange(t)
    d = np.maximum(state.current, 1)
    nd = n[idx, d - 1]
    yd = y[idx, d - 1]
    exceeded = y >= 2
    ceiling = np.where(exceeded.any(axis=1), exceeded.argmax(axis=1), k)  # highest level allowed
    below = np.maximum(d - 1, 1)
    n_below = n[idx, below - 1]

    exc = rows & (yd >= 2)
    out.set(exc & (d == 1), action=Action.STOP, rule=R_EXCEEDED_LOWEST)
    exc_up = exc & (d > 1)
    declare = exc_up & (n_below >= 6)
    out.set(declare, action=Action.STOP, rule=R_EXCEEDED_MTD_BELOW, mtd=below)
    if deescalation_expands_lower_level:
        out.set(
            exc_up & ~declare,
            action=Action.DEESCALATE,
            rule=R_EXCEEDED_EXPAND_BELOW,
            next_level=below,
            cohort_size=fill_to_next(n_below),
        )
    else:
        out.set(exc_up & ~declare, action=Action.STOP, rule=R_EXCEEDED_DECLARE_BELOW, mtd=below)

    rest = rows & ~exc
    fill3 = rest & (nd < 3)
    out.set(fill3, action=Action.EXPAND, rule=R_FILL_TO_3, next_level=d, cohort_size=3 - nd)
    rest &= ~fill3
    one = rest & (yd == 1) & (nd < 6)
    out.set(one, action=Action.EXPAND, rule=R_ONE_IN_3, next_level=d, cohort_size=6 - nd)
    passed = rest & ~one
    up = passed & (d < ceiling)
    next_n = n[idx, np.minimum(d, k - 1)]
    out.set(
        up,
        action=Action.ESCALATE,
        rule=R_ESCALATE,
        next_level=d + 1,
        cohort_size=fill_to_next(next_n),
    )
    at_ceiling = passed & ~up
    enough = at_ceiling & ((nd >= 6) | (not mtd_requires_six))
    out.set(enough, action=Action.STOP, rule=R_MTD_DECLARED, mtd=d)
    out.set(
        at_ceiling & ~enough,
        action=Action.EXPAND,
        rule=R_EXPAND_TO_CONFIRM,
        next_level=d,
        cohort_size=6 - nd,
    )


def ceiling_reason(state: TrialState, row: int) -> str:
    """Why the current level is the highest allowed (for reasons)."""
    d = int(state.current[row])
    if d >= state.n_levels:
        return "highest level"
    return f"level {d + 1} exceeded the MTD"


def below_summary(state: TrialState, row: int) -> str:
    d = max(int(state.current[row]) - 1, 1)
    y = int(state.y[row, d - 1])
    return f"{y} {dlt_word(y)} in {int(state.n[row, d - 1])}"


@dataclass(frozen=True, kw_only=True)
class ThreePlusThree(Design):
    """The 3+3 design (see the module docstring for the rules and options)."""

    mtd_requires_six: bool = True
    deescalation_expands_lower_level: bool = True
    name: str = field(default="3+3", init=False)
    rules: tuple[str, ...] = field(default=THREE_PLUS_THREE_RULES, init=False)

    def decide(self, state: TrialState) -> Decisions:
        out = Decisions.allocate(state.n_trials)
        started = state.current > 0
        out.set(
            ~started, action=Action.STAY, rule=R_START, next_level=self.start_level, cohort_size=3
        )
        decide_three_plus_three(
            state,
            out,
            started,
            mtd_requires_six=self.mtd_requires_six,
            deescalation_expands_lower_level=self.deescalation_expands_lower_level,
        )
        return out

    def extra_reason_values(
        self, state: TrialState, decisions: Decisions, row: int
    ) -> dict[str, object]:
        return {"why": ceiling_reason(state, row), "below": below_summary(state, row)}
