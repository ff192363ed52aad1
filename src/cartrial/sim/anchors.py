"""Summaries of virtual patients to compare with the published anchors (SIMULATOR_ANCHORS P5-P18).

These read the latent truth without measurement error, visit windows or the
grading engines: they are the "model" column of the calibration table in
docs/simulation.md (``bench/sim_anchors.py``), not what a simulated trial
reports. Response follows RECIST 1.1's thresholds on the latent SLD at scans
every ``scan_interval_days`` (CLINICAL_RULES section 1): PR at <= -30% from
baseline, PD at >= +20% and >= +5 mm from the nadir or a new lesion; a PR is
confirmed by a PR at a scan >= 28 days later before PD; disease control is no
PD at the first scan; PFS is the first PD scan or death.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cartrial.sim.model import probability_detectable
from cartrial.sim.patients import BoolArray, FloatArray, VirtualPatients
from cartrial.sim.scenario import Scenario

__all__ = ["LatentResponse", "compute_detectable_fraction", "compute_latent_response"]

_PR_RATIO = 0.7
_PD_FACTOR = 1.2
_PD_MIN_MM = 5.0
_CONFIRM_DAYS = 28.0


@dataclass(frozen=True)
class LatentResponse:
    """Per-patient latent RECIST outcome."""

    responder: BoolArray  # PR or better at a scan before PD (unconfirmed)
    confirmed_responder: BoolArray
    disease_control: BoolArray  # alive and no PD at the first scan
    pfs_day: FloatArray  # first PD scan or death (inf: neither within the scans)


def compute_latent_response(
    patients: VirtualPatients, *, scan_interval_days: float = 42.0, horizon_days: float = 730.0
) -> LatentResponse:
    """RECIST-like outcome of each patient from the latent SLD (no measurement error)."""
    scans = np.arange(scan_interval_days, horizon_days + 1e-9, scan_interval_days)
    ratio = np.exp(-patients.tumour_decay_per_day[:, None] * scans) + np.expm1(
        patients.tumour_growth_per_day[:, None] * scans
    )
    ratio = np.where(np.isfinite(patients.tumour_decay_per_day)[:, None], ratio, np.nan)
    nadir_before = np.minimum.accumulate(
        np.concatenate([np.ones((patients.n, 1)), ratio[:, :-1]], axis=1), axis=1
    )
    grew = (ratio >= _PD_FACTOR * nadir_before) & (
        (ratio - nadir_before) * patients.baseline_sld_mm[:, None] >= _PD_MIN_MM
    )
    progressed = grew | (patients.new_lesion_day[:, None] <= scans[None, :])
    alive = patients.death_day[:, None] > scans[None, :]
    event = (progressed & alive) | ~alive
    first = np.where(event.any(axis=1), event.argmax(axis=1), scans.size)
    before_pd = np.arange(scans.size)[None, :] < first[:, None]
    pr = (ratio <= _PR_RATIO) & before_pd & alive
    later = scans[None, :] - scans[:, None] >= _CONFIRM_DAYS  # [j, k]: scan k confirms scan j
    confirmed = (pr[:, :, None] & pr[:, None, :] & later[None, :, :]).any(axis=(1, 2))
    pd_day = np.where(first < scans.size, scans[np.minimum(first, scans.size - 1)], np.inf)
    return LatentResponse(
        responder=np.asarray(pr.any(axis=1), dtype=np.bool_),
        confirmed_responder=np.asarray(confirmed, dtype=np.bool_),
        disease_control=alive[:, 0] & ~progressed[:, 0],
        pfs_day=np.minimum(pd_day, patients.death_day),
    )


def compute_detectable_fraction(patients: VirtualPatients, day: float, scenario: Scenario) -> float:
    """Expected share of patients with a quantifiable qPCR result at ``day`` (P5)."""
    k = scenario.kinetics
    p = probability_detectable(
        patients, day, k.lloq_copies_per_ug.value, k.reference.residual_sd_log.value
    )
    return float(p.mean())
