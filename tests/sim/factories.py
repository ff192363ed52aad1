"""Hand-built virtual patients for the renderer tests (plausible values, any field overridden)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from cartrial.sim.patients import VirtualPatients

INF = math.inf

DEFAULTS: dict[str, Any] = {
    "tumour_type": "gastric",
    "age_years": 58.4,
    "sex": "F",
    "weight_kg": 63.5,
    "height_cm": 162.0,
    "ecog": 1,
    "msln_positive": True,
    "screen_failure": "",
    "days_consent_to_apheresis": 10.0,
    "manufacturing_failed": False,
    "vein_to_vein_days": 28.0,
    "withdraws_before_infusion": False,
    "dose_cells_per_kg": 1.0e6,
    "ck_cmax": 2.0e4,
    "ck_tmax_days": 10.0,
    "ck_fold_expansion": 500.0,
    "ck_alpha_per_day": 0.35,
    "ck_fraction_persisting": 0.05,
    "ck_beta_per_day": 0.012,
    "crs_grade": 0,
    "crs_tocilizumab": False,
    "crs_steroids": False,
    "crs_onset_day": INF,
    "crs_duration_days": 0.0,
    "icans_grade": 0,
    "icans_onset_day": INF,
    "icans_duration_days": 0.0,
    "off_tumour_term": "",
    "off_tumour_grade": 0,
    "off_tumour_onset_day": INF,
    "anc_nadir_10e9_per_l": 0.3,
    "platelet_nadir_10e9_per_l": 40.0,
    "cytopenia_nadir_day": 7.0,
    "cytopenia_recovery_day": 21.0,
    "n_target_lesions": 3,
    "baseline_sld_mm": 90.0,
    "tumour_growth_per_day": 0.002,
    "tumour_decay_per_day": 0.004,
    "new_lesion_day": INF,
    "death_day": INF,
    "withdrawal_day": INF,
    "lost_to_follow_up_day": INF,
}
_TEXT = {"tumour_type", "sex", "screen_failure", "off_tumour_term"}
_BOOL = {
    "msln_positive",
    "manufacturing_failed",
    "withdraws_before_infusion",
    "crs_tocilizumab",
    "crs_steroids",
}
_INT = {"ecog", "crs_grade", "icans_grade", "off_tumour_grade", "n_target_lesions"}


def make_patients(**overrides: Any) -> VirtualPatients:
    """One virtual patient with every field plausible; ``overrides`` replace any of them."""
    unknown = set(overrides) - set(DEFAULTS) - {"random_effects"}
    if unknown:
        raise TypeError(f"unknown latent fields {sorted(unknown)}")
    values = {**DEFAULTS, **overrides}
    arrays: dict[str, Any] = {}
    for name, value in values.items():
        if name in _TEXT:
            arrays[name] = np.array([value], dtype=object)
        elif name in _BOOL:
            arrays[name] = np.array([value], dtype=np.bool_)
        elif name in _INT:
            arrays[name] = np.array([value], dtype=np.int64)
        else:
            arrays[name] = np.array([value], dtype=np.float64)
    # One column: VirtualPatients.row() calls .item() on each row, which needs size 1.
    arrays["random_effects"] = np.asarray(
        overrides.get("random_effects", np.zeros((1, 1))), dtype=np.float64
    )
    return VirtualPatients(**arrays)


def make_row(**overrides: Any) -> dict[str, object]:
    """The latent row of :func:`make_patients` (``VirtualPatients.row(0)``)."""
    return make_patients(**overrides).row(0)
