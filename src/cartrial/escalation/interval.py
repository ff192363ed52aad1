"""The shared framework of the interval (model-assisted) designs: BOIN and i3+3.

Sources: Liu S, Yuan Y, J R Stat Soc C 2015;64:507-523, section 2 (the trial
conduct around BOIN's boundaries: dose elimination, stopping, isotonic MTD
selection); Yuan Y, Hess KR, Hilsenbeck SG, Gilbert MR, Bayesian optimal
interval design: a simple and well-performing design for phase I oncology
trials, Clin Cancer Res 2016;22:4291-4301 (the extra-safe stopping rule and the
cap on patients per dose); Liu M, Wang S-J, Ji Y, The i3+3 design for phase I
clinical trials, J Biopharm Stat 2020;30:294-304 (the same safety rule, taken
from mTPI).

A design in this family reduces to a decision table ``code[n, y]``
(escalate / stay / de-escalate for ``y`` DLTs in ``n`` patients at the current
level) computed once from its parameters. Around the table, in this order,
after each cohort at the current level ``d``:

1. Elimination: a level with ``n >= 3`` and ``P(p > target | y, n) > cutoff``
   (Beta(1, 1) prior, default cutoff 0.95) is eliminated with all levels above
   it. If level 1 is eliminated the trial stops with no MTD.
2. Extra-safe (optional): when ``n >= 3`` at level 1 and
   ``P(p1 > target) > cutoff - offset`` (default offset 0.05), stop with no MTD.
3. The table gives the direction; escalation to an eliminated level and
   de-escalation below level 1 become "stay"; a level that is itself
   eliminated is always left downwards.
4. Stop when the maximum sample size is reached, or (optional cap) when the
   next level already has ``n_earlystop`` patients; then select the MTD by
   :func:`~cartrial.escalation.isotonic.select_mtd_isotonic` with the design's
   ``mtd_estimator`` (``"patients"``, the default, or ``"r_boin"``, R BOIN
   ``select.mtd``'s weights; see that module).

Why not a library: see :mod:`cartrial.escalation.base`.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.stats import beta

from cartrial.escalation.base import (
    Action,
    Decisions,
    Design,
    IntArray,
    TrialState,
    unique_counts,
)
from cartrial.escalation.isotonic import MtdEstimator, select_mtd_isotonic

__all__ = ["CODE_DEESCALATE", "CODE_ESCALATE", "CODE_STAY", "IntervalDesign"]

CODE_ESCALATE, CODE_STAY, CODE_DEESCALATE = 0, 1, 2

R_START, R_ELIM_LOWEST, R_EXTRA_SAFE = 0, 1, 2
R_ESC, R_STAY, R_STAY_TOP, R_STAY_NEXT_ELIM, R_STAY_LOWEST = 3, 4, 5, 6, 7
R_DEESC, R_DEESC_ELIM, R_MAX_N, R_CAP = 8, 9, 10, 11

INTERVAL_RULES: tuple[str, ...] = (
    "no patient treated yet: start at level {next} with {size} patient(s), per {design}",
    "{y1} {dlts1} in {n1} at level 1: P(DLT rate > {target}) = {p_over1:.3f} > {cutoff}; "
    "level 1 eliminated: stop, no MTD, per {design}",
    "{y1} {dlts1} in {n1} at level 1: P(DLT rate > {target}) = {p_over1:.3f} > {cutoff_safe}; "
    "extra-safe rule: stop, no MTD, per {design}",
    "{y} {dlts} in {n} at level {level} ({why}): escalate to level {next}, per {design}",
    "{y} {dlts} in {n} at level {level} ({why}): stay at level {level}, per {design}",
    "{y} {dlts} in {n} at level {level} ({why}) but level {level} is the highest: "
    "stay, per {design}",
    "{y} {dlts} in {n} at level {level} ({why}) but level {above} is eliminated: "
    "stay, per {design}",
    "{y} {dlts} in {n} at level {level} ({why}) but level 1 is the lowest: stay, per {design}",
    "{y} {dlts} in {n} at level {level} ({why}): de-escalate to level {next}, per {design}",
    "{y} {dlts} in {n} at level {level}: P(DLT rate > {target}) = {p_over:.3f} > {cutoff}; "
    "level {level} and above eliminated: de-escalate to level {next}, per {design}",
    "maximum sample size {total} reached: stop; {mtd_text}, per {design}",
    "level {cap_level} would get the next cohort and already has {n_next} patients "
    "(cap {cap}): stop; {mtd_text}, per {design}",
)


@dataclass(frozen=True, kw_only=True)
class IntervalDesign(Design):
    """Base of the table-driven designs; subclasses give the decision table."""

    target: float
    cohort_size: int = 3
    max_sample_size: int = 30
    cutoff_eli: float = 0.95
    extra_safe: bool = False
    offset: float = 0.05
    n_earlystop: int | None = None
    bound_mtd: bool = False
    mtd_estimator: MtdEstimator = "patients"
    rules: tuple[str, ...] = field(default=INTERVAL_RULES, init=False)
    table: IntArray = field(init=False, repr=False, compare=False)
    eliminate: np.ndarray = field(init=False, repr=False, compare=False)
    unsafe_lowest: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 < self.target < 1:
            raise ValueError(f"target must be in (0, 1), got {self.target}")
        if self.cohort_size < 1 or self.max_sample_size < 1:
            raise ValueError("cohort_size and max_sample_size must be >= 1")
        size = self.max_sample_size + 1
        nn, yy = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        valid = yy <= nn
        p_over = beta.sf(self.target, 1 + yy, 1 + np.maximum(nn - yy, 0))
        object.__setattr__(self, "table", self.compute_decision_table(nn, yy))
        object.__setattr__(self, "eliminate", valid & (nn >= 3) & (p_over > self.cutoff_eli))
        object.__setattr__(
            self,
            "unsafe_lowest",
            valid & (nn >= 3) & (p_over > self.cutoff_eli - self.offset),
        )

    @abstractmethod
    def compute_decision_table(self, n: IntArray, y: IntArray) -> IntArray:
        """Decision code (escalate 0, stay 1, de-escalate 2) for ``y`` DLTs in ``n``."""

    @abstractmethod
    def describe_rate(self, n: int, y: int) -> str:
        """The comparison behind the table's answer, in words and numbers."""

    @property
    def mtd_bound(self) -> float | None:
        """Upper bound on the selected MTD's isotonic estimate (``bound_mtd``)."""
        return None

    def eliminated(self, n: IntArray, y: IntArray) -> np.ndarray:
        """Eliminated levels (trials x levels), before propagation upwards."""
        size = self.max_sample_size + 1
        flat = np.minimum(n, self.max_sample_size) * size + np.minimum(y, n)
        return self.eliminate.ravel()[flat]  # type: ignore[no-any-return]

    def select_mtd(self, n: IntArray, y: IntArray) -> IntArray:
        """MTD level per trial (0 = none) from the final counts.

        Trials with the same counts share the answer, so the isotonic
        regression runs once per distinct count vector.
        """
        un, uy, inverse = unique_counts(n, y)
        selected, _ = select_mtd_isotonic(
            n=un,
            y=uy,
            target=self.target,
            eliminated=self.eliminated(un, uy),
            bound=self.mtd_bound,
            estimator=self.mtd_estimator,
        )
        return selected[inverse]

    def decide(self, state: TrialState) -> Decisions:
        n, y = state.n, state.y
        t, k = n.shape
        idx = np.arange(t)
        out = Decisions.allocate(t)
        started = state.current > 0
        out.set(
            ~started,
            action=Action.STAY,
            rule=R_START,
            next_level=self.start_level,
            cohort_size=self.cohort_size,
        )
        d = np.maximum(state.current, 1)
        nd = np.minimum(n[idx, d - 1], self.max_sample_size)
        yd = np.minimum(y[idx, d - 1], nd)
        elim = np.logical_or.accumulate(self.eliminated(n, y), axis=1)
        total = n.sum(axis=1)

        stop_low = started & elim[:, 0]
        out.set(stop_low, action=Action.STOP, rule=R_ELIM_LOWEST)
        rest = started & ~stop_low
        if self.extra_safe:
            unsafe = rest & self.unsafe_lowest[np.minimum(n[:, 0], self.max_sample_size), y[:, 0]]
            out.set(unsafe, action=Action.STOP, rule=R_EXTRA_SAFE)
            rest &= ~unsafe

        code = self.table[nd, yd]
        up = np.minimum(d, k - 1)
        up_ok = (d < k) & ~elim[idx, up]
        here_elim = elim[idx, d - 1]
        deesc = rest & ((code == CODE_DEESCALATE) | here_elim) & (d > 1)
        esc = rest & (code == CODE_ESCALATE) & up_ok & ~here_elim
        nxt = np.where(esc, d + 1, np.where(deesc, d - 1, d))

        full = rest & (total >= self.max_sample_size)
        cap = rest & ~full
        if self.n_earlystop is not None:
            cap &= n[idx, nxt - 1] >= self.n_earlystop
        else:
            cap &= False
        stopping = full | cap
        if stopping.any():
            mtd = np.zeros(t, dtype=np.int64)
            mtd[stopping] = self.select_mtd(n[stopping], y[stopping])
            out.set(full, action=Action.STOP, rule=R_MAX_N, mtd=mtd)
            out.set(cap, action=Action.STOP, rule=R_CAP, mtd=mtd)
        moving = rest & ~stopping
        size = np.minimum(self.cohort_size, self.max_sample_size - total)
        out.set(moving & esc, action=Action.ESCALATE, rule=R_ESC, next_level=nxt, cohort_size=size)
        out.set(
            moving & deesc & here_elim,
            action=Action.DEESCALATE,
            rule=R_DEESC_ELIM,
            next_level=nxt,
            cohort_size=size,
        )
        out.set(
            moving & deesc & ~here_elim,
            action=Action.DEESCALATE,
            rule=R_DEESC,
            next_level=nxt,
            cohort_size=size,
        )
        stay = moving & ~esc & ~deesc
        stay_rule = np.full(t, R_STAY)
        stay_rule[(code == CODE_ESCALATE) & (d >= k)] = R_STAY_TOP
        stay_rule[(code == CODE_ESCALATE) & (d < k) & ~up_ok] = R_STAY_NEXT_ELIM
        stay_rule[(code == CODE_DEESCALATE) & (d == 1)] = R_STAY_LOWEST
        out.set(stay, action=Action.STAY, rule=R_STAY, next_level=d, cohort_size=size)
        out.rule[stay] = stay_rule[stay]
        return out

    def extra_reason_values(
        self, state: TrialState, decisions: Decisions, row: int
    ) -> dict[str, object]:
        d = max(int(state.current[row]), 1)
        n, y = int(state.n[row, d - 1]), int(state.y[row, d - 1])
        n1, y1 = int(state.n[row, 0]), int(state.y[row, 0])
        nxt = int(decisions.next_level[row])
        if int(decisions.rule[row]) == R_CAP:
            uncapped = replace(self, n_earlystop=None)
            nxt = int(uncapped.decide(state.take(np.array([row]))).next_level[0]) or d
        mtd = int(decisions.mtd[row])
        if mtd:
            _, est = select_mtd_isotonic(
                n=state.n[row : row + 1],
                y=state.y[row : row + 1],
                target=self.target,
                eliminated=self.eliminated(state.n[row : row + 1], state.y[row : row + 1]),
                bound=self.mtd_bound,
                estimator=self.mtd_estimator,
            )
            mtd_text = f"MTD level {mtd} (isotonic estimate {est[0, mtd - 1]:.3f})"
        else:
            mtd_text = "no MTD"
        return {
            "why": self.describe_rate(n, y) if n else "",
            "target": self.target,
            "cutoff": self.cutoff_eli,
            "cutoff_safe": round(self.cutoff_eli - self.offset, 6),
            "p_over": float(beta.sf(self.target, 1 + y, 1 + n - y)),
            "p_over1": float(beta.sf(self.target, 1 + y1, 1 + n1 - y1)),
            "n1": n1,
            "y1": y1,
            "above": d + 1,
            "mtd_text": mtd_text,
            "n_next": int(state.n[row, nxt - 1]) if nxt else 0,
            "cap_level": nxt,
            "cap": self.n_earlystop,
        }
