"""Multiphasic cellular kinetic model of CAR-T cells, fitted per subject with censored BLQ.

Model (Stein AM, Grupp SA, Levine JE et al. "Tisagenlecleucel model-based
cellular kinetic analysis of chimeric antigen receptor-T cells", CPT
Pharmacometrics Syst Pharmacol 2019;8:285-295): CAR-T cells expand at a constant
rate up to Tmax; afterwards effector cells contract quickly while a fraction
becomes memory cells that persist. The closed form used here is the solution of
its effector/memory equations after the peak, a bi-exponential:

- ``t <= Tmax``: ``C(t) = Cmax exp(-rho (Tmax - t))`` (expansion, rate ``rho``);
- ``t > Tmax``: ``C(t) = Cmax [FB exp(-alpha (t - Tmax)) + (1 - FB) exp(-beta (t - Tmax))]``
  (contraction at ``alpha``, persistence at ``beta < alpha``, ``FB`` the fraction
  that contracts).

Assumptions: one infusion at day 0; samples at or before day 0 (pre-infusion) are not fitted; the
residual error is additive on the log scale (``ln C_obs = ln C(t) + e``,
``e ~ N(0, sigma^2)``, i.e. proportional); ``alpha > beta`` (enforced by
estimating ``alpha - beta > 0``) so the two phases are identifiable.

Likelihood: BLQ samples are censored, not dropped and not set to LLOQ/2 (Beal SL,
"Ways to fit a PK model with some data below the quantification limit",
J Pharmacokinet Pharmacodyn 2001;28:481-504, method M3):

- quantified ``y = ln C_obs``: ``ln phi((y - ln C(t)) / sigma) - ln sigma``;
- BLQ with limit ``L``: ``ln Phi((ln L - ln C(t)) / sigma)``.

Estimation: maximum likelihood on transformed parameters (logs, logit ``FB``) by
Nelder-Mead from several starting values and a BFGS polish (SciPy); standard
errors from the inverse of a central-difference Hessian, carried to the natural
scale by the delta method.

>>> round(float(predict(CkParameters(cmax=1e4, tmax=10, rho=0.5, alpha=0.3,
...     beta=0.01, fb=0.9), np.array([10.0]))[0]), 6)
10000.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from cartrial.errors import InputError
from cartrial.kinetics.profiles import FloatArray

__all__ = ["CkFit", "CkParameters", "fit_ck_model", "log_likelihood", "predict"]

NAMES = ("cmax", "tmax", "rho", "alpha", "beta", "fb", "sigma")
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True)
class CkParameters:
    """Model parameters on the natural scale (time in days, rates per day)."""

    cmax: float
    tmax: float
    rho: float
    alpha: float
    beta: float
    fb: float


@dataclass(frozen=True)
class CkFit:
    """A per-subject fit: estimates and standard errors by name, and how it was obtained."""

    parameters: CkParameters
    sigma: float
    estimates: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float
    n_quantified: int
    n_censored: int
    converged: bool
    message: str
    method: str = "ML, log scale, BLQ censored (Beal 2001 M3)"


def predict(p: CkParameters, time: FloatArray) -> FloatArray:
    """Model concentration at ``time`` (days since infusion)."""
    dt = time - p.tmax
    rising = p.cmax * np.exp(p.rho * np.minimum(dt, 0.0))
    after = np.maximum(dt, 0.0)
    falling = p.cmax * (p.fb * np.exp(-p.alpha * after) + (1 - p.fb) * np.exp(-p.beta * after))
    return np.asarray(np.where(dt <= 0, rising, falling), dtype=np.float64)


def log_likelihood(
    p: CkParameters, sigma: float, time: FloatArray, conc: FloatArray, lloq: FloatArray
) -> float:
    """M3 log-likelihood: density for quantified samples (conc > 0), CDF for BLQ (conc == 0)."""
    with np.errstate(divide="ignore"):  # a prediction of 0 is log 0 = -inf: impossible
        log_pred = np.log(predict(p, time))
    quantified = conc > 0
    z_obs = (np.log(conc[quantified]) - log_pred[quantified]) / sigma
    z_blq = (np.log(lloq[~quantified]) - log_pred[~quantified]) / sigma
    total = -0.5 * float(z_obs @ z_obs) - quantified.sum() * (_HALF_LOG_2PI + math.log(sigma))
    return float(total + special.log_ndtr(z_blq).sum())


def _unpack(theta: FloatArray) -> tuple[CkParameters, float]:
    beta = math.exp(theta[4])
    return (
        CkParameters(
            cmax=math.exp(theta[0]),
            tmax=math.exp(theta[1]),
            rho=math.exp(theta[2]),
            alpha=beta + math.exp(theta[3]),
            beta=beta,
            fb=float(special.expit(theta[5])),
        ),
        math.exp(theta[6]),
    )


def _natural(theta: FloatArray) -> FloatArray:
    p, sigma = _unpack(theta)
    return np.array([p.cmax, p.tmax, p.rho, p.alpha, p.beta, p.fb, sigma])


def _hessian(func: object, x: FloatArray, step: float = 1e-4) -> FloatArray:
    assert callable(func)
    n = x.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = step
            ej[j] = step
            value = (
                func(x + ei + ej) - func(x + ei - ej) - func(x - ei + ej) + func(x - ei - ej)
            ) / (4 * step * step)
            h[i, j] = h[j, i] = value
    return h


def _jacobian(x: FloatArray, step: float = 1e-6) -> FloatArray:
    n = x.size
    jac = np.zeros((n, n))
    for j in range(n):
        e = np.zeros(n)
        e[j] = step
        jac[:, j] = (_natural(x + e) - _natural(x - e)) / (2 * step)
    return jac


def fit_ck_model(time: FloatArray, conc: FloatArray, lloq: FloatArray | float) -> CkFit:
    """Fit the model to one subject (conc 0 = BLQ, NaN = missing; ``lloq`` per sample or one).

    Raises :class:`~cartrial.errors.InputError` with fewer quantified samples after
    day 0 than the 7 parameters (with fewer, the fit interpolates the data, sigma
    goes to 0 and the likelihood has no maximum).
    """
    t = np.asarray(time, dtype=float)
    c = np.asarray(conc, dtype=float)
    limit = np.broadcast_to(np.asarray(lloq, dtype=float), t.shape)
    use = (t > 0) & ~np.isnan(c)
    t, c, limit = t[use], c[use], limit[use]
    if np.any((c == 0) & ~(limit > 0)):
        raise InputError("lloq", None, "an LLOQ > 0 for every BLQ sample (censoring needs it)")
    n_q = int((c > 0).sum())
    if n_q < len(NAMES):
        raise InputError("conc", n_q, "at least 7 quantified samples after day 0 (7 parameters)")

    def objective(theta: FloatArray) -> float:
        p, sigma = _unpack(theta)
        value = -log_likelihood(p, sigma, t, c, limit)
        return value if math.isfinite(value) else 1e300

    i_max = int(np.argmax(c))
    cmax0, tmax0 = float(c[i_max]), float(t[i_max])
    best: optimize.OptimizeResult | None = None
    for tmax_start in dict.fromkeys((tmax0, max(tmax0 * 0.7, 0.5), tmax0 * 1.3)):
        for alpha_start in (0.1, 0.4):
            x0 = np.array(
                [
                    math.log(cmax0),
                    math.log(tmax_start),
                    math.log(0.5),
                    math.log(alpha_start),
                    math.log(0.01),
                    special.logit(0.9),
                    math.log(0.3),
                ]
            )
            res = optimize.minimize(
                objective,
                x0,
                method="Nelder-Mead",
                options={"maxiter": 6000, "maxfev": 6000, "xatol": 1e-8, "fatol": 1e-10},
            )
            if best is None or res.fun < best.fun:
                best = res
    assert best is not None
    polished = optimize.minimize(objective, best.x, method="BFGS")
    final = polished if polished.fun <= best.fun else best
    theta = np.asarray(final.x, dtype=float)
    p, sigma = _unpack(theta)
    natural = _natural(theta)
    try:
        cov_theta = np.linalg.inv(_hessian(objective, theta))
        jac = _jacobian(theta)
        cov = jac @ cov_theta @ jac.T
        variances = np.diag(cov)
        se = np.where(variances > 0, np.sqrt(np.abs(variances)), np.nan)
        hessian_ok = bool(np.all(variances > 0))
    except np.linalg.LinAlgError:
        se = np.full(len(NAMES), np.nan)
        hessian_ok = False
    message = str(final.message)
    if not hessian_ok:
        message += "; Hessian not positive definite: standard errors not available"
    return CkFit(
        parameters=p,
        sigma=sigma,
        estimates=dict(zip(NAMES, natural.tolist(), strict=True)),
        standard_errors=dict(zip(NAMES, se.tolist(), strict=True)),
        log_likelihood=-float(final.fun),
        n_quantified=n_q,
        n_censored=int((c == 0).sum()),
        converged=bool(best.success) and hessian_ok,
        message=message,
    )
