"""Virtual patients: the latent truth of each simulated patient, as NumPy arrays.

The patient model (:func:`cartrial.sim.model.draw_patients`) draws, for ``n``
patients at once, every latent quantity that decides what a site would observe:
baseline characteristics, whether and why screening fails, manufacturing, the
CAR-T cellular kinetics, the maximum CRS / ICANS / on-target off-tumour grade
with onset and duration, cytopenias after lymphodepletion, tumour growth and
shrinkage, and the days of death, withdrawal and loss to follow-up.

Two consumers read these arrays:

- the design-level simulation (:mod:`cartrial.sim.fast`), which derives DLTs,
  response and survival from them directly, vectorised, without a database;
- the service-path simulation (:mod:`cartrial.sim.trial`), which renders one
  patient's row into the raw observations a site enters
  (:mod:`cartrial.sim.observations`: screening record, temperatures, blood
  pressures, ICE scores, labs, qPCR results, lesion diameters) and lets the real
  engines grade them.

Both read the same latent truth, so the two paths agree in distribution, which
``tests/sim`` checks. Why by hand: no Python library models CAR-T patients; the
structure follows ``../shared/design/SIMULATOR_ANCHORS.md`` (Stein 2019
multiphasic kinetics, ordinal CRS model, Stein/Wilkerson g-d tumour model).

Units are in the field names: days are counted from the infusion (day 0) unless
the name says otherwise; ``inf`` means "not within the simulated horizon".
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

__all__ = ["SCREEN_FAILURE_REASONS", "VirtualPatients"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
TextArray = NDArray[np.object_]

#: Latent reasons a patient fails screening; "" is a patient who passes. The
#: renderer writes a screening record that the protocol's own criteria refuse
#: for that reason (or, for a protocol without such a criterion, passes).
SCREEN_FAILURE_REASONS = (
    "",
    "msln_negative",
    "ecog",
    "anc_low",
    "platelets_low",
    "hemoglobin_low",
    "creatinine_high",
    "liver_tests_high",
    "washout_incomplete",
    "hbv_positive",
    "brain_metastases",
    "investigator_review",
)


@dataclass(frozen=True)
class VirtualPatients:
    """``n`` virtual patients; every array has length ``n`` (row i is patient i)."""

    # baseline
    tumour_type: TextArray  # a value of cartrial.vocabulary tumour types
    age_years: FloatArray
    sex: TextArray  # "F" or "M"
    weight_kg: FloatArray
    height_cm: FloatArray
    ecog: IntArray  # 0-4
    msln_positive: BoolArray  # IHC at the protocol's cut-off
    screen_failure: TextArray  # one of SCREEN_FAILURE_REASONS
    # operations (days from consent unless stated)
    days_consent_to_apheresis: FloatArray
    manufacturing_failed: BoolArray
    vein_to_vein_days: FloatArray  # apheresis to infusion
    withdraws_before_infusion: BoolArray
    # The dose given (cells/kg) and the patient's own random draws. Everything
    # below that depends on exposure is a function of these two, recomputed by
    # cartrial.sim.model.at_dose when the escalation engine assigns the dose
    # after the patient was drawn (the baseline above never changes with dose).
    dose_cells_per_kg: FloatArray  # nan until a dose is given
    random_effects: FloatArray  # shape (n, k): the model's standard-normal and uniform draws
    # CAR-T cellular kinetics, Stein 2019 multiphasic model, copies/ug genomic DNA
    ck_cmax: FloatArray
    ck_tmax_days: FloatArray
    ck_fold_expansion: FloatArray
    ck_alpha_per_day: FloatArray  # contraction
    ck_fraction_persisting: FloatArray  # FB
    ck_beta_per_day: FloatArray  # persistence decay
    # CRS and ICANS (ASTCT 2019 grade 0-5 as the engine will grade the rendered data)
    crs_grade: IntArray
    crs_onset_day: FloatArray
    crs_duration_days: FloatArray
    crs_tocilizumab: BoolArray  # tocilizumab given for the CRS (added by the patient model)
    crs_steroids: BoolArray  # corticosteroids given for the CRS (added by the patient model)
    icans_grade: IntArray
    icans_onset_day: FloatArray
    icans_duration_days: FloatArray
    # on-target off-tumour toxicity for mesothelin (CTCAE grade 0-5)
    off_tumour_term: TextArray  # "" or a CTCAE term: "Pneumonitis", "Pleural effusion", ...
    off_tumour_grade: IntArray
    off_tumour_onset_day: FloatArray
    # cytopenias after lymphodepletion (nadir values, day of nadir, day recovered)
    anc_nadir_10e9_per_l: FloatArray
    platelet_nadir_10e9_per_l: FloatArray
    cytopenia_nadir_day: FloatArray
    cytopenia_recovery_day: FloatArray
    # tumour: Stein/Wilkerson g-d model, SLD(t)/SLD0 = exp(-d t) + exp(g t) - 1
    n_target_lesions: IntArray  # 1-5 (RECIST 1.1: <= 5, <= 2 per organ)
    baseline_sld_mm: FloatArray
    tumour_growth_per_day: FloatArray  # g
    tumour_decay_per_day: FloatArray  # d
    new_lesion_day: FloatArray  # first new lesion (inf: none)
    # follow-up (days from infusion)
    death_day: FloatArray
    withdrawal_day: FloatArray
    lost_to_follow_up_day: FloatArray

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.age_years.shape[0])

    def take(self, index: IntArray | BoolArray) -> VirtualPatients:
        """The patients selected by ``index`` (positions or a mask)."""
        return VirtualPatients(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def row(self, i: int) -> dict[str, object]:
        """Patient ``i`` as plain Python values (for rendering one patient)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)[i]
            if isinstance(value, np.ndarray):  # a row of a 2-D field (random_effects)
                out[f.name] = value.tolist()
            else:
                out[f.name] = value.item() if hasattr(value, "item") else value
        return out
