"""Operating characteristics by vectorised Monte-Carlo simulation.

All trials advance together, one cohort per step: the design's ``decide``
runs on every active trial at once (the same function the live engine calls),
then one binomial draw per trial gives the cohort's DLTs. The Python loop is
over cohorts (at most a few dozen), never over trials or patients.

Figures (each with its Monte-Carlo standard error, the sample standard
deviation over trials divided by sqrt(trials)):

- selection probability of each level and of no selection;
- mean patients and mean DLTs per level; mean sample size;
- probability of early stop: the trial stops with no level selected (every
  level judged too toxic);
- percent of patients treated above the true MTD: per trial, the share of its
  patients treated above the true MTD, averaged over trials. The true MTD is
  the level whose true DLT probability is closest to the target; with ties,
  the highest of the tied levels (so no tied level counts as "above").

The same seed gives the same answer: randomness comes only from the
``numpy.random.Generator`` passed in.

>>> import numpy as np
>>> from cartrial.escalation.three_plus_three import ThreePlusThree
>>> oc = simulate_trials(ThreePlusThree(n_levels=1), truth=[0.0], target=0.3,
...                      n_trials=10, rng=np.random.default_rng(1))
>>> oc.selection, oc.mean_patients
([1.0], [6.0])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from cartrial.errors import InputError
from cartrial.escalation.base import (
    Action,
    Design,
    FloatArray,
    IntArray,
    TrialState,
    empty_state,
)

__all__ = [
    "CohortOutcomes",
    "OperatingCharacteristics",
    "TrialHistory",
    "run_design",
    "simulate_trials",
    "summarise_trials",
    "true_mtd_levels",
]

MAX_STEPS = 1000


class OperatingCharacteristics(BaseModel):
    """Operating characteristics of a design in one scenario (levels from 1)."""

    design: str
    method: str
    n_trials: int | None
    seed: int | None = None
    target: float
    truth: list[float]
    true_mtd: list[int]
    selection: list[float]
    selection_se: list[float]
    no_selection: float
    no_selection_se: float
    mean_patients: list[float]
    mean_patients_se: list[float]
    mean_dlts: list[float]
    mean_dlts_se: list[float]
    early_stop: float
    early_stop_se: float
    percent_above_mtd: float
    percent_above_mtd_se: float
    mean_sample_size: float
    mean_sample_size_se: float


@dataclass(frozen=True)
class TrialHistory:
    """Cohorts of each simulated trial, in order: level (0 = finished) and DLTs."""

    levels: IntArray
    dlts: IntArray
    sizes: IntArray
    mtd: IntArray


def check_truth(truth: Sequence[float], n_levels: int) -> FloatArray:
    p = np.asarray(truth, dtype=np.float64)
    if p.shape != (n_levels,):
        raise InputError("truth", list(truth), f"{n_levels} DLT probabilities, one per level")
    if np.any((p < 0) | (p > 1)):
        raise InputError("truth", list(truth), "probabilities between 0 and 1")
    return p


def true_mtd_levels(truth: Sequence[float], target: float) -> list[int]:
    """Levels (from 1) whose true DLT probability is closest to the target.

    >>> true_mtd_levels([0.1, 0.3, 0.3, 0.5], 0.3)
    [2, 3]
    """
    p = np.asarray(truth, dtype=np.float64)
    dist = np.abs(p - target)
    return [int(i) + 1 for i in np.flatnonzero(dist <= dist.min() + 1e-12)]


def _mean_se(values: NDArray[np.float64], weights: FloatArray | None) -> tuple[float, float]:
    if weights is None:
        m = float(values.mean(axis=0))
        se = float(values.std(axis=0, ddof=1) / np.sqrt(values.shape[0])) if len(values) > 1 else 0
        return m, se
    return float(np.dot(weights, values)), 0.0


def summarise_trials(
    *,
    design: Design,
    n: IntArray,
    y: IntArray,
    mtd: IntArray,
    truth: Sequence[float],
    target: float,
    weights: FloatArray | None = None,
    method: str,
    seed: int | None = None,
) -> OperatingCharacteristics:
    """Operating characteristics from final trial states.

    Without ``weights`` the rows are equally likely simulated trials (means
    with standard errors); with ``weights`` they are the distinct outcomes of
    an exact enumeration with their probabilities (standard errors 0).
    """
    k = n.shape[1]
    mtd_levels = true_mtd_levels(truth, target)
    top_mtd = max(mtd_levels)
    total = n.sum(axis=1).astype(np.float64)
    above = n[:, top_mtd:].sum(axis=1) / np.maximum(total, 1.0)

    def ms(values: NDArray[np.float64]) -> tuple[float, float]:
        return _mean_se(values, weights)

    sel = [ms((mtd == level).astype(np.float64)) for level in range(1, k + 1)]
    none = ms((mtd == 0).astype(np.float64))
    pts = [ms(n[:, j].astype(np.float64)) for j in range(k)]
    dlts = [ms(y[:, j].astype(np.float64)) for j in range(k)]
    above_ms = ms(above * 100.0)
    size = ms(total)
    return OperatingCharacteristics(
        design=design.name,
        method=method,
        n_trials=None if weights is not None else int(n.shape[0]),
        seed=seed,
        target=target,
        truth=[float(p) for p in truth],
        true_mtd=mtd_levels,
        selection=[m for m, _ in sel],
        selection_se=[s for _, s in sel],
        no_selection=none[0],
        no_selection_se=none[1],
        mean_patients=[m for m, _ in pts],
        mean_patients_se=[s for _, s in pts],
        mean_dlts=[m for m, _ in dlts],
        mean_dlts_se=[s for _, s in dlts],
        early_stop=none[0],
        early_stop_se=none[1],
        percent_above_mtd=above_ms[0],
        percent_above_mtd_se=above_ms[1],
        mean_sample_size=size[0],
        mean_sample_size_se=size[1],
    )


#: ``treat(trials, level, size) -> (dlts, grade2)``: the outcomes of one cohort per
#: trial (``trials`` are row indices, ``level`` from 1, ``size`` patients): how many
#: had a DLT and how many a grade >= 2 related toxicity that was not a DLT.
CohortOutcomes = Callable[[IntArray, IntArray, IntArray], tuple[IntArray, IntArray]]


def run_design(
    design: Design,
    n_trials: int,
    treat: CohortOutcomes,
    *,
    record: bool = False,
) -> tuple[IntArray, IntArray, IntArray, TrialHistory | None]:
    """Run ``n_trials`` trials of ``design``; ``treat`` gives each cohort's outcomes.

    One step per cohort for every active trial at once (``decide`` on all of
    them, then ``treat`` on those that continue). :func:`run_trials` draws the
    DLTs from a truth vector; :mod:`cartrial.sim.fast` from virtual patients.
    Returns the final counts ``n`` and ``y``, the MTD per trial and (with
    ``record``) the cohort histories.
    """
    state = empty_state(n_trials, design.n_levels)
    n, y, g2, cur = state.n, state.y, state.g2, state.current
    last_n = np.zeros(n_trials, dtype=np.int64) if state.last_n is None else state.last_n
    last_y = np.zeros(n_trials, dtype=np.int64) if state.last_y is None else state.last_y
    state = TrialState(n=n, y=y, g2=g2, current=cur, last_n=last_n, last_y=last_y)
    mtd = np.zeros(n_trials, dtype=np.int64)
    active = np.arange(n_trials)
    hist_levels: list[IntArray] = []
    hist_dlts: list[IntArray] = []
    hist_sizes: list[IntArray] = []
    for _ in range(MAX_STEPS):
        if active.size == 0:
            break
        dec = design.decide(state.take(active))
        stop = dec.action == int(Action.STOP)
        mtd[active[stop]] = dec.mtd[stop]
        go = active[~stop]
        level = dec.next_level[~stop]
        size = dec.cohort_size[~stop]
        tox, tox2 = treat(go, level, size)
        n[go, level - 1] += size
        y[go, level - 1] += tox
        g2[go, level - 1] += tox2
        cur[go] = level
        last_n[go] = size
        last_y[go] = tox
        if record:
            step_levels = np.zeros(n_trials, dtype=np.int64)
            step_dlts = np.zeros(n_trials, dtype=np.int64)
            step_sizes = np.zeros(n_trials, dtype=np.int64)
            step_levels[go], step_dlts[go], step_sizes[go] = level, tox, size
            hist_levels.append(step_levels)
            hist_dlts.append(step_dlts)
            hist_sizes.append(step_sizes)
        active = go
    else:  # pragma: no cover - a design that never stops is a bug
        raise RuntimeError(f"{design.name}: trials still running after {MAX_STEPS} cohorts")
    history = None
    if record:
        history = TrialHistory(
            levels=np.stack(hist_levels, axis=1),
            dlts=np.stack(hist_dlts, axis=1),
            sizes=np.stack(hist_sizes, axis=1),
            mtd=mtd,
        )
    return n, y, mtd, history


def run_trials(
    design: Design,
    truth: FloatArray,
    n_trials: int,
    rng: np.random.Generator,
    *,
    record: bool = False,
) -> tuple[IntArray, IntArray, IntArray, TrialHistory | None]:
    """Simulate ``n_trials`` trials; final counts, MTDs and (optionally) histories.

    Each cohort's DLTs are one binomial draw at the level's true DLT
    probability (no grade-2 model, so the accelerated-titration grade-2
    trigger never fires).
    """

    def binomial(trials: IntArray, level: IntArray, size: IntArray) -> tuple[IntArray, IntArray]:
        tox = rng.binomial(size, truth[level - 1]).astype(np.int64)
        return tox, np.zeros_like(tox)

    return run_design(design, n_trials, binomial, record=record)


def simulate_trials(
    design: Design,
    *,
    truth: Sequence[float],
    target: float,
    n_trials: int,
    rng: np.random.Generator,
    seed: int | None = None,
    chunk: int = 200_000,
) -> OperatingCharacteristics:
    """Operating characteristics of ``design`` over ``n_trials`` simulated trials.

    Trials run in chunks of ``chunk`` to bound memory; the chunks draw from
    ``rng`` in order, so the answer depends only on the generator's seed.
    """
    if n_trials < 1:
        raise InputError("trials", n_trials, "at least 1")
    p = check_truth(truth, design.n_levels)
    parts = [
        run_trials(design, p, min(chunk, n_trials - start), rng)
        for start in range(0, n_trials, chunk)
    ]
    n = np.concatenate([part[0] for part in parts])
    y = np.concatenate([part[1] for part in parts])
    mtd = np.concatenate([part[2] for part in parts])
    return summarise_trials(
        design=design,
        n=n,
        y=y,
        mtd=mtd,
        truth=truth,
        target=target,
        method="simulation",
        seed=seed,
    )
