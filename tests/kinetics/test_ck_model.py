"""Multiphasic CAR-T kinetic model (Stein et al. 2019) with M3-censored BLQ (Beal 2001)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cartrial.errors import InputError
from cartrial.kinetics.ck_model import CkParameters, fit_ck_model, log_likelihood, predict

P = CkParameters(cmax=1e4, tmax=10.0, rho=0.5, alpha=0.3, beta=0.01, fb=0.9)


def test_expansion_phase_is_exponential_up_to_tmax() -> None:
    # 1e4 * exp(-0.5 * 4)
    assert predict(P, np.array([6.0]))[0] == pytest.approx(1353.3528323661271, rel=1e-12)
    assert predict(P, np.array([10.0]))[0] == pytest.approx(1e4, rel=1e-12)


def test_contraction_and_persistence_are_biexponential_after_tmax() -> None:
    # 1e4 * (0.9 exp(-0.3 * 10) + 0.1 exp(-0.01 * 10))
    assert predict(P, np.array([20.0]))[0] == pytest.approx(1352.9210333467352, rel=1e-12)


def test_log_likelihood_is_density_for_quantified_and_cdf_for_blq() -> None:
    # quantified 1.5e4 at day 10, sigma 0.5: z = ln 1.5 / 0.5; ln phi(z) - ln sigma = -0.55459526
    # BLQ at day 20, LLOQ 500: z = (ln 500 - ln C(20)) / 0.5 = -1.99082633; ln Phi(z) = -3.76145049
    value = log_likelihood(
        P, 0.5, np.array([10.0, 20.0]), np.array([1.5e4, 0.0]), np.array([500.0, 500.0])
    )
    assert value == pytest.approx(-0.5545952604310581 - 3.7614504942785745, rel=1e-10)


def _profile() -> tuple[np.ndarray, np.ndarray, float, CkParameters]:
    truth = CkParameters(cmax=5e4, tmax=9.0, rho=0.6, alpha=0.25, beta=0.01, fb=0.95)
    t = np.array([0, 1, 4, 7, 10, 14, 21, 28, 42, 56, 90, 180, 270, 365.0])
    noise = np.exp(0.1 * np.array([1, -1] * 7))  # fixed +-10% pattern, no randomness
    c = predict(truth, t) * noise
    lloq = 200.0
    c[c < lloq] = 0.0
    return t, c, lloq, truth


def test_fit_recovers_simulated_parameters_with_censored_tail() -> None:
    t, c, lloq, truth = _profile()
    fit = fit_ck_model(t, c, lloq)
    assert fit.n_censored == 1
    assert fit.n_quantified == 12
    for name in ("cmax", "tmax", "rho", "alpha", "beta", "fb"):
        assert fit.estimates[name] == pytest.approx(getattr(truth, name), rel=0.1), name
        assert 0 < fit.standard_errors[name] < abs(fit.estimates[name]), name
    assert fit.estimates["sigma"] < 0.2


def test_too_few_quantified_samples_is_an_error() -> None:
    with pytest.raises(InputError, match="at least 7 quantified samples"):
        fit_ck_model(np.array([1.0, 7, 14, 28]), np.array([10.0, 500, 0, 0]), 50.0)


def test_blq_needs_an_lloq_to_be_censored() -> None:
    t, c, _, _ = _profile()
    with pytest.raises(InputError, match="an LLOQ > 0 for every BLQ sample"):
        fit_ck_model(t, c, math.nan)
