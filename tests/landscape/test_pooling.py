"""Pooled proportions against published and hand-computed references.

References: metafor's test suite values for Miller's (1978) double-arcsine example (equal
effects, ``../shared/design/SIMULATOR_ANCHORS.md`` section 7); the inverse-variance and
DerSimonian-Laird formulas computed by hand; the binomial-normal likelihood integrated with
``scipy.integrate.quad`` and a simulation with known mu and tau.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from cartrial.errors import InputError
from cartrial.landscape.pooling import (
    Study,
    freeman_tukey,
    freeman_tukey_inverse,
    pool_proportions,
)


def _studies(events: tuple[int, ...], n: tuple[int, ...]) -> list[Study]:
    return [Study(f"s{i}", x, m) for i, (x, m) in enumerate(zip(events, n, strict=True))]


def test_freeman_tukey_equal_effects_matches_metafor_on_millers_example() -> None:
    pooled = pool_proportions(
        _studies((3, 6, 10, 1), (11, 17, 21, 6)), model="freeman_tukey", effects="fixed"
    )
    assert pooled.proportion == pytest.approx(0.3595, abs=5e-5)


def test_freeman_tukey_equal_effects_with_0_and_100_percent_studies() -> None:
    pooled = pool_proportions(
        _studies((0, 4, 9, 16, 20), (10, 10, 15, 20, 20)), model="freeman_tukey", effects="fixed"
    )
    assert (pooled.proportion, pooled.low, pooled.high) == pytest.approx(
        (0.6886, 0.5734, 0.7943), abs=5e-5
    )


@pytest.mark.parametrize(("x", "n", "p"), [(0, 10, 0.0), (4, 10, 0.4), (9, 15, 0.6), (20, 20, 1.0)])
def test_millers_inversion_returns_each_studys_proportion(x: int, n: int, p: float) -> None:
    y = float(freeman_tukey(np.array([float(x)]), np.array([float(n)]))[0])
    assert freeman_tukey_inverse(y, n) == pytest.approx(p, abs=1e-12)


def test_inverse_variance_logit_by_hand() -> None:
    """Fixed and DerSimonian-Laird random effects on logit(p), the formulas written out."""
    x, n = np.array([2.0, 5.0, 9.0]), np.array([10.0, 12.0, 15.0])
    y = np.log(x / (n - x))
    v = 1 / x + 1 / (n - x)
    w = 1 / v
    fixed = np.sum(w * y) / np.sum(w)
    q = np.sum(w * (y - fixed) ** 2)
    tau2 = max(0.0, (q - 2) / (np.sum(w) - np.sum(w**2) / np.sum(w)))
    w_re = 1 / (v + tau2)
    random = np.sum(w_re * y) / np.sum(w_re)
    se = math.sqrt(1 / np.sum(w_re))
    studies = _studies((2, 5, 9), (10, 12, 15))
    got_fixed = pool_proportions(studies, model="logit", effects="fixed")
    got = pool_proportions(studies, model="logit")
    assert got_fixed.proportion == pytest.approx(special.expit(fixed), rel=1e-10)
    assert got.tau2 == pytest.approx(tau2, rel=1e-9)
    assert got.q == pytest.approx(q, rel=1e-9)
    assert got.i2 == pytest.approx(max(0.0, (q - 2) / q), rel=1e-9)
    assert got.proportion == pytest.approx(special.expit(random), rel=1e-10)
    assert got.low == pytest.approx(special.expit(random - 1.959963985 * se), rel=1e-8)


def test_logit_adds_one_half_only_to_studies_with_0_or_100_percent() -> None:
    fixed = pool_proportions(_studies((0,), (8,)), model="logit", effects="fixed")
    assert fixed.proportion == pytest.approx(0.5 / 9, rel=1e-12)  # expit(log(0.5 / 8.5))


def test_glmm_on_homogeneous_studies_has_no_heterogeneity_and_the_common_proportion() -> None:
    pooled = pool_proportions(_studies((3, 6, 9), (10, 20, 30)))
    assert pooled.tau2 == pytest.approx(0.0, abs=1e-4)
    assert pooled.proportion == pytest.approx(0.3, abs=1e-4)


def test_glmm_maximises_the_binomial_normal_likelihood_integrated_independently() -> None:
    """The fitted (mu, tau) beats its neighbours under a likelihood integrated by quad."""
    x, n = (1, 4, 9, 2, 12), (15, 12, 14, 20, 16)
    pooled = pool_proportions(_studies(x, n))
    mu, tau = float(special.logit(pooled.proportion)), math.sqrt(pooled.tau2)

    def loglik(m: float, t: float) -> float:
        total = 0.0
        for xi, ni in zip(x, n, strict=True):
            f = lambda u, xi=xi, ni=ni: (  # noqa: E731
                stats.binom.pmf(xi, ni, special.expit(m + u)) * stats.norm.pdf(u, 0, t)
            )
            total += math.log(integrate.quad(f, -12 * t, 12 * t, limit=200)[0])
        return total

    best = loglik(mu, tau)
    for dm, dt in ((0.05, 0), (-0.05, 0), (0, 0.05), (0, -0.05)):
        assert best > loglik(mu + dm, tau + dt)


def test_glmm_recovers_known_mu_and_tau_from_simulated_studies() -> None:
    rng = np.random.default_rng(20251205)
    mu, tau, k = -1.0, 0.6, 300
    n = rng.integers(8, 40, size=k)
    x = rng.binomial(n, special.expit(mu + tau * rng.standard_normal(k)))
    pooled = pool_proportions(
        [Study(str(i), int(a), int(b)) for i, (a, b) in enumerate(zip(x, n, strict=True))]
    )
    assert special.logit(pooled.proportion) == pytest.approx(mu, abs=0.12)
    assert math.sqrt(pooled.tau2) == pytest.approx(tau, abs=0.15)
    assert pooled.low < special.expit(mu) < pooled.high


def test_a_count_above_n_names_the_study() -> None:
    with pytest.raises(InputError, match=r"s9\.events"):
        Study("s9", 5, 4)


def test_glmm_i2_uses_the_typical_within_study_variance() -> None:
    """Higgins and Thompson's I^2 from the GLMM's tau^2, computed by hand."""
    x, n = np.array([1.0, 4.0, 9.0, 2.0, 12.0]), np.array([15.0, 12.0, 14.0, 20.0, 16.0])
    pooled = pool_proportions(_studies((1, 4, 9, 2, 12), (15, 12, 14, 20, 16)))
    w = 1 / (1 / x + 1 / (n - x))
    typical = 4 * w.sum() / (w.sum() ** 2 - (w**2).sum())
    assert pooled.i2 == pytest.approx(pooled.tau2 / (pooled.tau2 + typical), rel=1e-12)
    assert 0 < pooled.i2 < 1  # type: ignore[operator]
