"""A hand-built patient source with known truth, for the fast-path tests.

Every patient passes screening unless drawn as a screen failure (probability
``screen_failure``); a patient's DLT is a grade-4 CRS when their own uniform
falls under ``p_dlt[level]`` (so the DLT probability per level is exact);
a responder (probability ``p_response``) shrinks by the g-d model with
g = 0.0001/day and d = 0.05/day (PR confirmed at every scan, never CR), a
non-responder grows with g = 0.01/day (PD at the first scan, day 42).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from cartrial.sim.patients import VirtualPatients

DOSES = (100_000.0, 300_000.0, 1_000_000.0, 2_000_000.0)


@dataclass(frozen=True)
class ToySource:
    p_dlt: tuple[float, ...] = (0.2, 0.2, 0.2, 0.2)
    p_response: float = 0.3
    screen_failure: float = 0.2
    manufacturing_failure: float = 0.05
    accrual_per_month: float = 2.0
    lesion_sd_mm: float = 0.0

    def draw(self, rng: np.random.Generator, n: int) -> VirtualPatients:
        fail = rng.random(n) < self.screen_failure
        effects = np.column_stack([rng.random(n), rng.random(n)])
        nan = np.full(n, np.nan)
        inf = np.full(n, np.inf)
        zeros = np.zeros(n, dtype=np.int64)
        return VirtualPatients(
            tumour_type=np.full(n, "mesothelioma", dtype=object),
            age_years=np.full(n, 60.0),
            sex=np.full(n, "F", dtype=object),
            weight_kg=np.full(n, 70.0),
            height_cm=np.full(n, 165.0),
            ecog=zeros.copy(),
            msln_positive=np.ones(n, dtype=bool),
            screen_failure=np.where(fail, "ecog", "").astype(object),
            days_consent_to_apheresis=np.full(n, 14.0),
            manufacturing_failed=rng.random(n) < self.manufacturing_failure,
            vein_to_vein_days=np.full(n, 28.0),
            withdraws_before_infusion=np.zeros(n, dtype=bool),
            dose_cells_per_kg=nan,
            random_effects=effects,
            ck_cmax=nan,
            ck_tmax_days=nan,
            ck_fold_expansion=nan,
            ck_alpha_per_day=nan,
            ck_fraction_persisting=nan,
            ck_beta_per_day=nan,
            crs_grade=zeros.copy(),
            crs_onset_day=inf.copy(),
            crs_duration_days=np.zeros(n),
            crs_tocilizumab=np.zeros(n, dtype=bool),
            crs_steroids=np.zeros(n, dtype=bool),
            icans_grade=zeros.copy(),
            icans_onset_day=inf.copy(),
            icans_duration_days=np.zeros(n),
            off_tumour_term=np.full(n, "", dtype=object),
            off_tumour_grade=zeros.copy(),
            off_tumour_onset_day=inf.copy(),
            anc_nadir_10e9_per_l=np.full(n, 1.0),
            platelet_nadir_10e9_per_l=np.full(n, 100.0),
            cytopenia_nadir_day=np.full(n, 7.0),
            cytopenia_recovery_day=np.full(n, 14.0),
            n_target_lesions=np.full(n, 2, dtype=np.int64),
            baseline_sld_mm=np.full(n, 100.0),
            tumour_growth_per_day=np.full(n, 0.01),
            tumour_decay_per_day=np.zeros(n),
            new_lesion_day=inf.copy(),
            death_day=inf.copy(),
            withdrawal_day=inf.copy(),
            lost_to_follow_up_day=inf.copy(),
        )

    def at_dose(
        self, patients: VirtualPatients, dose_cells_per_kg: np.ndarray | float
    ) -> VirtualPatients:
        dose = np.broadcast_to(np.asarray(dose_cells_per_kg, dtype=np.float64), (patients.n,))
        level = np.searchsorted(np.array(DOSES), dose)
        p = np.array(self.p_dlt)[np.minimum(level, len(self.p_dlt) - 1)]
        dlt = patients.random_effects[:, 0] < p
        responder = patients.random_effects[:, 1] < self.p_response
        return replace(
            patients,
            dose_cells_per_kg=dose.copy(),
            crs_grade=np.where(dlt, 4, 0).astype(np.int64),
            crs_onset_day=np.where(dlt, 2.0, np.inf),
            crs_duration_days=np.where(dlt, 5.0, 0.0),
            tumour_growth_per_day=np.where(responder, 0.0001, 0.01),
            tumour_decay_per_day=np.where(responder, 0.05, 0.0),
        )


def patients(n: int, **values: object) -> VirtualPatients:
    """``n`` toy patients at no dose, with the given fields replaced (broadcast)."""
    base = ToySource().draw(np.random.default_rng(0), n)
    names = {f.name for f in fields(base)}
    assert set(values) <= names, set(values) - names
    out = {}
    for name, value in values.items():
        current = getattr(base, name)
        out[name] = np.broadcast_to(np.asarray(value, dtype=current.dtype), current.shape).copy()
    return replace(base, **out)
