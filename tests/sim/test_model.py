"""The patient model against hand-computed values, its own parameters and the published anchors.

Anchor tolerances: the published rate p from a study of n patients has binomial SE
sqrt(p(1-p)/n); a simulated rate passes within 2 of those SEs plus 4 Monte-Carlo SEs.
"""

from __future__ import annotations

import math
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from cartrial.protocol.load import load_bundled
from cartrial.sim.anchors import compute_detectable_fraction, compute_latent_response
from cartrial.sim.model import at_dose, car_level, draw_patients, sld_ratio
from cartrial.sim.patients import SCREEN_FAILURE_REASONS, VirtualPatients
from cartrial.sim.scenario import Scenario, bundled_scenario

SCENARIO = bundled_scenario("uclm802")
LEVELS = [float(d.cells_per_kg) for d in load_bundled("uclm802").protocol.dose_levels]
BASELINE = (
    "tumour_type",
    "age_years",
    "sex",
    "weight_kg",
    "height_cm",
    "ecog",
    "msln_positive",
    "screen_failure",
    "days_consent_to_apheresis",
    "manufacturing_failed",
    "vein_to_vein_days",
    "withdraws_before_infusion",
    "random_effects",
    "anc_nadir_10e9_per_l",
    "platelet_nadir_10e9_per_l",
    "cytopenia_nadir_day",
    "cytopenia_recovery_day",
    "n_target_lesions",
    "baseline_sld_mm",
    "tumour_growth_per_day",
    "new_lesion_day",
    "withdrawal_day",
    "lost_to_follow_up_day",
)


@pytest.fixture(scope="module")
def cohort() -> VirtualPatients:
    """100,000 uclm802 patients, the protocol's dose levels in equal shares."""
    drawn = draw_patients(SCENARIO, np.random.default_rng(11), 100_000)
    return at_dose(drawn, np.array(LEVELS)[np.arange(drawn.n) % len(LEVELS)], SCENARIO)


def _edited(changes: dict[tuple[str, ...], float]) -> Scenario:
    data: dict[str, Any] = SCENARIO.model_dump()
    for path, value in changes.items():
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]]["value"] = value
    return Scenario.model_validate(data)


def _within(simulated: float, published: float, n_published: int, n_sim: int) -> bool:
    se_published = math.sqrt(published * (1 - published) / n_published)
    se_sim = math.sqrt(max(simulated * (1 - simulated), 1e-4) / n_sim)
    return abs(simulated - published) <= 2 * se_published + 4 * se_sim


def test_typical_heme_profile_matches_stein_2019_by_hand() -> None:
    ck = ("kinetics", "reference")
    no_iiv = {
        (*ck, p, "omega2"): 0.0
        for p in (
            "cmax_copies_per_ug",
            "tmax_days",
            "fold_expansion",
            "alpha_per_day",
            "fraction_persisting",
            "beta_per_day",
        )
    }
    heme = _edited(
        {
            **no_iiv,
            ("kinetics", "cmax_log10_reduction"): 0.0,
            ("kinetics", "fold_expansion_log10_reduction"): 0.0,
            ("kinetics", "fraction_persisting_factor"): 1.0,
        }
    )
    patients = at_dose(draw_patients(heme, np.random.default_rng(1), 3), np.full(3, 1e6), heme)
    days = np.array([0.0, 9.3, 19.3, 365.0])
    level = car_level(patients, days)
    # P1 by hand: C(0) = Cmax / foldx; C(Tmax) = Cmax;
    # C(t > Tmax) = Cmax [(1 - FB) exp(-alpha (t - Tmax)) + FB exp(-beta (t - Tmax))]
    expected = [
        24000 / 3900,
        24000.0,
        24000 * (0.9921 * math.exp(-0.16 * 10) + 0.0079 * math.exp(-0.0032 * 10)),
        24000 * (0.9921 * math.exp(-0.16 * 355.7) + 0.0079 * math.exp(-0.0032 * 355.7)),
    ]
    np.testing.assert_allclose(level, np.tile(expected, (3, 1)), rtol=1e-9)
    assert expected[2] == pytest.approx(4990.9, abs=0.1)
    grid = np.linspace(0, 60, 6001)
    profile = car_level(patients, grid)[0]
    assert grid[np.argmax(profile)] == pytest.approx(9.3, abs=0.01)
    assert profile.max() == pytest.approx(24000.0, rel=1e-4)


def test_between_patient_variances_are_recovered(cohort: VirtualPatients) -> None:
    n = cohort.n
    dose_term = SCENARIO.kinetics.dose_exponent.value * np.log(cohort.dose_cells_per_kg)
    ref = SCENARIO.kinetics.reference
    checks = [
        (np.log(cohort.ck_cmax) - dose_term, ref.cmax_copies_per_ug.omega2.value),
        (np.log(cohort.ck_tmax_days), ref.tmax_days.omega2.value),
        (np.log(cohort.ck_alpha_per_day), ref.alpha_per_day.omega2.value),
        (np.log(cohort.ck_beta_per_day), ref.beta_per_day.omega2.value),
        (
            np.log(cohort.ck_fraction_persisting / (1 - cohort.ck_fraction_persisting)),
            ref.fraction_persisting.omega2.value,
        ),
        (np.log(cohort.tumour_growth_per_day), SCENARIO.tumour.growth_per_day.omega2.value),
    ]
    for values, omega2 in checks:
        se = omega2 * math.sqrt(2 / (n - 1))  # SE of a normal sample variance
        assert abs(np.var(values, ddof=1) - omega2) < 4 * se


def test_typical_cmax_is_p2_scaled_by_p6_at_the_reference_dose(cohort: VirtualPatients) -> None:
    at_reference = cohort.dose_cells_per_kg == 1e6
    median = np.median(cohort.ck_cmax[at_reference])
    expected = 24000 * 10**-SCENARIO.kinetics.cmax_log10_reduction.value
    se_log = math.sqrt(0.65) * 1.2533 / math.sqrt(at_reference.sum())  # SE of a median
    assert abs(math.log(median / expected)) < 4 * se_log


def test_msln_positivity_per_tumour_type_matches_the_scenario(cohort: VirtualPatients) -> None:
    for tumour_type, probability in SCENARIO.msln.positivity.items():
        mask = cohort.tumour_type == str(tumour_type)
        p = probability.value
        observed = cohort.msln_positive[mask].mean()
        assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / mask.sum()) + 1e-9, tumour_type


def test_tumour_mix_and_screen_failures_match_the_scenario(cohort: VirtualPatients) -> None:
    n = cohort.n
    for tumour_type, weight in SCENARIO.population.tumour_mix.items():
        share = np.mean(cohort.tumour_type == str(tumour_type))
        assert abs(share - weight.value) < 4 * math.sqrt(weight.value / n)
    positive = cohort.msln_positive
    assert set(cohort.screen_failure.tolist()) <= set(SCREEN_FAILURE_REASONS)
    assert np.array_equal(cohort.screen_failure == "msln_negative", ~positive)
    for reason, probability in SCENARIO.screening.failure_probability.items():
        observed = np.mean(cohort.screen_failure[positive] == reason)
        p = probability.value
        assert abs(observed - p) < 4 * math.sqrt(p * (1 - p) / positive.sum()), reason
    assert np.all(cohort.ecog[cohort.screen_failure == "ecog"] >= 2)
    assert np.all(cohort.ecog[cohort.screen_failure != "ecog"] <= 1)
    assert _within(cohort.manufacturing_failed.mean(), 0.05, 10**9, n)


def test_lesions_follow_recist_limits(cohort: VirtualPatients) -> None:
    assert set(np.unique(cohort.n_target_lesions).tolist()) == {1, 2, 3, 4, 5}
    assert np.all(cohort.baseline_sld_mm >= 10 * cohort.n_target_lesions)


def test_car_detection_matches_hucart_meso(cohort: VirtualPatients) -> None:
    # huCART-meso (P5): detectable at day 21 in 16/20 (P6 target ~0.8 at day 28), 12 months 5/20
    assert _within(compute_detectable_fraction(cohort, 28.0, SCENARIO), 16 / 20, 20, cohort.n)
    assert _within(compute_detectable_fraction(cohort, 365.0, SCENARIO), 5 / 20, 20, cohort.n)


def test_crs_rates_match_p9_and_rise_over_dose_levels(cohort: VirtualPatients) -> None:
    assert _within(np.mean(cohort.crs_grade >= 1), 7 / 20, 20, cohort.n)  # huCART-meso
    assert _within(np.mean(cohort.crs_grade >= 3), 0.15, 20, cohort.n)  # gavo-cel at RP2D
    by_level = [np.mean(cohort.crs_grade[cohort.dose_cells_per_kg == d] >= 3) for d in LEVELS]
    assert by_level == sorted(by_level) and by_level[-1] > by_level[0] + 0.03
    assert np.mean(cohort.off_tumour_grade >= 3) < 0.16  # gavo-cel: 16% overall, 0 at RP2D
    assert set(cohort.off_tumour_term[cohort.off_tumour_grade > 0]) == set(
        SCENARIO.off_tumour.terms
    )
    onset = cohort.off_tumour_onset_day[cohort.off_tumour_grade > 0]
    assert onset.min() >= 3.0 and onset.max() <= 28.0


def test_response_and_survival_match_p15(cohort: VirtualPatients) -> None:
    response = compute_latent_response(cohort)
    assert _within(response.responder.mean(), 0.20, 30, cohort.n)  # gavo-cel ORR 6/30
    assert _within(response.disease_control.mean(), 0.77, 30, cohort.n)  # gavo-cel DCR
    assert 8 * 7 <= np.median(response.pfs_day) <= 16 * 7  # huCART-meso mPFS 12.3 weeks
    assert 26.1 * 7 <= np.median(cohort.death_day) <= 11.2 * 30.44  # huCART-meso to gavo-cel


def test_draw_patients_gives_untreated_patients() -> None:
    patients = draw_patients(SCENARIO, np.random.default_rng(3), 1000)
    assert np.all(np.isnan(patients.dose_cells_per_kg))
    assert np.all(patients.ck_cmax == 0) and np.all(car_level(patients, np.array([10.0])) == 0)
    for grade in (patients.crs_grade, patients.icans_grade, patients.off_tumour_grade):
        assert np.all(grade == 0)
    assert np.all(patients.tumour_decay_per_day == 0)
    expected = np.exp(patients.tumour_growth_per_day * 56.0)  # g-d model with d = 0
    np.testing.assert_allclose(sld_ratio(patients, np.array([56.0]))[:, 0], expected)


def test_sld_ratio_is_the_gd_model() -> None:
    patients = at_dose(
        draw_patients(SCENARIO, np.random.default_rng(4), 5), np.full(5, 1e6), SCENARIO
    )
    g, d = patients.tumour_growth_per_day[2], patients.tumour_decay_per_day[2]
    ratio = sld_ratio(patients, np.array([-5.0, 0.0, 100.0]))[2]
    assert ratio.tolist() == pytest.approx([1.0, 1.0, math.exp(-d * 100) + math.exp(g * 100) - 1])


def test_at_dose_keeps_the_baseline_and_is_deterministic() -> None:
    drawn = draw_patients(SCENARIO, np.random.default_rng(5), 2000)
    low = at_dose(drawn, np.full(drawn.n, 1e5), SCENARIO)
    high = at_dose(low, np.full(drawn.n, 2e6), SCENARIO)
    again = at_dose(drawn, np.full(drawn.n, 2e6), SCENARIO)
    for name in BASELINE:
        assert np.array_equal(getattr(drawn, name), getattr(high, name)), name
    for f in fields(VirtualPatients):
        np.testing.assert_array_equal(getattr(high, f.name), getattr(again, f.name), f.name)
    untreated = at_dose(high, np.zeros(drawn.n), SCENARIO)
    for f in fields(VirtualPatients):
        np.testing.assert_array_equal(getattr(untreated, f.name), getattr(drawn, f.name), f.name)


def test_a_higher_dose_gives_higher_exposure_and_never_a_lower_grade() -> None:
    drawn = draw_patients(SCENARIO, np.random.default_rng(6), 20_000)
    low = at_dose(drawn, np.full(drawn.n, 1e5), SCENARIO)
    high = at_dose(drawn, np.full(drawn.n, 2e6), SCENARIO)
    ratio = high.ck_cmax / low.ck_cmax
    np.testing.assert_allclose(ratio, 20**SCENARIO.kinetics.dose_exponent.value)
    assert np.all(high.crs_grade >= low.crs_grade)
    assert np.all(high.tumour_decay_per_day > low.tumour_decay_per_day)
    # independent patients: stochastically higher (medians differ by far more than their SEs)
    other = at_dose(
        draw_patients(SCENARIO, np.random.default_rng(7), 20_000), np.full(20_000, 2e6), SCENARIO
    )
    assert np.median(other.ck_cmax) > 2 * np.median(low.ck_cmax)


def test_the_same_seed_gives_the_same_patients() -> None:
    first = draw_patients(SCENARIO, np.random.default_rng(8), 500)
    second = draw_patients(SCENARIO, np.random.default_rng(8), 500)
    other = draw_patients(SCENARIO, np.random.default_rng(9), 500)
    for f in fields(VirtualPatients):
        np.testing.assert_array_equal(getattr(first, f.name), getattr(second, f.name), f.name)
    assert not np.array_equal(first.age_years, other.age_years)


def test_every_field_has_one_row_per_patient() -> None:
    patients = draw_patients(SCENARIO, np.random.default_rng(10), 7)
    assert all(len(getattr(patients, f.name)) == 7 for f in fields(VirtualPatients))
    assert patients.take(np.array([1, 3])).n == 2
    row = patients.row(0)
    assert isinstance(row["age_years"], float) and isinstance(row["ecog"], int)
    assert row["random_effects"] == patients.random_effects[0].tolist()
