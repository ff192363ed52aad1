"""Exact operating characteristics by enumerating every trial path.

The enumeration walks the same ``decide`` as the simulator and the live engine,
on a batch holding every distinct trial state reachable so far with its
probability. Each cohort branches into its binomial outcomes
(``C(m, j) p^j (1 - p)^(m - j)`` for ``j`` DLTs in ``m`` patients at true DLT
probability ``p``); identical states reached by different paths are merged, so
3+3 and accelerated titration with a handful of levels take milliseconds.

Exact for any design whose decision depends on the counts only (3+3,
accelerated titration, BOIN, i3+3, CRM): with 5 levels and 30 patients,
milliseconds for 3+3 and accelerated titration, well under a second for BOIN
and CRM, so every design's simulator is checked against it in the tests. Method as in
Lin Y, Shih WJ, Statistical properties of the traditional algorithm-based
designs for phase I cancer clinical trials, Biostatistics 2001;2:203-215,
generalised to any count-based rule.

>>> from cartrial.escalation.three_plus_three import ThreePlusThree
>>> oc = enumerate_trials(ThreePlusThree(n_levels=1), truth=[0.3], target=0.3)
>>> round(oc.selection[0], 6), round(oc.mean_sample_size, 3)
(0.420175, 5.352)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import binom

from cartrial.errors import InputError
from cartrial.escalation.base import Action, Design, FloatArray, IntArray, TrialState, empty_state
from cartrial.escalation.simulate import (
    MAX_STEPS,
    OperatingCharacteristics,
    check_truth,
    summarise_trials,
)

__all__ = ["enumerate_trials"]

MAX_STATES = 2_000_000


def _merge(
    n: IntArray, y: IntArray, cur: IntArray, last: IntArray, prob: FloatArray
) -> tuple[IntArray, IntArray, IntArray, IntArray, FloatArray]:
    """Merge identical states; ``last`` (size, DLTs of the last cohort) is part of the key."""
    k = n.shape[1]
    keys = np.concatenate([n, y, cur[:, None], last], axis=1)
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    merged = np.zeros(len(uniq))
    np.add.at(merged, inverse.ravel(), prob)
    return uniq[:, :k], uniq[:, k : 2 * k], uniq[:, 2 * k], uniq[:, 2 * k + 1 :], merged


def enumerate_trials(
    design: Design, *, truth: Sequence[float], target: float
) -> OperatingCharacteristics:
    """Exact operating characteristics of ``design`` under ``truth``."""
    p = check_truth(truth, design.n_levels)
    start = empty_state(1, design.n_levels)
    n, y, cur = start.n, start.y, start.current
    # the last cohort matters only to a coherent CRM; otherwise it is not kept (fewer states)
    track_last = bool(getattr(design, "coherent", False))
    last = np.zeros((1, 2), dtype=np.int64)
    prob = np.ones(1)
    done_n: list[IntArray] = []
    done_y: list[IntArray] = []
    done_mtd: list[IntArray] = []
    done_p: list[FloatArray] = []
    for _ in range(MAX_STEPS):
        if len(prob) == 0:
            break
        g2 = np.zeros_like(n)
        dec = design.decide(
            TrialState(n=n, y=y, g2=g2, current=cur, last_n=last[:, 0], last_y=last[:, 1])
        )
        stop = dec.action == int(Action.STOP)
        done_n.append(n[stop])
        done_y.append(y[stop])
        done_mtd.append(dec.mtd[stop])
        done_p.append(prob[stop])
        go = ~stop
        n, y, prob, last = n[go], y[go], prob[go], last[go]
        level, size = dec.next_level[go], dec.cohort_size[go]
        max_size = int(size.max()) if len(size) else 0
        # Branch: one copy of each state per possible number of DLTs 0..max_size.
        j = np.arange(max_size + 1)
        branch_p = binom.pmf(j[None, :], size[:, None], p[level - 1][:, None])
        keep = branch_p > 0
        rows, dlts = np.nonzero(keep)
        n = n[rows].copy()
        y = y[rows].copy()
        n[np.arange(len(rows)), level[rows] - 1] += size[rows]
        y[np.arange(len(rows)), level[rows] - 1] += dlts
        cur = level[rows]
        last = np.stack([size[rows], dlts], axis=1).astype(np.int64)
        if not track_last:
            last = np.zeros_like(last)
        prob = prob[rows] * branch_p[rows, dlts]
        if len(prob):
            n, y, cur, last, prob = _merge(n, y, cur, last, prob)
        if len(prob) > MAX_STATES:
            raise InputError(
                "design", design.name, f"a design with at most {MAX_STATES} states per cohort"
            )
    else:  # pragma: no cover - a design that never stops is a bug
        raise RuntimeError(f"{design.name}: paths still running after {MAX_STEPS} cohorts")
    weights = np.concatenate(done_p)
    return summarise_trials(
        design=design,
        n=np.concatenate(done_n),
        y=np.concatenate(done_y),
        mtd=np.concatenate(done_mtd),
        truth=truth,
        target=target,
        weights=weights,
        method="exact",
    )
