"""Multiphasic CAR-T kinetic model (Stein et al. 2019) with M3-censored BLQ (Beal 2001).

Values by hand from the closed form; the fit's statistics against their textbook
definitions (df-corrected SD, chi-square interval, AICc) and against profiles whose true
parameters are known.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from cartrial.errors import InputError
from cartrial.kinetics.ck_fit import FLAGS, count_fits, fit_ck_model, fit_ck_population, fit_form
from cartrial.kinetics.ck_model import (
    BIPHASIC,
    MONOPHASIC,
    CkParameters,
    log_likelihood,
    log_predict,
    predict,
)
from cartrial.kinetics.ck_population import SOLID_TUMOUR

P = CkParameters(cmax=1e4, tmax=10.0, rho=0.5, alpha=0.3, beta=0.01, fraction_persisting=0.1)


def test_expansion_phase_is_exponential_up_to_tmax() -> None:
    # 1e4 * exp(-0.5 * 4)
    assert predict(P, np.array([6.0]))[0] == pytest.approx(1353.3528323661271, rel=1e-12)
    assert predict(P, np.array([10.0]))[0] == pytest.approx(1e4, rel=1e-12)


def test_contraction_and_persistence_are_biexponential_after_tmax() -> None:
    # 1e4 * (0.9 exp(-0.3 * 10) + 0.1 exp(-0.01 * 10)): FB = 0.1 is the persisting share
    assert predict(P, np.array([20.0]))[0] == pytest.approx(1352.9210333467352, rel=1e-12)


def test_log_prediction_is_the_log_of_the_prediction() -> None:
    t = np.array([1.0, 6.0, 10.0, 20.0, 400.0])
    assert log_predict(P, t) == pytest.approx(np.log(predict(P, t)), rel=1e-12)
    # monophasic: ln 1e4 - 0.3 * 10
    mono = CkParameters(cmax=1e4, tmax=10.0, rho=0.5, alpha=0.3)
    assert log_predict(mono, np.array([20.0]))[0] == pytest.approx(math.log(1e4) - 3.0)


def test_log_likelihood_is_density_for_quantified_and_cdf_for_blq() -> None:
    # quantified 1.5e4 at day 10, sigma 0.5: z = ln 1.5 / 0.5; ln phi(z) - ln sigma = -0.55459526
    # BLQ at day 20, LLOQ 500: z = (ln 500 - ln C(20)) / 0.5 = -1.99082633; ln Phi(z) = -3.76145049
    value = log_likelihood(
        P, 0.5, np.array([10.0, 20.0]), np.array([1.5e4, 0.0]), np.array([500.0, 500.0])
    )
    assert value == pytest.approx(-0.5545952604310581 - 3.7614504942785745, rel=1e-10)


def _profile() -> tuple[np.ndarray, np.ndarray, float, CkParameters]:
    truth = CkParameters(
        cmax=5e4, tmax=9.0, rho=0.6, alpha=0.25, beta=0.01, fraction_persisting=0.05
    )
    t = np.array([0, 1, 4, 7, 10, 14, 21, 28, 42, 56, 90, 180, 270, 365.0])
    noise = np.exp(0.1 * np.array([1, -1] * 7))  # fixed +-10% pattern, no randomness
    c = predict(truth, t) * noise
    lloq = 200.0
    c[c < lloq] = 0.0
    return t, c, lloq, truth


def test_fit_recovers_simulated_parameters_with_censored_tail() -> None:
    t, c, lloq, truth = _profile()
    fit = fit_ck_model(t, c, lloq)
    assert (fit.n_censored, fit.n_quantified) == (1, 12)
    assert fit.form == "biphasic" and fit.supported, fit.reason
    for name in ("cmax", "tmax", "rho", "alpha", "beta", "fraction_persisting"):
        assert fit.estimates[name] == pytest.approx(getattr(truth, name), rel=0.1), name
        low, high = fit.intervals[name]
        assert low < getattr(truth, name) < high, name
    # the residuals from the truth are exactly +-0.1 on the log scale: the ML fit, closer
    # to the data than the truth, has a smaller SD; the interval of the corrected SD holds 0.1
    assert fit.sigma_ml < 0.1
    low, high = fit.intervals["sigma"]
    assert low < 0.1 < high


def test_residual_sd_is_corrected_for_degrees_of_freedom() -> None:
    """s = sigma_ML sqrt(n / (n - p)) (Seber & Wild 1989, 2.1.3); chi-square 95 % interval."""
    t, c, lloq, _ = _profile()
    fit = fit_ck_model(t, c, lloq)
    n, p = 12, 6
    assert fit.degrees_of_freedom == n - p
    assert fit.sigma == pytest.approx(fit.sigma_ml * math.sqrt(n / (n - p)), rel=1e-12)
    df = n - p
    low, high = fit.intervals["sigma"]
    assert low == pytest.approx(fit.sigma * math.sqrt(df / stats.chi2.ppf(0.975, df)))
    assert high == pytest.approx(fit.sigma * math.sqrt(df / stats.chi2.ppf(0.025, df)))


def test_aicc_is_hurvich_and_tsai() -> None:
    t, c, lloq, _ = _profile()
    fit = fit_ck_model(t, c, lloq)
    k, n = 7, 13  # 6 structural + sigma; 12 quantified + 1 censored
    expected = -2 * fit.log_likelihood + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    assert fit.aicc == pytest.approx(expected, rel=1e-12)
    assert set(fit.considered) == {"biphasic", "biphasic_fixed_terminal", "monophasic"}
    assert fit.considered["biphasic"] == pytest.approx(fit.aicc)
    assert "biphasic chosen: smallest AICc" in fit.reason


def test_sampling_ending_before_persistence_drops_the_terminal_phase() -> None:
    """Samples to day 28 only: the terminal rate cannot be seen; a reduced form is chosen."""
    truth = CkParameters(
        cmax=2e4, tmax=8.0, rho=0.7, alpha=0.2, beta=0.003, fraction_persisting=0.01
    )
    t = np.array([1, 2, 4, 6, 8, 10, 12, 14, 17, 21, 24, 28.0])
    c = predict(truth, t) * np.exp(0.15 * np.array([1, -1] * 6))
    fit = fit_ck_model(t, c, 10.0)
    assert fit.form != "biphasic", fit.reason
    assert fit.supported, fit.flags
    assert fit.estimates["alpha"] == pytest.approx(0.2, rel=0.25)


def test_a_peak_no_sample_supports_is_withheld() -> None:
    """Rising e-fold a day to 200 on days 1-4, falling 0.5/day from day 20: the two lines
    meet on day 9.3 at 10 e^(8.33) = 41,700, 208 times the observed maximum."""
    t = np.array([1.0, 2, 3, 4, 20, 21, 22, 23, 24])
    rising = 10 * np.exp(t[:4] - 1)
    falling = 10 * np.exp(8.3333) * np.exp(-0.5 * (t[4:] - 9.3333))
    c = np.concatenate([rising, falling]) * np.exp(0.05 * np.array([1, -1, 1, -1, 1, -1, 1, -1, 1]))
    fit = fit_form(MONOPHASIC, t, c, np.full(t.size, 1.0))
    assert fit.parameters.cmax > 20 * c.max()
    assert any(flag.startswith(FLAGS["cmax_unsupported"]) for flag in fit.flags)
    assert not fit.supported


def test_biphasic_terminal_rate_at_its_bound_is_flagged() -> None:
    """A profile with no persistence at all: the biphasic fit's beta or FB go to a bound."""
    t = np.array([1, 2, 4, 6, 8, 10, 12, 14, 17, 21.0])
    truth = CkParameters(cmax=2e4, tmax=8.0, rho=0.7, alpha=0.2)
    c = predict(truth, t) * np.exp(0.1 * np.array([1, -1] * 5))
    fit = fit_form(BIPHASIC, t, c, np.full(t.size, 1.0))
    assert not fit.supported
    reasons = " ".join(fit.flags)
    assert any(key in reasons for key in (FLAGS["rate_at_bound"], FLAGS["merged_phases"]))


def test_counts_name_every_outcome() -> None:
    t, c, lloq, _ = _profile()
    fitted = fit_ck_model(t, c, lloq)
    counts = count_fits([fitted, None, None])
    assert (counts.profiles, counts.by_form["biphasic"], counts.not_fitted) == (3, 1, 2)
    assert counts.describe() == (
        "3 profiles: 1 biphasic, 0 biphasic_fixed_terminal, 0 monophasic, "
        "0 biphasic_population; 0 withheld (flagged), 2 not fitted (too few quantified samples)"
    )


def test_too_few_quantified_samples_is_an_error() -> None:
    with pytest.raises(InputError, match="at least 6 quantified samples"):
        fit_ck_model(np.array([1.0, 7, 14, 28]), np.array([10.0, 500, 0, 0]), 50.0)


def test_blq_needs_an_lloq_to_be_censored() -> None:
    t, c, _, _ = _profile()
    with pytest.raises(InputError, match="an LLOQ > 0 for every BLQ sample"):
        fit_ck_model(t, c, math.nan)


def test_population_prior_is_stein_scaled_for_solid_tumours() -> None:
    """Stein 2019 Table 1 with Cmax and fold expansion / 10, FB x 5 (SIMULATOR_ANCHORS P6):
    ln 2400, ln 9.3, ln(ln 390 / 9.3) with variance 2.4 / (ln 390)^2 + 0.38, ln 0.16,
    ln 0.0032, logit 0.0395; the residual SD's log around ln 0.40 with SD 0.5."""
    means, sds = SOLID_TUMOUR.prior()
    assert means == pytest.approx(
        [7.783224, 2.230014, -0.443913, -1.832581, -5.744604, -3.191153, -0.916291], abs=1e-6
    )
    assert sds**2 == pytest.approx([0.65, 0.38, 0.447425, 0.91, 0.86, 0.8, 0.25], abs=1e-6)


def test_population_fit_shrinks_a_sparse_profile_to_the_population() -> None:
    """Three quantified samples: the per-subject fit refuses; the population fit gives the
    biphasic form with each estimate between the data and the prior, and says how much."""
    t = np.array([7.0, 14, 28, 90])
    c = np.array([3000.0, 800, 200, 0])
    with pytest.raises(InputError):
        fit_ck_model(t, c, 50.0)
    fit = fit_ck_population(t, c, 50.0, SOLID_TUMOUR)
    assert fit.form == "biphasic_population"
    assert set(fit.shrinkage) == {*BIPHASIC.names, "sigma"}
    assert all(0.0 <= b <= 1.0 for b in fit.shrinkage.values())
    # the terminal rate is not in the data: its estimate is the prior's, barely moved
    assert fit.shrinkage["beta"] > 0.9
    assert 0.0032 / 2 < fit.estimates["beta"] < 0.0032 * 2
    assert "MAP shrunk to the population prior" in fit.reason
    assert math.isnan(fit.aicc)
