"""The common interface of every dose-escalation design.

A design is an immutable configuration (its parameters, the number of dose
levels, the start level). Applied to the data of one or many trials it returns
:class:`Decisions`; nothing mutates the design (STYLE practice 5).

Data and decisions are NumPy arrays across trials, so the same rule serves the
live engine (one trial, or one row per possible outcome of the pending
patients) and the simulator (a million trials at once): one implementation of
each rule, not two.

Dose levels are numbered from 1 everywhere, as protocols number them; level 0
means "none" (no MTD, no next level). ``n[:, k]`` holds level ``k + 1``.

Why not a library: no maintained Python package implements 3+3, accelerated
titration, BOIN, i3+3 and CRM with one rule shared by a live decision engine
and a vectorised simulator (the R packages BOIN and dfcrm simulate trial by
trial and give no live "wait" answer for pending DLT windows).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from cartrial.vocabulary import ESCALATION_ACTIONS

__all__ = [
    "Action",
    "Decisions",
    "Design",
    "IntArray",
    "TrialState",
    "dlt_word",
    "empty_state",
    "state_from_counts",
    "unique_counts",
]

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


class Action(IntEnum):
    """What the next step of a trial is."""

    ESCALATE = 0
    STAY = 1
    DEESCALATE = 2
    EXPAND = 3
    STOP = 4
    WAIT = 5

    @property
    def label(self) -> str:
        """The word of :data:`cartrial.vocabulary.ESCALATION_ACTIONS` (stored as said)."""
        return ESCALATION_ACTIONS[self.value]


@dataclass(frozen=True)
class TrialState:
    """Counts per trial (rows) and dose level (columns).

    ``n`` patients treated with a known outcome, ``y`` of them with a DLT,
    ``g2`` grade >= 2 treatment-related toxicities that were not DLTs (the
    accelerated-titration trigger), ``current`` the level of the last cohort
    (0 before the first patient). ``pending_level``/``pending_weight`` (trials x
    patients, level 0 = padding) carry patients still inside their DLT window
    for designs that weight them (TITE-CRM); other designs never see them.
    ``last_n``/``last_y`` (per trial) are the size and DLTs of the most recent
    cohort, for the CRM's coherence restriction; None when not tracked.
    """

    n: IntArray
    y: IntArray
    g2: IntArray
    current: IntArray
    pending_level: IntArray | None = None
    pending_weight: FloatArray | None = None
    last_n: IntArray | None = None
    last_y: IntArray | None = None

    @property
    def n_trials(self) -> int:
        return int(self.n.shape[0])

    @property
    def n_levels(self) -> int:
        return int(self.n.shape[1])

    def take(self, rows: IntArray) -> TrialState:
        """The sub-state of the trials ``rows``."""
        return TrialState(
            n=self.n[rows],
            y=self.y[rows],
            g2=self.g2[rows],
            current=self.current[rows],
            pending_level=None if self.pending_level is None else self.pending_level[rows],
            pending_weight=None if self.pending_weight is None else self.pending_weight[rows],
            last_n=None if self.last_n is None else self.last_n[rows],
            last_y=None if self.last_y is None else self.last_y[rows],
        )


def state_from_counts(
    *,
    n: Sequence[int],
    y: Sequence[int],
    current: int,
    g2: Sequence[int] | None = None,
    last_cohort: tuple[int, int] | None = None,
) -> TrialState:
    """The state of one trial from per-level counts (levels from 1, ``current`` 0 = none).

    ``last_cohort`` is (patients, DLTs) of the most recent cohort, when known.

    >>> state_from_counts(n=[3, 1], y=[0, 1], current=2).n
    array([[3, 1]])
    """
    return TrialState(
        n=np.asarray([n], dtype=np.int64),
        y=np.asarray([y], dtype=np.int64),
        g2=np.asarray([g2 if g2 is not None else [0] * len(n)], dtype=np.int64),
        current=np.asarray([current], dtype=np.int64),
        last_n=None if last_cohort is None else np.asarray([last_cohort[0]], dtype=np.int64),
        last_y=None if last_cohort is None else np.asarray([last_cohort[1]], dtype=np.int64),
    )


def dlt_word(count: int) -> str:
    """ "DLT" or "DLTs" after a count.

    >>> [f"{c} {dlt_word(c)}" for c in (0, 1, 2)]
    ['0 DLTs', '1 DLT', '2 DLTs']
    """
    return "DLT" if count == 1 else "DLTs"


def unique_counts(n: IntArray, y: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Distinct ``(n, y)`` rows and, per trial, the index of its row.

    Rows are packed into one integer when they fit in 62 bits (a fast sort);
    otherwise rows are compared whole.

    >>> n = np.array([[3, 0], [3, 0], [6, 3]])
    >>> un, uy, inv = unique_counts(n, np.array([[0, 0], [0, 0], [1, 1]]))
    >>> un.tolist(), inv.tolist()
    ([[3, 0], [6, 3]], [0, 0, 1])
    """
    k = n.shape[1]
    base = int(max(int(n.max(initial=0)), 1)) + 1
    if k and (2 * k) * np.log2(base) < 62:
        key = np.zeros(n.shape[0], dtype=np.int64)
        for j in range(k):
            key = (key * base + n[:, j]) * base + y[:, j]
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        return n[first], y[first], inverse.ravel()
    uniq, inverse = np.unique(np.concatenate([n, y], axis=1), axis=0, return_inverse=True)
    return uniq[:, :k], uniq[:, k:], inverse.ravel()


def empty_state(n_trials: int, n_levels: int) -> TrialState:
    """Trials before the first patient."""
    zeros = np.zeros((n_trials, n_levels), dtype=np.int64)
    return TrialState(
        n=zeros,
        y=zeros.copy(),
        g2=zeros.copy(),
        current=np.zeros(n_trials, dtype=np.int64),
        last_n=np.zeros(n_trials, dtype=np.int64),
        last_y=np.zeros(n_trials, dtype=np.int64),
    )


@dataclass(frozen=True)
class Decisions:
    """One decision per trial.

    ``next_level`` is where the next ``cohort_size`` patients go (0 when the
    trial stops); ``mtd`` the declared MTD level when ``action`` is STOP (0 for
    none); ``rule`` an index into the design's ``rules`` (the reason's template).
    """

    action: IntArray
    next_level: IntArray
    cohort_size: IntArray
    mtd: IntArray
    rule: IntArray

    @staticmethod
    def allocate(n_trials: int) -> Decisions:
        return Decisions(
            action=np.full(n_trials, int(Action.STAY), dtype=np.int64),
            next_level=np.zeros(n_trials, dtype=np.int64),
            cohort_size=np.zeros(n_trials, dtype=np.int64),
            mtd=np.zeros(n_trials, dtype=np.int64),
            rule=np.zeros(n_trials, dtype=np.int64),
        )

    def set(
        self,
        mask: NDArray[np.bool_],
        *,
        action: Action,
        rule: int,
        next_level: IntArray | int = 0,
        cohort_size: IntArray | int = 0,
        mtd: IntArray | int = 0,
    ) -> None:
        """Assign a decision to the trials in ``mask`` (arrays are per trial)."""

        def pick(value: IntArray | int) -> IntArray | int:
            return value[mask] if isinstance(value, np.ndarray) else value

        self.action[mask] = int(action)
        self.rule[mask] = rule
        self.next_level[mask] = pick(next_level)
        self.cohort_size[mask] = pick(cohort_size)
        self.mtd[mask] = pick(mtd)


@dataclass(frozen=True, kw_only=True)
class Design(ABC):
    """A dose-escalation design: configuration only; ``decide`` applies it."""

    n_levels: int
    start_level: int = 1
    name: str = field(default="design", init=False)
    #: Reason templates indexed by ``Decisions.rule``.
    rules: tuple[str, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        if self.n_levels < 1:
            raise ValueError(f"n_levels must be >= 1, got {self.n_levels}")
        if not 1 <= self.start_level <= self.n_levels:
            raise ValueError(f"start_level must be in 1..{self.n_levels}, got {self.start_level}")

    @abstractmethod
    def decide(self, state: TrialState) -> Decisions:
        """The next step of every trial in ``state``."""

    def explain(self, state: TrialState, decisions: Decisions, row: int = 0) -> str:
        """The reason for decision ``row`` in words and numbers."""
        level = int(decisions.next_level[row])
        cur = int(state.current[row])
        k = (cur or level or 1) - 1
        values = {
            "level": cur,
            "next": level,
            "n": int(state.n[row, k]),
            "y": int(state.y[row, k]),
            "size": int(decisions.cohort_size[row]),
            "mtd": int(decisions.mtd[row]),
            "total": int(state.n[row].sum()),
            "design": self.name,
            "dlts": dlt_word(int(state.y[row, k])),
            "dlts1": dlt_word(int(state.y[row, 0])),
        }
        values.update(self.extra_reason_values(state, decisions, row))
        return self.rules[int(decisions.rule[row])].format(**values)

    def extra_reason_values(
        self, state: TrialState, decisions: Decisions, row: int
    ) -> dict[str, object]:
        """Design-specific numbers a reason template may use."""
        return {}
