"""Whole virtual trials of a protocol, vectorised over a batch of trials (no database).

One trial: patients are screened in the order of its stream
(:mod:`cartrial.sim.fast.stream`) until enough are eligible; enrolled patients
whose product fails or who withdraw before infusion are replaced; the
protocol's escalation design (:func:`cartrial.escalation.designs.design_from_protocol`;
uclm802: accelerated titration, Simon et al. 1997 design 2, then 3+3, Storer
1989) assigns each cohort a level, and the cohort's DLTs are read from the
next infused patients of the stream at that level's dose
(:func:`cartrial.sim.fast.outcomes.assess_dlts`); a patient who is not
DLT-evaluable is replaced. The design runs through
:func:`cartrial.escalation.simulate.run_design` for every trial of the batch
at once. At the RP2D (the declared MTD) the expansion cohort follows: the
protocol's ``escalation.expansion_size``, else the planned enrolment (enrolled
participants, turned into infused ones with the scenario's P(infused | enrolled)) minus the
patients infused in escalation. No RP2D, no expansion.

Calendar (days from the first consent): consents are a Poisson process at the
scenario's accrual rate (``accrual_per_month``: patients consented and screened
per month, the same reading as the service path's arrivals,
:mod:`cartrial.sim.trial.run`). Consents continue while the escalation pauses (a patient
waits for the next slot); a patient's product is ready at consent + apheresis
+ vein-to-vein time. In escalation a cohort's first infusion waits until the
previous cohort's last patient completes the DLT window, and each further
patient of the cohort waits ``stagger_days`` after the previous one (uclm802:
14 days, assumed FDA stagger). Expansion patients are infused when ready, but
not before the last escalation patient's DLT window ends. Duration: first
consent to the end of the last infused patient's DLT window (the primary
endpoint's time frame), in months of 30.4375 days.

Per trial, at the RP2D (escalation and expansion patients treated there):
the DLT rate (DLTs / DLT-evaluable), the grade >= 3 CRS rate (/ infused), ORR
and DCR (/ infused, NE in the denominator, as :mod:`cartrial.response.rates`),
Kaplan-Meier medians of PFS and OS, and the expansion's efficacy test: the
exact one-sided binomial test of H0: ORR <= threshold at level ``alpha``
(reject when P(X >= x | n, threshold) <= alpha), which is the same as the
lower bound of the one-sided 1 - alpha Clopper-Pearson interval (Clopper &
Pearson 1934) exceeding the threshold.

Reproducibility (SIMULATOR_ANCHORS P20): trial ``i`` uses only its own
``SeedSequence`` child, ``SeedSequence(root).spawn(n_trials)[i]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

from cartrial.errors import InputError
from cartrial.escalation.base import Design
from cartrial.escalation.designs import design_from_protocol
from cartrial.escalation.simulate import run_design
from cartrial.protocol.model import Protocol
from cartrial.sim.fast.km import km_medians
from cartrial.sim.fast.outcomes import (
    CR,
    PR,
    SD,
    DltReading,
    ResponseReading,
    assess_dlts,
    assess_patient_tumours,
    dlt_reading,
    response_reading,
)
from cartrial.sim.fast.source import PatientSource
from cartrial.sim.fast.stream import PatientStreams, draw_streams, infused_mask
from cartrial.survival.km import DAYS_PER_MONTH

__all__ = [
    "FastPlan",
    "TrialResults",
    "make_plan",
    "simulate_batch",
    "simulate_trials",
    "spawn_seeds",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

PILOT_PATIENTS = 4000
PILOT_SEED = 20_260_101


@dataclass(frozen=True)
class FastPlan:
    """Everything a batch needs, built once and shipped to the workers."""

    protocol_id: str
    design: Design
    doses: FloatArray
    dlt: DltReading
    response: ResponseReading
    source: PatientSource
    expansion_size: int | None
    planned_enrolment: int | None
    stagger_days: float
    max_infused: int
    chunk: int
    consent_gap_days: float
    orr_threshold: float
    alpha: float

    @property
    def n_levels(self) -> int:
        return int(self.doses.shape[0])


def make_plan(
    protocol: Protocol,
    source: PatientSource,
    *,
    design: Design | None = None,
    orr_threshold: float = 0.10,
    alpha: float = 0.05,
    scan_days: list[int] | None = None,
) -> FastPlan:
    """The plan of ``protocol``'s trials with patients from ``source``."""
    if not 0.0 < orr_threshold < 1.0:
        raise InputError("orr_threshold", orr_threshold, "a proportion between 0 and 1")
    if not 0.0 < alpha < 0.5:
        raise InputError("alpha", alpha, "a one-sided level between 0 and 0.5")
    if protocol.dlt is None:
        raise InputError("dlt", None, f"a DLT section in protocol {protocol.id}")
    design = design or design_from_protocol(protocol)
    spec = protocol.escalation
    k = design.n_levels
    escalation_cap = 3 * (6 * k + 2)  # evaluable patients of any 3+3 path, x3 for replacements
    expansion = spec.expansion_size if spec is not None else None
    planned = protocol.planned_enrolment
    m = max(planned or 0, escalation_cap) + (expansion or 0)
    pilot = source.draw(np.random.default_rng(PILOT_SEED), PILOT_PATIENTS)
    infused = max(float(infused_mask(pilot).mean()), 0.05)
    if planned is not None:
        # The planned enrolment counts enrolled participants (registry "Enrollment"), as the
        # service path does; the stream here is of infused patients, so the target is the
        # planned number times P(infused | enrolled) of the scenario (pilot draw).
        enrolled = max(float((pilot.screen_failure == "").mean()), 0.01)
        planned = round(planned * min(infused / enrolled, 1.0))
    return FastPlan(
        protocol_id=protocol.id,
        design=design,
        doses=np.array([float(d.cells_per_kg) for d in protocol.dose_levels]),
        dlt=dlt_reading(protocol.dlt, [v.day for v in protocol.visits]),
        response=response_reading(protocol, scan_days),
        source=source,
        expansion_size=expansion,
        planned_enrolment=planned,
        stagger_days=float(spec.stagger_days or 0) if spec is not None else 0.0,
        max_infused=m,
        chunk=math.ceil((m + 1.5 * math.sqrt(m)) / infused),
        consent_gap_days=DAYS_PER_MONTH / source.accrual_per_month,
        orr_threshold=orr_threshold,
        alpha=alpha,
    )


def spawn_seeds(n_trials: int, seed: int) -> list[np.random.SeedSequence]:
    """One ``SeedSequence`` child per trial (SIMULATOR_ANCHORS P20)."""
    if n_trials < 1:
        raise InputError("trials", n_trials, "at least 1")
    return list(np.random.SeedSequence(seed).spawn(n_trials))


@dataclass(frozen=True)
class TrialResults:
    """Per-trial results (row ``i`` is trial ``i``); levels from 1, 0 = none.

    ``nan`` where a figure needs an RP2D and the trial has none; medians are
    ``inf`` when the curve never reaches 0.5.
    """

    rp2d: IntArray
    n_screened: IntArray
    n_enrolled: IntArray
    n_infused: IntArray
    n_escalation: IntArray  # infused in escalation (evaluable or not)
    patients_per_level: IntArray  # (trials, levels): DLT-evaluable escalation patients
    dlts_per_level: IntArray  # (trials, levels)
    duration_months: FloatArray
    n_rp2d: IntArray  # infused at the RP2D, escalation and expansion
    dlt_rate_rp2d: FloatArray
    crs_grade3_rate_rp2d: FloatArray
    orr: FloatArray
    dcr: FloatArray
    orr_success: BoolArray
    median_pfs_months: FloatArray
    median_os_months: FloatArray

    @property
    def n_trials(self) -> int:
        return int(self.rp2d.shape[0])

    @staticmethod
    def concat(parts: Sequence[TrialResults]) -> TrialResults:
        """Results of ``parts`` one after another (trial order kept)."""
        return TrialResults(
            **{
                f.name: np.concatenate([getattr(p, f.name) for p in parts])
                for f in fields(TrialResults)
            }
        )

    def equals(self, other: TrialResults) -> bool:
        """Identical per-trial results (``nan`` equal to ``nan``)."""
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name), equal_nan=True)
            if getattr(self, f.name).dtype.kind == "f"
            else np.array_equal(getattr(self, f.name), getattr(other, f.name))
            for f in fields(TrialResults)
        )


class _Escalation:
    """The cohort callback: the next DLT-evaluable patients of each trial's stream."""

    def __init__(self, plan: FastPlan, streams: PatientStreams):
        self.plan = plan
        self.streams = streams
        b, m = streams.rows.shape
        self.next = np.zeros(b, dtype=np.int64)
        self.level = np.zeros((b, m), dtype=np.int64)
        self.step = np.full((b, m), -1, dtype=np.int64)
        self.steps = 0

    def __call__(
        self, trials: IntArray, level: IntArray, size: IntArray
    ) -> tuple[IntArray, IntArray]:
        m = self.streams.rows.shape[1]
        need = size.copy()
        dlts = np.zeros_like(size)
        grade2 = np.zeros_like(size)
        while True:
            short = np.flatnonzero(need > 0)
            if short.size == 0:
                break
            t, count, lvl = trials[short], need[short], level[short]
            trial = np.repeat(t, count)
            which = np.repeat(np.arange(short.size), count)
            pos = (
                self.next[trial]
                + np.arange(which.size)
                - np.repeat(np.cumsum(count) - count, count)
            )
            if pos.size and int(pos.max()) >= m:
                raise RuntimeError(
                    f"a trial used more than {m} infused patients in escalation; "
                    "the scenario replaces too many non-evaluable patients"
                )
            at = self.plan.source.at_dose(
                self.streams.patients.take(self.streams.rows[trial, pos]),
                self.plan.doses[np.repeat(lvl, count) - 1],
            )
            out = assess_dlts(at, self.plan.dlt)
            self.level[trial, pos] = np.repeat(lvl, count)
            self.step[trial, pos] = self.steps
            self.next[t] += count
            k = short.size
            need[short] -= np.bincount(which, weights=out.evaluable, minlength=k).astype(np.int64)
            dlts[short] += np.bincount(which, weights=out.dlt, minlength=k).astype(np.int64)
            grade2[short] += np.bincount(which, weights=out.grade2, minlength=k).astype(np.int64)
        self.steps += 1
        return dlts, grade2


def _calendar(
    level: IntArray, step: IntArray, expansion: BoolArray, ready: FloatArray, plan: FastPlan
) -> FloatArray:
    """Days from the first consent to the end of the last DLT window (module docstring)."""
    b, m = level.shape
    window = plan.dlt.window_days
    prev_inf = np.full(b, -np.inf)
    prev_step = np.full(b, -1, dtype=np.int64)
    escalation_end = np.full(b, -np.inf)
    last = np.full(b, -np.inf)
    for j in range(m):
        used = level[:, j] > 0
        if not used.any():
            break
        esc = used & ~expansion[:, j]
        new_cohort = step[:, j] != prev_step
        allowed = np.where(new_cohort, prev_inf + window, prev_inf + plan.stagger_days)
        infusion = np.maximum(ready[:, j], allowed)
        escalation_end = np.where(esc, infusion + window, escalation_end)
        prev_inf = np.where(esc, infusion, prev_inf)
        prev_step = np.where(esc, step[:, j], prev_step)
        exp = used & expansion[:, j]
        exp_infusion = np.maximum(ready[:, j], escalation_end)
        last = np.where(esc, infusion, np.where(exp, np.maximum(last, exp_infusion), last))
    return np.asarray(last + window, dtype=np.float64)


def simulate_batch(plan: FastPlan, seeds: Sequence[np.random.SeedSequence]) -> TrialResults:
    """Simulate one trial per seed, vectorised over the batch."""
    b = len(seeds)
    scans = int(plan.response.scan_days.shape[0])
    st = draw_streams(
        plan.source,
        seeds,
        max_infused=plan.max_infused,
        chunk=plan.chunk,
        n_scans=scans,
        consent_gap_days=plan.consent_gap_days,
    )
    esc = _Escalation(plan, st)
    n, y, mtd, _ = run_design(plan.design, b, esc)
    n_escalation = esc.next.copy()
    level, step = esc.level, esc.step
    m = plan.max_infused
    if plan.expansion_size is not None:
        extra = np.full(b, plan.expansion_size, dtype=np.int64)
    else:
        extra = np.maximum((plan.planned_enrolment or 0) - n_escalation, 0)
    extra = np.where(mtd > 0, extra, 0)
    if int((n_escalation + extra).max()) > m:  # pragma: no cover - m covers the cap
        raise RuntimeError(f"a trial needs more than {m} infused patients")
    cols = np.arange(m)[None, :]
    expansion = (cols >= n_escalation[:, None]) & (cols < (n_escalation + extra)[:, None])
    level = np.where(expansion, mtd[:, None], level)

    used = level > 0
    n_infused = used.sum(axis=1)
    last = n_infused - 1
    rows = np.arange(b)
    at_rp2d = used & (level == mtd[:, None]) & (mtd[:, None] > 0)
    trial, pos = np.nonzero(at_rp2d)
    p = plan.source.at_dose(st.patients.take(st.rows[trial, pos]), plan.doses[mtd[trial] - 1])
    tox = assess_dlts(p, plan.dlt)
    tum = assess_patient_tumours(
        p,
        noise=st.noise[trial * m + pos],
        lesion_sd_mm=plan.source.lesion_sd_mm,
        reading=plan.response,
    )

    def per_trial(values: NDArray[np.bool_] | FloatArray) -> FloatArray:
        return np.bincount(trial, weights=values, minlength=b).astype(np.float64)

    n_rp2d = per_trial(np.ones(trial.size)).astype(np.int64)
    evaluable = per_trial(tox.evaluable)
    responders = per_trial((tum.bor == CR) | (tum.bor == PR)).astype(np.int64)
    controlled = per_trial(tum.bor >= SD)
    with np.errstate(divide="ignore", invalid="ignore"):
        nan_none = np.where(n_rp2d > 0, 1.0, np.nan)
        dlt_rate = np.where(evaluable > 0, per_trial(tox.dlt) / evaluable, np.nan)
        crs3 = per_trial(tox.crs_grade3) / n_rp2d * nan_none
        orr = responders / n_rp2d * nan_none
        dcr = controlled / n_rp2d * nan_none
    p_value = binom.sf(responders - 1, np.maximum(n_rp2d, 1), plan.orr_threshold)
    success = (n_rp2d > 0) & (p_value <= plan.alpha)

    def medians(day: FloatArray, event: BoolArray) -> FloatArray:
        time = np.zeros((b, m))
        ev = np.zeros((b, m), dtype=bool)
        time[trial, pos] = day
        ev[trial, pos] = event
        return km_medians(time, ev, at_rp2d) / DAYS_PER_MONTH

    duration = _calendar(level, step, expansion, st.ready_day, plan) / DAYS_PER_MONTH
    return TrialResults(
        rp2d=mtd,
        n_screened=st.screened[rows, last],
        n_enrolled=st.enrolled[rows, last],
        n_infused=n_infused,
        n_escalation=n_escalation,
        patients_per_level=n,
        dlts_per_level=y,
        duration_months=duration,
        n_rp2d=n_rp2d,
        dlt_rate_rp2d=dlt_rate,
        crs_grade3_rate_rp2d=crs3,
        orr=orr,
        dcr=dcr,
        orr_success=success,
        median_pfs_months=medians(tum.pfs_day, tum.pfs_event),
        median_os_months=medians(tum.os_day, tum.os_event),
    )


def simulate_trials(
    plan: FastPlan,
    seeds: Sequence[np.random.SeedSequence] | None = None,
    *,
    n_trials: int | None = None,
    seed: int = 2026,
    batch_size: int = 1000,
) -> TrialResults:
    """Trials of ``plan`` in this process, one per seed (or ``n_trials`` from ``seed``).

    Batches of ``batch_size`` run one after another; each trial's results
    depend only on its own seed, so the batch size does not change them.
    """
    if seeds is None:
        seeds = spawn_seeds(n_trials if n_trials is not None else 1000, seed)
    if batch_size < 1:
        raise InputError("batch_size", batch_size, "at least 1")
    parts = [
        simulate_batch(plan, seeds[i : i + batch_size]) for i in range(0, len(seeds), batch_size)
    ]
    return TrialResults.concat(parts)
