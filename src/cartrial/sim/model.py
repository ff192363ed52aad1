"""The patient model: draws :class:`~cartrial.sim.patients.VirtualPatients` from a scenario.

Vectorised over patients (NumPy, no loop over patients). Two steps:

1. :func:`draw_patients` draws the baseline (tumour type, demographics, ECOG,
   MSLN IHC, the latent screen-failure reason, operations, cytopenias after
   Flu/Cy, tumour growth rate g, new-lesion day, withdrawal and loss to
   follow-up) and the patient's own random effects; the dose is ``nan`` and the
   exposure-driven fields are those of an untreated patient (Cmax 0, grades 0,
   decay d = 0).
2. :func:`at_dose` recomputes, deterministically from ``random_effects`` and the
   dose, every exposure-driven field: kinetics, CRS, ICANS, on-target off-tumour
   toxicity, tumour decay d and death. The baseline never changes with the dose,
   so a patient drawn at screening keeps it when the escalation engine assigns
   the dose later.

Sub-models (parameters and sources in the scenario file and docs/simulation.md):

- kinetics: Stein AM et al., CPT Pharmacometrics Syst Pharmacol 2019;8:285
  (multiphasic model, Table 1 typical values and omega^2; SIMULATOR_ANCHORS P1,
  P2) with the solid-tumour scaling of P6 and a power dose effect on Cmax
  (P7): ``Cmax_i = Cmax_typ * 10^-r * (dose / dose_ref)^k * exp(eta)``. Levels
  come from :func:`cartrial.kinetics.ck_model.predict`.
- CRS, ICANS, off-tumour: ordinal logit (P8), ``logit P(grade >= g) = theta_g +
  slope * log10(Cmax_i / Cmax_ref)``, ``Cmax_ref`` the typical solid Cmax at the
  reference dose; grade = number of thresholds the patient's uniform draw falls
  under (so a patient's grade never falls when the dose rises).
- tumour: Stein/Wilkerson g-d model (Stein 2011 Clin Cancer Res; tumgr
  ``gdrate``; P11), ``SLD(t)/SLD0 = exp(-d t) + exp(g t) - 1``, log-normal g,
  and d rising with exposure, ``d_i = d_typ (Cmax_i / Cmax_ref)^gamma exp(eta)``;
  baseline SLD from Zecchin 2016 BJCP 82:717 (P13); new lesions at a
  hazard rising with g.
- death: exponential hazard, ``log h = log h0 + b_g log(g/g_typ) + b_w8 (SLD(56)/SLD0 - 1)``
  (log g, Stein 2011, P12; week-8 change as in Wang 2009 and Claret 2013),
  plus a grade 5 CRS or off-tumour event.

Why by hand: no Python package models CAR-T patients.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any, cast

import numpy as np
from scipy import special

from cartrial.kinetics.ck_model import CkParameters, predict
from cartrial.sim.patients import (
    SCREEN_FAILURE_REASONS,
    BoolArray,
    FloatArray,
    IntArray,
    VirtualPatients,
)
from cartrial.sim.scenario import (
    LogNormal,
    Normal,
    OffTumour,
    OrdinalToxicity,
    Scenario,
)

__all__ = [
    "RANDOM_EFFECTS",
    "at_dose",
    "car_level",
    "draw_patients",
    "probability_detectable",
    "reference_cmax",
    "sld_ratio",
]

#: Columns of ``VirtualPatients.random_effects``: ``eta_``/``z_`` standard normal, ``u_`` uniform.
RANDOM_EFFECTS = (
    "eta_cmax",
    "eta_tmax",
    "eta_fold_expansion",
    "eta_alpha",
    "eta_fraction_persisting",
    "eta_beta",
    "u_crs",
    "z_crs_onset",
    "z_crs_duration",
    "u_tocilizumab",
    "u_steroids",
    "u_icans",
    "z_icans_onset",
    "z_icans_duration",
    "u_off_tumour",
    "u_off_tumour_term",
    "u_off_tumour_onset",
    "eta_growth",
    "eta_decay",
    "u_death",
)
_COL = {name: i for i, name in enumerate(RANDOM_EFFECTS)}
_WEEK8_DAY = 56.0
_TREATMENT_DEATH_DELAY_DAYS = 3.0  # a grade 5 off-tumour event is fatal a few days after onset


def _lognormal(spec: LogNormal, z: FloatArray) -> FloatArray:
    return np.asarray(spec.median.value * np.exp(spec.sigma_log.value * z), dtype=np.float64)


def _normal(spec: Normal, z: FloatArray) -> FloatArray:
    values = spec.mean.value + spec.sd.value * z
    return np.clip(values, spec.low.value, spec.high.value)


def _categorical(u: FloatArray, probabilities: FloatArray) -> IntArray:
    """Index of the category each uniform falls in (the remainder above the sum is len)."""
    edges = np.cumsum(probabilities)
    return np.asarray(np.searchsorted(edges, u, side="right"), dtype=np.int64)


def _exponential_day(u: FloatArray, hazard: FloatArray | float, horizon: float) -> FloatArray:
    with np.errstate(divide="ignore"):
        day = -np.log1p(-u) / hazard
    return np.where(day <= horizon, day, np.inf)


def reference_cmax(scenario: Scenario) -> float:
    """Typical solid-tumour Cmax (copies/ug) at the reference dose: Cmax_ref of the toxicities."""
    k = scenario.kinetics
    return float(k.reference.cmax_copies_per_ug.typical.value * 10.0**-k.cmax_log10_reduction.value)


def draw_patients(scenario: Scenario, rng: np.random.Generator, n: int) -> VirtualPatients:
    """Draw ``n`` patients' baseline and random effects; no dose yet (exposure fields untreated)."""
    pop = scenario.population
    types = list(pop.tumour_mix)
    weights = np.array([pop.tumour_mix[t].value for t in types])
    type_index = rng.choice(len(types), size=n, p=weights / weights.sum())
    tumour_type = np.array([str(t) for t in types], dtype=object)[type_index]

    female = rng.random(n) < pop.female_fraction.value
    sex = np.where(female, "F", "M").astype(object)
    z_weight = rng.standard_normal(n)
    weight = np.where(
        female, _lognormal(pop.weight_kg_female, z_weight), _lognormal(pop.weight_kg_male, z_weight)
    )
    z_height = rng.standard_normal(n)
    height = np.where(
        female, _normal(pop.height_cm_female, z_height), _normal(pop.height_cm_male, z_height)
    )
    age = _normal(pop.age_years, rng.standard_normal(n))

    positivity = np.array([scenario.msln.positivity[t].value for t in types])[type_index]
    msln_positive = rng.random(n) < positivity
    reasons = list(scenario.screening.failure_probability)
    probabilities = np.array([scenario.screening.failure_probability[r].value for r in reasons])
    reason_index = _categorical(rng.random(n), probabilities)
    reason_names = np.array([*reasons, ""], dtype=object)
    screen_failure = np.where(msln_positive, reason_names[reason_index], "msln_negative")
    assert set(screen_failure.tolist()) <= set(SCREEN_FAILURE_REASONS)

    u_ecog = rng.random(n)
    ecog_ok = np.where(u_ecog < pop.ecog0_fraction.value, 0, 1)
    ecog_bad = np.where(u_ecog < pop.ecog_failure_ecog3_fraction.value, 3, 2)
    ecog = np.where(screen_failure == "ecog", ecog_bad, ecog_ok).astype(np.int64)

    ops = scenario.operations
    apheresis_days = _lognormal(ops.consent_to_apheresis_days, rng.standard_normal(n))
    manufacturing_failed = rng.random(n) < ops.manufacturing_failure.value
    vein_to_vein = _lognormal(ops.vein_to_vein_days, rng.standard_normal(n))
    withdraws = rng.random(n) < ops.withdrawal_before_infusion.value

    cyto = scenario.cytopenias
    anc_nadir = _lognormal(cyto.anc_nadir_10e9_per_l, rng.standard_normal(n))
    platelet_nadir = _lognormal(cyto.platelet_nadir_10e9_per_l, rng.standard_normal(n))
    nadir_day = _lognormal(cyto.nadir_day, rng.standard_normal(n))
    recovery_day = nadir_day + _lognormal(cyto.nadir_to_recovery_days, rng.standard_normal(n))

    tum = scenario.tumour
    counts = np.array(sorted(tum.n_target_lesions), dtype=np.int64)
    count_p = np.array([tum.n_target_lesions[int(c)].value for c in counts])
    n_lesions = counts[np.minimum(_categorical(rng.random(n), count_p), len(counts) - 1)]
    sld = tum.baseline_sld_mm.typical.value * np.exp(
        np.sqrt(tum.baseline_sld_mm.omega2.value) * rng.standard_normal(n)
    )
    baseline_sld = np.maximum(sld, 10.0 * n_lesions)  # RECIST 1.1: each target lesion >= 10 mm

    effects = np.empty((n, len(RANDOM_EFFECTS)))
    for name, column in _COL.items():
        effects[:, column] = rng.random(n) if name.startswith("u_") else rng.standard_normal(n)
    growth = _growth(scenario, effects)
    new_lesion_hazard = tum.new_lesion_hazard_per_day.value * (
        growth / tum.growth_per_day.typical.value
    ) ** (tum.new_lesion_growth_exponent.value)
    horizon = scenario.survival.horizon_days.value
    new_lesion_day = _exponential_day(rng.random(n), new_lesion_hazard, horizon)
    surv = scenario.survival
    withdrawal_day = _exponential_day(rng.random(n), surv.withdrawal_hazard_per_day.value, horizon)
    ltfu_day = _exponential_day(rng.random(n), surv.lost_to_follow_up_hazard_per_day.value, horizon)

    nan = np.full(n, np.nan)
    zeros_int = np.zeros(n, dtype=np.int64)
    untreated = VirtualPatients(
        tumour_type=tumour_type,
        age_years=age,
        sex=sex,
        weight_kg=weight,
        height_cm=height,
        ecog=ecog,
        msln_positive=msln_positive,
        screen_failure=screen_failure.astype(object),
        days_consent_to_apheresis=apheresis_days,
        manufacturing_failed=manufacturing_failed,
        vein_to_vein_days=vein_to_vein,
        withdraws_before_infusion=withdraws,
        dose_cells_per_kg=nan,
        random_effects=effects,
        ck_cmax=nan,
        ck_tmax_days=nan,
        ck_fold_expansion=nan,
        ck_alpha_per_day=nan,
        ck_fraction_persisting=nan,
        ck_beta_per_day=nan,
        crs_grade=zeros_int,
        crs_onset_day=nan,
        crs_duration_days=nan,
        crs_tocilizumab=np.zeros(n, dtype=bool),
        crs_steroids=np.zeros(n, dtype=bool),
        icans_grade=zeros_int,
        icans_onset_day=nan,
        icans_duration_days=nan,
        off_tumour_term=np.full(n, "", dtype=object),
        off_tumour_grade=zeros_int,
        off_tumour_onset_day=nan,
        anc_nadir_10e9_per_l=anc_nadir,
        platelet_nadir_10e9_per_l=platelet_nadir,
        cytopenia_nadir_day=nadir_day,
        cytopenia_recovery_day=recovery_day,
        n_target_lesions=n_lesions,
        baseline_sld_mm=baseline_sld,
        tumour_growth_per_day=growth,
        tumour_decay_per_day=nan,
        new_lesion_day=new_lesion_day,
        death_day=nan,
        withdrawal_day=withdrawal_day,
        lost_to_follow_up_day=ltfu_day,
    )
    return at_dose(untreated, nan, scenario)


def _growth(scenario: Scenario, effects: FloatArray) -> FloatArray:
    g = scenario.tumour.growth_per_day
    eta = effects[:, _COL["eta_growth"]]
    return np.asarray(g.typical.value * np.exp(np.sqrt(g.omega2.value) * eta), dtype=np.float64)


def _kinetics(scenario: Scenario, effects: FloatArray, dose: FloatArray) -> dict[str, FloatArray]:
    k = scenario.kinetics
    ref = k.reference

    def individual(typical: float, omega2: float, column: str) -> FloatArray:
        eta = effects[:, _COL[column]]
        return np.asarray(typical * np.exp(np.sqrt(omega2) * eta), dtype=np.float64)

    treated = np.isfinite(dose) & (dose > 0)
    relative_dose = np.where(treated, dose, 1.0) / k.reference_dose_cells_per_kg.value
    cmax = individual(reference_cmax(scenario), ref.cmax_copies_per_ug.omega2.value, "eta_cmax")
    cmax = np.where(treated, cmax * relative_dose**k.dose_exponent.value, 0.0)
    fold = individual(
        ref.fold_expansion.typical.value * 10.0**-k.fold_expansion_log10_reduction.value,
        ref.fold_expansion.omega2.value,
        "eta_fold_expansion",
    )
    fb_typical = ref.fraction_persisting.typical.value * k.fraction_persisting_factor.value
    fb = special.expit(
        special.logit(min(fb_typical, 0.999))
        + np.sqrt(ref.fraction_persisting.omega2.value)
        * effects[:, _COL["eta_fraction_persisting"]]
    )
    return {
        "ck_cmax": cmax,
        "ck_tmax_days": individual(
            ref.tmax_days.typical.value, ref.tmax_days.omega2.value, "eta_tmax"
        ),
        "ck_fold_expansion": np.maximum(fold, 1.0),
        "ck_alpha_per_day": individual(
            ref.alpha_per_day.typical.value, ref.alpha_per_day.omega2.value, "eta_alpha"
        ),
        "ck_fraction_persisting": np.asarray(fb, dtype=np.float64),
        "ck_beta_per_day": individual(
            ref.beta_per_day.typical.value, ref.beta_per_day.omega2.value, "eta_beta"
        ),
    }


def _ordinal_grade(
    model: OrdinalToxicity | OffTumour, log10_ratio: FloatArray, u: FloatArray, treated: BoolArray
) -> IntArray:
    theta = np.array([t.value for t in model.theta])
    p_at_least = special.expit(
        theta[None, :] + model.slope_per_log10_cmax.value * log10_ratio[:, None]
    )
    grade = (u[:, None] < p_at_least).sum(axis=1)
    return np.where(treated, grade, 0).astype(np.int64)


def _by_grade(values: list[float], grade: IntArray) -> FloatArray:
    table = np.array([0.0, *values])
    return np.asarray(table[grade], dtype=np.float64)


def at_dose(
    patients: VirtualPatients, dose_cells_per_kg: FloatArray, scenario: Scenario
) -> VirtualPatients:
    """The same patients given ``dose_cells_per_kg`` (nan or 0: not treated).

    Only the exposure-driven fields change; they are a deterministic function of
    ``patients.random_effects`` and the dose.
    """
    n = patients.n
    dose = np.broadcast_to(np.asarray(dose_cells_per_kg, dtype=np.float64), (n,)).copy()
    effects = patients.random_effects
    treated = np.isfinite(dose) & (dose > 0)
    ck = _kinetics(scenario, effects, dose)
    with np.errstate(divide="ignore"):
        log10_ratio = np.where(treated, np.log10(ck["ck_cmax"] / reference_cmax(scenario)), 0.0)

    crs = scenario.crs
    crs_grade = _ordinal_grade(crs, log10_ratio, effects[:, _COL["u_crs"]], treated)
    has_crs = crs_grade > 0
    crs_onset = np.where(
        has_crs, _lognormal(crs.onset_day, effects[:, _COL["z_crs_onset"]]), np.inf
    )
    crs_duration = np.where(
        has_crs, _lognormal(crs.duration_days, effects[:, _COL["z_crs_duration"]]), 0.0
    )
    toci_p = _by_grade([p.value for p in crs.tocilizumab_by_grade] or [0.0] * 5, crs_grade)
    steroid_p = _by_grade([p.value for p in crs.steroids_by_grade] or [0.0] * 5, crs_grade)

    icans = scenario.icans
    icans_grade = _ordinal_grade(icans, log10_ratio, effects[:, _COL["u_icans"]], treated)
    has_icans = icans_grade > 0
    icans_onset = np.where(
        has_icans, _lognormal(icans.onset_day, effects[:, _COL["z_icans_onset"]]), np.inf
    )
    icans_duration = np.where(
        has_icans, _lognormal(icans.duration_days, effects[:, _COL["z_icans_duration"]]), 0.0
    )

    off = scenario.off_tumour
    off_grade = _ordinal_grade(off, log10_ratio, effects[:, _COL["u_off_tumour"]], treated)
    terms = list(off.terms)
    term_index = _categorical(
        effects[:, _COL["u_off_tumour_term"]], np.array([off.terms[t].value for t in terms])
    )
    term_names = np.array(terms, dtype=object)[np.minimum(term_index, len(terms) - 1)]
    off_term = np.where(off_grade > 0, term_names, "").astype(object)
    low, high = off.onset_day.low.value, off.onset_day.high.value
    off_onset = np.where(
        off_grade > 0, low + (high - low) * effects[:, _COL["u_off_tumour_onset"]], np.inf
    )

    tum = scenario.tumour
    growth = _growth(scenario, effects)
    decay_typical = tum.decay_per_day.typical.value * np.exp(
        np.sqrt(tum.decay_per_day.omega2.value) * effects[:, _COL["eta_decay"]]
    )
    exposure = np.where(treated, ck["ck_cmax"] / reference_cmax(scenario), 0.0)
    decay = np.where(treated, decay_typical * exposure**tum.decay_cmax_exponent.value, 0.0)

    surv = scenario.survival
    week8_change = _gd_ratio(growth, decay, np.array([_WEEK8_DAY]))[:, 0] - 1.0
    log_hazard = (
        np.log(surv.death_hazard_per_day.value)
        + surv.log_hr_per_log_growth.value * np.log(growth / tum.growth_per_day.typical.value)
        + surv.log_hr_per_week8_change.value * week8_change
    )
    horizon = surv.horizon_days.value
    death = _exponential_day(
        effects[:, _COL["u_death"]], np.exp(np.minimum(log_hazard, 20.0)), np.inf
    )
    death = np.where(crs_grade == 5, np.minimum(death, crs_onset + crs_duration), death)
    death = np.where(
        off_grade == 5, np.minimum(death, off_onset + _TREATMENT_DEATH_DELAY_DAYS), death
    )
    death = np.where(death <= horizon, death, np.inf)

    values: dict[str, Any] = {f.name: getattr(patients, f.name) for f in fields(patients)}
    values.update(ck)
    values.update(
        dose_cells_per_kg=np.where(treated, dose, np.nan),
        crs_grade=crs_grade,
        crs_onset_day=crs_onset,
        crs_duration_days=crs_duration,
        crs_tocilizumab=effects[:, _COL["u_tocilizumab"]] < toci_p,
        crs_steroids=effects[:, _COL["u_steroids"]] < steroid_p,
        icans_grade=icans_grade,
        icans_onset_day=icans_onset,
        icans_duration_days=icans_duration,
        off_tumour_term=off_term,
        off_tumour_grade=off_grade,
        off_tumour_onset_day=off_onset,
        tumour_growth_per_day=growth,
        tumour_decay_per_day=decay,
        death_day=death,
    )
    return VirtualPatients(**values)


def _gd_ratio(growth: FloatArray, decay: FloatArray, days: FloatArray) -> FloatArray:
    t = np.maximum(np.asarray(days, dtype=np.float64), 0.0)[None, :]
    return np.asarray(
        np.exp(-decay[:, None] * t) + np.exp(growth[:, None] * t) - 1.0, dtype=np.float64
    )


def sld_ratio(patients: VirtualPatients, days: FloatArray) -> FloatArray:
    """SLD(t) / SLD0 by the g-d model, shape (n, len(days)); days before 0 give 1."""
    return _gd_ratio(patients.tumour_growth_per_day, patients.tumour_decay_per_day, days)


def car_level(patients: VirtualPatients, days: FloatArray) -> FloatArray:
    """True CAR transgene level (copies/ug DNA), shape (n, len(days)); 0 for untreated patients.

    Stein 2019 structure (P1) through :func:`cartrial.kinetics.ck_model.predict`,
    which broadcasts: the parameters are passed as (n, 1) columns.
    """
    t = np.asarray(days, dtype=np.float64)[None, :]
    tmax = patients.ck_tmax_days[:, None]

    def column(values: FloatArray) -> float:
        return cast(float, values[:, None])  # predict broadcasts (n, 1) against (1, m)

    params = CkParameters(
        cmax=column(np.nan_to_num(patients.ck_cmax, nan=0.0)),
        tmax=column(patients.ck_tmax_days),
        rho=column(np.log(patients.ck_fold_expansion) / patients.ck_tmax_days),
        alpha=column(patients.ck_alpha_per_day),
        beta=column(patients.ck_beta_per_day),
        fraction_persisting=column(patients.ck_fraction_persisting),
    )
    level = predict(params, t)
    return np.asarray(np.where(np.isfinite(tmax), level, 0.0), dtype=np.float64)


def probability_detectable(
    patients: VirtualPatients, day: float, lloq: float, residual_sd_log: float
) -> FloatArray:
    """P(qPCR result at ``day`` >= ``lloq``): the true level with log-normal assay error."""
    level = car_level(patients, np.array([day]))[:, 0]
    with np.errstate(divide="ignore"):
        z = (np.log(level) - np.log(lloq)) / residual_sd_log
    return np.asarray(special.ndtr(z), dtype=np.float64)
