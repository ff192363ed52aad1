"""Random-effects meta-analysis of proportions (ORR, DCR, CRS rate) across the landscape.

Three models, as recommended for small single-arm studies with many 0 % and 100 % cells
(``../shared/design/SIMULATOR_ANCHORS.md`` section 7; Schwarzer et al. 2019, Res. Synth. Methods
10:476-483; Stijnen, Hamza and Ozdemir 2010, Stat. Med. 29:3046-3067):

- **Binomial-normal model (GLMM, logit link), the primary analysis**: the events of study i are
  Binomial(n_i, expit(mu + u_i)) with u_i ~ N(0, tau^2), fitted by maximum likelihood. No
  continuity correction is needed. The marginal likelihood integrates u_i by Gauss-Hermite
  quadrature. Written by hand: statsmodels offers this model only as a variational-Bayes
  approximation (``BinomialBayesMixedGLM``), not by maximum likelihood as metafor's
  ``rma.glmm(measure="PLO")`` and meta's ``metaprop(method="GLMM")`` fit it.
- **Inverse-variance, logit transformed proportions** (metafor ``escalc(measure="PLO")``: 1/2 added
  to both cells of a study with 0 or n events) and **Freeman-Tukey double arcsine** (``"PFT"``:
  y = 1/2 [asin sqrt(x/(n+1)) + asin sqrt((x+1)/(n+1))], v = 1/(4n+2); back-transformed by
  Miller's 1978 inversion at the harmonic mean of n), the sensitivity analyses. Pooled by
  statsmodels' ``combine_effects`` (fixed effect, and random effects with DerSimonian-Laird tau^2),
  which also gives Q, I^2 and tau^2.

Each study's own interval is exact (Clopper-Pearson,
:func:`cartrial.response.rates.compute_clopper_pearson`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special, stats

from cartrial.errors import InputError
from cartrial.response.rates import compute_clopper_pearson

__all__ = [
    "Model",
    "PooledProportion",
    "Study",
    "StudyEstimate",
    "freeman_tukey",
    "freeman_tukey_inverse",
    "pool_proportions",
    "study_estimates",
]

Model = Literal["glmm", "logit", "freeman_tukey"]

_QUADRATURE_NODES = 64


@dataclass(frozen=True)
class Study:
    """``events`` of ``n`` in one study, with the label a forest plot shows."""

    label: str
    events: int
    n: int

    def __post_init__(self) -> None:
        if self.n < 1 or not 0 <= self.events <= self.n:
            raise InputError(f"{self.label}.events", self.events, f"0 to n = {self.n} (n >= 1)")


@dataclass(frozen=True)
class StudyEstimate:
    """One study's observed proportion with its exact (Clopper-Pearson) interval."""

    label: str
    events: int
    n: int
    proportion: float
    low: float
    high: float


@dataclass(frozen=True)
class PooledProportion:
    """A pooled proportion with its interval, heterogeneity and the rule that produced it."""

    model: Model
    effects: Literal["random", "fixed"]
    k: int
    events: int
    n: int
    proportion: float
    low: float
    high: float
    confidence: float
    tau2: float
    i2: float | None
    q: float | None
    rule: str


def study_estimates(studies: list[Study], confidence: float = 0.95) -> list[StudyEstimate]:
    """Each study's proportion and exact interval (Clopper and Pearson 1934)."""
    out = []
    for s in studies:
        low, high = compute_clopper_pearson(successes=s.events, n=s.n, confidence=confidence)
        out.append(StudyEstimate(s.label, s.events, s.n, s.events / s.n, low, high))
    return out


def freeman_tukey(events: NDArray[np.float64], n: NDArray[np.float64]) -> NDArray[np.float64]:
    """Freeman-Tukey double arcsine of x/n on metafor's scale (half of Miller's 1978 scale).

    3 of 11: (asin(sqrt(3/12)) + asin(sqrt(4/12))) / 2 = (pi/6 + 0.615480) / 2

    >>> round(float(freeman_tukey(np.array([3.0]), np.array([11.0]))[0]), 6)
    0.569539
    """
    return 0.5 * (np.arcsin(np.sqrt(events / (n + 1))) + np.arcsin(np.sqrt((events + 1) / (n + 1))))


def freeman_tukey_inverse(y: float, n: float) -> float:
    """Miller's (1978, The American Statistician 32:138) inversion of the double arcsine at n.

    Values beyond the transforms of 0/n and n/n give 0 and 1.
    """
    if y <= float(freeman_tukey(np.array([0.0]), np.array([n]))[0]):
        return 0.0
    if y >= float(freeman_tukey(np.array([n]), np.array([n]))[0]):
        return 1.0
    t = 2 * y
    s = math.sin(t)
    inner = 1 - (s + (s - 1 / s) / n) ** 2
    return 0.5 * (1 - math.copysign(1.0, math.cos(t)) * math.sqrt(max(inner, 0.0)))


def _check(studies: list[Study], confidence: float) -> None:
    if not studies:
        raise InputError("studies", 0, "at least one study with a count to pool")
    if not 0 < confidence < 1:
        raise InputError("confidence", confidence, "a level strictly between 0 and 1")


def pool_proportions(
    studies: list[Study],
    *,
    model: Model = "glmm",
    effects: Literal["random", "fixed"] = "random",
    confidence: float = 0.95,
) -> PooledProportion:
    """The pooled proportion of ``studies`` under ``model`` (see the module docstring)."""
    _check(studies, confidence)
    if model == "glmm":
        return _glmm(studies, effects, confidence)
    return _inverse_variance(studies, model, effects, confidence)


def _inverse_variance(
    studies: list[Study],
    model: Literal["logit", "freeman_tukey"],
    effects: Literal["random", "fixed"],
    confidence: float,
) -> PooledProportion:
    from statsmodels.stats.meta_analysis import combine_effects

    x = np.array([s.events for s in studies], dtype=float)
    n = np.array([s.n for s in studies], dtype=float)
    if model == "logit":
        zero_cell = (x == 0) | (x == n)
        xa, na = x + 0.5 * zero_cell, n + 1.0 * zero_cell
        y = np.log(xa / (na - xa))
        v = 1 / xa + 1 / (na - xa)
        rule = "inverse-variance on logit(p), 1/2 added to both cells of 0 % and 100 % studies"
    else:
        y = freeman_tukey(x, n)
        v = 1 / (4 * n + 2)
        rule = (
            "inverse-variance on the Freeman-Tukey double arcsine, "
            "Miller inversion at the harmonic mean n"
        )
    z = stats.norm.ppf(0.5 + confidence / 2)
    if len(studies) == 1:
        mean, se, tau2, i2, q = float(y[0]), math.sqrt(float(v[0])), 0.0, None, None
    else:
        res = combine_effects(y, v, method_re="chi2", use_t=False)
        if effects == "random":
            mean, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
        else:
            mean, se = float(res.mean_effect_fe), float(res.sd_eff_w_fe)
        tau2, i2, q = float(res.tau2), float(res.i2), float(res.q)
    low, high = mean - z * se, mean + z * se
    if model == "logit":
        back = [float(special.expit(t)) for t in (mean, low, high)]
    else:
        harmonic = len(n) / float(np.sum(1 / n))
        back = [freeman_tukey_inverse(t, harmonic) for t in (mean, low, high)]
    if effects == "random":
        rule += "; random effects, DerSimonian-Laird tau^2"
    else:
        rule += "; fixed (equal) effect"
    return PooledProportion(
        model,
        effects,
        len(studies),
        int(x.sum()),
        int(n.sum()),
        back[0],
        back[1],
        back[2],
        confidence,
        tau2 if effects == "random" else 0.0,
        i2,
        q,
        rule,
    )


def _glmm_negative_loglik(
    params: NDArray[np.float64],
    x: NDArray[np.float64],
    n: NDArray[np.float64],
    nodes: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> float:
    """Minus the marginal log likelihood of the binomial-normal model (binomial constants kept)."""
    mu, log_tau = params
    tau = math.exp(log_tau)
    eta = mu + math.sqrt(2.0) * tau * nodes[None, :]  # (k, nodes)
    log_p = -np.logaddexp(0.0, -eta)
    log_q = -np.logaddexp(0.0, eta)
    log_binom = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    per_node = log_binom[:, None] + x[:, None] * log_p + (n - x)[:, None] * log_q
    per_study = special.logsumexp(per_node, b=weights[None, :] / math.sqrt(math.pi), axis=1)
    return -float(np.sum(per_study))


def _glmm(
    studies: list[Study], effects: Literal["random", "fixed"], confidence: float
) -> PooledProportion:
    x = np.array([s.events for s in studies], dtype=float)
    n = np.array([s.n for s in studies], dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    pooled_logit = math.log((x.sum() + 0.5) / (n.sum() - x.sum() + 0.5))
    rule = "binomial-normal model (logit link), maximum likelihood"
    if effects == "fixed" or len(studies) == 1:
        # Common proportion: the binomial MLE sum(x)/sum(n), Wald interval on the logit scale.
        p = x.sum() / n.sum()
        if 0 < p < 1:
            se = math.sqrt(1 / x.sum() + 1 / (n.sum() - x.sum()))
            mean = math.log(p / (1 - p))
            low, high = special.expit(mean - z * se), special.expit(mean + z * se)
        else:
            low, high = compute_clopper_pearson(
                successes=int(x.sum()), n=int(n.sum()), confidence=confidence
            )
        return PooledProportion(
            "glmm",
            "fixed",
            len(studies),
            int(x.sum()),
            int(n.sum()),
            float(p),
            float(low),
            float(high),
            confidence,
            0.0,
            None,
            None,
            "common proportion sum(x)/sum(n) (binomial ML), Wald interval on the logit scale",
        )
    nodes, weights = np.polynomial.hermite.hermgauss(_QUADRATURE_NODES)
    best: optimize.OptimizeResult | None = None
    for start_log_tau in (-2.0, 0.0, 1.0):
        res = optimize.minimize(
            _glmm_negative_loglik,
            x0=np.array([pooled_logit, start_log_tau]),
            args=(x, n, nodes, weights),
            method="L-BFGS-B",
            bounds=[(-15.0, 15.0), (-12.0, 3.0)],
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    mu, log_tau = (float(v) for v in best.x)
    tau = math.exp(log_tau)
    se = _glmm_standard_error(mu, log_tau, x, n, nodes, weights)
    at_bound = log_tau <= -11.5
    if at_bound:
        tau = 0.0
        rule += "; tau^2 at its lower bound 0"
    i2 = _i2_from_tau2(tau * tau, x, n)
    return PooledProportion(
        "glmm",
        "random",
        len(studies),
        int(x.sum()),
        int(n.sum()),
        float(special.expit(mu)),
        float(special.expit(mu - z * se)),
        float(special.expit(mu + z * se)),
        confidence,
        tau * tau,
        i2,
        None,
        rule
        + "; I^2 from tau^2 and the typical logit variance"
        + f"; Gauss-Hermite quadrature, {_QUADRATURE_NODES} nodes; Wald interval for mu",
    )


def _i2_from_tau2(tau2: float, x: NDArray[np.float64], n: NDArray[np.float64]) -> float:
    """I^2 = tau^2 / (tau^2 + s^2), s^2 the typical within-study variance of the logits
    (Higgins and Thompson 2002, Stat. Med. 21:1539, eq. 9), as metafor reports for ``rma.glmm``."""
    zero_cell = (x == 0) | (x == n)
    xa, na = x + 0.5 * zero_cell, n + 1.0 * zero_cell
    w = 1 / (1 / xa + 1 / (na - xa))
    k = len(x)
    typical = (k - 1) * np.sum(w) / (np.sum(w) ** 2 - np.sum(w**2))
    return float(tau2 / (tau2 + typical))


def _glmm_standard_error(
    mu: float,
    log_tau: float,
    x: NDArray[np.float64],
    n: NDArray[np.float64],
    nodes: NDArray[np.float64],
    weights: NDArray[np.float64],
) -> float:
    """Standard error of mu from the observed information (numerical second derivative).

    With tau^2 at its bound the profile is flat in log tau, so only d2/dmu2 is used then;
    otherwise the inverse of the 2 x 2 Hessian.
    """

    def f(m: float, lt: float) -> float:
        return _glmm_negative_loglik(np.array([m, lt]), x, n, nodes, weights)

    h = 1e-4
    f0 = f(mu, log_tau)
    d_mm = (f(mu + h, log_tau) - 2 * f0 + f(mu - h, log_tau)) / h**2
    if log_tau <= -11.5:
        return 1 / math.sqrt(d_mm)
    d_tt = (f(mu, log_tau + h) - 2 * f0 + f(mu, log_tau - h)) / h**2
    d_mt = (
        f(mu + h, log_tau + h)
        - f(mu + h, log_tau - h)
        - f(mu - h, log_tau + h)
        + f(mu - h, log_tau - h)
    ) / (4 * h**2)
    det = d_mm * d_tt - d_mt**2
    if det <= 0 or d_tt <= 0:
        return 1 / math.sqrt(d_mm)
    return math.sqrt(d_tt / det)
