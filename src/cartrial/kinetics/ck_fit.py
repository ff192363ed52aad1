"""Per-subject fit of the multiphasic kinetic model: estimates, intervals, flags, model choice.

The model and its censored (Beal 2001 M3) likelihood are in :mod:`cartrial.kinetics.ck_model`.
A profile of 7-11 samples carries the biphasic form's 7 parameters poorly, so:

- **Residual SD, degrees-of-freedom corrected.** The ML estimate of ``sigma`` divides the
  squared residuals by ``n``; the reported ``sigma`` is ``sigma_ML sqrt(n / (n - p))``
  (``n`` quantified samples, ``p`` structural parameters), the usual unbiased variance of
  nonlinear regression (Seber GAF & Wild CJ, *Nonlinear Regression*, Wiley 1989, section
  2.1.3; Bates DM & Watts DG, *Nonlinear Regression Analysis and Its Applications*, Wiley
  1988, section 2.3). Its 95 % interval is the chi-square one,
  ``[s sqrt(df / chi2(0.975, df)), s sqrt(df / chi2(0.025, df))]``, ``df = n - p``.
- **Intervals on the log or logit scale.** The covariance is the inverse of the Hessian of
  the negative log-likelihood on the unconstrained scale, inflated by ``n / (n - p)`` as
  above; each interval is ``estimate +/- t(0.975, df) SE`` on the log scale (rates, times,
  Cmax) or the logit scale (FB) and transformed back, so it stays inside the parameter's
  range (Bates & Watts 1988, section 2.3, t-based linearisation intervals). Standard errors
  on the natural scale are given by the delta method, for reference only.
- **Fits the data cannot support are withheld**, each flag with its reason
  (:data:`FLAGS`): the optimiser did not converge; the Hessian is not positive definite; a
  rate at its bound (a terminal rate ``beta`` below 1e-4/day, a half-life of 19 years: the
  sampling ended before the persistence phase; an expansion or contraction rate above
  20/day, a change within the hour between daily samples); merged phases (``alpha <
  2 beta`` or FB within 1e-5 of 0 or 1); a model Cmax more than 4 times the observed
  maximum (the peak placed between samples where no sample supports it). The numeric
  bounds are this project's choices (assumed), stated here and in every flag.
- **Model choice by AICc.** Each of the three forms (:data:`cartrial.kinetics.ck_model.FORMS`)
  is fitted where the samples allow (at least ``p + 2`` quantified samples: 2 degrees of
  freedom for the residual SD); the supported fit with the smallest AICc is chosen (AICc =
  ``-2 lnL + 2k + 2k(k + 1) / (N - k - 1)``, ``k`` parameters including ``sigma``, ``N``
  samples fitted; Hurvich CM & Tsai CL, Biometrika 1989;76:297-307). When none is
  supported, the smallest-AICc fit is returned withheld with its flags.
- **Shrunk to a population** (:func:`fit_ck_population`): the MAP fit of the biphasic form
  under the population prior of :mod:`cartrial.kinetics.ck_population` (rules there).

NCA stays the primary source of Cmax and Tmax (:mod:`cartrial.kinetics.nca`); the model's
values describe the curve. Optimisation is SciPy's (BFGS from data-based starting points,
Nelder-Mead from the best, BFGS again; the objective evaluates a batch of parameter vectors
at once so that finite-difference gradients and the Hessian cost one NumPy call each); the
Hessian's step is 5 % on the unconstrained scale (:data:`HESSIAN_STEP`). Only the flags,
the model choice and the corrections, which are this project's domain, are written here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize, special, stats

from cartrial.errors import InputError
from cartrial.kinetics.ck_model import (
    BIPHASIC,
    FIXED_TERMINAL,
    FORMS,
    MONOPHASIC,
    TYPICAL_BETA,
    CkParameters,
    ModelForm,
    log_predict,
)
from cartrial.kinetics.profiles import FloatArray

if TYPE_CHECKING:
    from cartrial.kinetics.ck_population import PopulationModel

__all__ = [
    "CONFIDENCE",
    "FLAGS",
    "POPULATION_FORM",
    "CkFit",
    "FitCounts",
    "count_fits",
    "fit_ck_model",
    "fit_ck_population",
    "fit_form",
]

CONFIDENCE = 0.95
MIN_TERMINAL_RATE = 1e-4  # per day: a terminal half-life beyond 19 years
MAX_RATE = 20.0  # per day: doubling or halving within the hour
MIN_PHASE_RATIO = 2.0  # alpha / beta below it: contraction and persistence merged
FRACTION_BOUND = 1e-5  # FB this close to 0 or 1: one phase absent
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
POPULATION_FORM = "biphasic_population"
# Hessian step on the unconstrained scale (5 %): the likelihood has a kink where Tmax falls
# on a sample time, and the fit often ends there; a wide step measures the curvature of the
# surrounding bowl, not of the kink (which a 1e-4 step reads as near infinite, giving
# intervals far too narrow: Tmax coverage 73 % with 1e-4, 96 % with 0.05 in the bench).
HESSIAN_STEP = 0.05
Prior = tuple[FloatArray, FloatArray]
_THETA_LIMIT = 60.0
MAX_CMAX_RATIO = 4.0  # model Cmax / observed maximum above it: a peak no sample supports

FLAGS = {
    "not_converged": "the optimiser did not converge",
    "hessian": "the Hessian is not positive definite: no standard errors",
    "rate_at_bound": "a rate at its bound",
    "merged_phases": "contraction and persistence phases merged",
    "cmax_unsupported": f"model Cmax above {MAX_CMAX_RATIO:g} x the observed maximum",
}


@dataclass(frozen=True)
class CkFit:
    """One profile's fit: the chosen form, its estimates with intervals, and why."""

    form: str
    parameters: CkParameters
    sigma: float
    sigma_ml: float
    estimates: dict[str, float]
    standard_errors: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    log_likelihood: float
    aicc: float
    n_quantified: int
    n_censored: int
    degrees_of_freedom: float
    converged: bool
    flags: tuple[str, ...]
    reason: str
    message: str
    considered: dict[str, float | None] = field(default_factory=dict)
    shrinkage: dict[str, float] = field(default_factory=dict)
    method: str = "ML, log scale, BLQ censored (Beal 2001 M3); df-corrected SD; AICc choice"

    @property
    def supported(self) -> bool:
        """Whether the data support the fit (no flag); a withheld fit is for inspection only."""
        return not self.flags


@dataclass(frozen=True)
class FitCounts:
    """How many profiles were fitted in each form, withheld, or not fitted."""

    profiles: int
    by_form: dict[str, int]
    withheld: int
    not_fitted: int

    def describe(self) -> str:
        forms = ", ".join(f"{n} {name}" for name, n in self.by_form.items())
        return (
            f"{self.profiles} profiles: {forms}; {self.withheld} withheld (flagged), "
            f"{self.not_fitted} not fitted (too few quantified samples)"
        )


def count_fits(results: Sequence[CkFit | None]) -> FitCounts:
    """Counts over ``results`` (``None``: a profile not fitted)."""
    fits = [r for r in results if r is not None]
    supported = [f for f in fits if f.supported]
    return FitCounts(
        profiles=len(results),
        by_form={
            name: sum(f.form == name for f in supported)
            for name in (*(form.name for form in FORMS), POPULATION_FORM)
        },
        withheld=len(fits) - len(supported),
        not_fitted=len(results) - len(fits),
    )


def _prepare(
    time: FloatArray, conc: FloatArray, lloq: FloatArray | float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    t = np.asarray(time, dtype=float)
    c = np.asarray(conc, dtype=float)
    limit = np.broadcast_to(np.asarray(lloq, dtype=float), t.shape)
    use = (t > 0) & ~np.isnan(c)
    t, c, limit = t[use], c[use], limit[use]
    if np.any((c == 0) & ~(limit > 0)):
        raise InputError("lloq", None, "an LLOQ > 0 for every BLQ sample (censoring needs it)")
    return t, c, limit


def _slope(t: FloatArray, c: FloatArray) -> float | None:
    if t.size < 2:
        return None
    return float(np.polyfit(t, np.log(c), 1)[0])


def _starts(form: ModelForm, t: FloatArray, c: FloatArray) -> list[FloatArray]:
    """Data-based starting points: the observed peak, slopes before and after it."""
    q = c > 0
    tq, cq = t[q], c[q]
    i = int(np.argmax(cq))
    cmax0, tmax0 = float(cq[i]), float(tq[i])
    up = _slope(tq[: i + 1], cq[: i + 1])
    rho0 = float(np.clip(up if up is not None else 0.5, 0.05, 5.0))
    down = _slope(tq[i : i + 3], cq[i : i + 3])
    alpha0 = float(np.clip(-down if down is not None else 0.2, 0.02, 3.0))
    starts = []
    for tmax_start in dict.fromkeys((tmax0, max(tmax0 * 0.75, 0.5), tmax0 * 1.25)):
        for alpha_start in (alpha0,):
            common = [math.log(cmax0), math.log(tmax_start), math.log(rho0)]
            if form is BIPHASIC:
                rest = [math.log(alpha_start - 0.005), math.log(0.005), special.logit(0.05)]
            elif form is FIXED_TERMINAL:
                rest = [math.log(max(alpha_start - TYPICAL_BETA, 1e-3)), special.logit(0.05)]
            else:
                rest = [math.log(alpha_start)]
            starts.append(np.array([*common, *rest, math.log(0.4)]))
    return starts


def _hessian(batch: Callable[[FloatArray], FloatArray], x: FloatArray) -> FloatArray:
    """Central-difference Hessian, every evaluation in one batch (steps: module constants)."""
    n = x.size
    steps = np.full(n, HESSIAN_STEP)
    pairs = [(i, j) for i in range(n) for j in range(i, n)]
    eye = np.diag(steps)
    rows = []
    for i, j in pairs:
        rows += [x + eye[i] + eye[j], x + eye[i] - eye[j], x - eye[i] + eye[j], x - eye[i] - eye[j]]
    values = batch(np.array(rows)).reshape(-1, 4)
    h = np.zeros((n, n))
    for (i, j), (pp, pm, mp, mm) in zip(pairs, values, strict=True):
        h[i, j] = h[j, i] = (pp - pm - mp + mm) / (4 * steps[i] * steps[j])
    return h


def _gradient(batch: Callable[[FloatArray], FloatArray], x: FloatArray) -> FloatArray:
    """Central-difference gradient, every evaluation in one batch."""
    step = 1e-6
    eye = np.eye(x.size) * step
    values = batch(np.concatenate([x + eye, x - eye]))
    return np.asarray((values[: x.size] - values[x.size :]) / (2 * step), dtype=np.float64)


def _jacobian(func: Callable[[FloatArray], FloatArray], x: FloatArray) -> FloatArray:
    step = 1e-6
    base = func(x)
    jac = np.zeros((base.size, x.size))
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = step
        jac[:, j] = (func(x + e) - func(x - e)) / (2 * step)
    return jac


def _negative_log_likelihood(
    form: ModelForm, t: FloatArray, c: FloatArray, limit: FloatArray
) -> Callable[[FloatArray], FloatArray]:
    """The objective for a batch of unconstrained vectors (rows): ``-`` :func:`log_likelihood`.

    The same M3 terms with the data's logs taken once; a row far outside any profile or
    with a non-finite value gets a large number.
    """
    quantified = c > 0
    t_q, log_c = t[quantified], np.log(c[quantified])
    t_blq, log_limit = t[~quantified], np.log(limit[~quantified])
    n_q = int(quantified.sum())

    def batch(rows: FloatArray) -> FloatArray:
        rows = np.atleast_2d(rows)
        ok = np.all(np.abs(rows) < _THETA_LIMIT, axis=1)
        safe = np.where(ok[:, None], rows, 0.0)
        columns = safe.T[:, :, None]
        p = form.unpack(columns)
        log_sigma = columns[-1]
        sigma = np.exp(log_sigma)
        z = (log_c - log_predict(p, t_q)) / sigma
        value = 0.5 * (z * z).sum(axis=1) + n_q * (_HALF_LOG_2PI + log_sigma[:, 0])
        if t_blq.size:
            censored = special.log_ndtr((log_limit - log_predict(p, t_blq)) / sigma)
            value = value - censored.sum(axis=1)
        return np.asarray(np.where(ok & np.isfinite(value), value, 1e300), dtype=np.float64)

    return batch


def _minimise(
    batch: Callable[[FloatArray], FloatArray], starts: list[FloatArray]
) -> tuple[optimize.OptimizeResult, bool]:
    """BFGS from every start; Nelder-Mead from the best, then BFGS again (SciPy).

    Converged: the gradient is zero at the end, or (at a kink of the model, Tmax on a
    sample time, where there is no gradient) the simplex stopped on its tolerances and
    BFGS could not improve on it.
    """

    def objective(x: FloatArray) -> float:
        return float(batch(x[None, :])[0])

    def gradient(x: FloatArray) -> FloatArray:
        return _gradient(batch, x)

    best: optimize.OptimizeResult | None = None
    for x0 in starts:
        res = optimize.minimize(
            objective, x0, jac=gradient, method="BFGS", options={"maxiter": 400}
        )
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    simplex = optimize.minimize(
        objective,
        best.x,
        method="Nelder-Mead",
        options={"maxiter": 1500, "maxfev": 1500, "xatol": 1e-7, "fatol": 1e-9},
    )
    polished = optimize.minimize(objective, simplex.x, jac=gradient, method="BFGS")
    final = min((best, simplex, polished), key=lambda r: float(r.fun))
    flat = bool(np.max(np.abs(gradient(np.asarray(final.x, dtype=float)))) < 1e-3)
    settled = bool(simplex.success) and float(polished.fun) > float(simplex.fun) - 1e-6
    return final, flat or settled


def _flags(
    form: ModelForm, p: CkParameters, c: FloatArray, converged: bool, hessian_ok: bool
) -> list[str]:
    flags = []
    if not converged:
        flags.append(FLAGS["not_converged"])
    if not hessian_ok:
        flags.append(FLAGS["hessian"])
    rates = {"rho": p.rho, "alpha": p.alpha}
    fast = [f"{name} = {value:.3g}/day" for name, value in rates.items() if value > MAX_RATE]
    if fast:
        flags.append(f"{FLAGS['rate_at_bound']}: {', '.join(fast)} (above {MAX_RATE:g}/day)")
    if form is not MONOPHASIC:
        if p.beta < MIN_TERMINAL_RATE:
            flags.append(
                f"{FLAGS['rate_at_bound']}: beta = {p.beta:.3g}/day (below {MIN_TERMINAL_RATE:g}"
                "/day: the sampling ends before the persistence phase)"
            )
        fb = p.fraction_persisting
        if p.alpha < MIN_PHASE_RATIO * p.beta or min(fb, 1 - fb) < FRACTION_BOUND:
            flags.append(
                f"{FLAGS['merged_phases']}: alpha = {p.alpha:.3g}, beta = {p.beta:.3g}/day, "
                f"FB = {fb:.3g} (alpha must exceed {MIN_PHASE_RATIO:g} beta, FB stay "
                f"{FRACTION_BOUND:g} from 0 and 1)"
            )
    observed = float(c.max())
    if p.cmax > MAX_CMAX_RATIO * observed:
        flags.append(
            f"{FLAGS['cmax_unsupported']}: {p.cmax:.4g} vs {observed:.4g} "
            f"({p.cmax / observed:.1f} x); NCA Cmax is the value to use"
        )
    return flags


def _back(scale: str, value: float) -> float:
    return float(special.expit(value)) if scale == "logit" else math.exp(min(value, 709.0))


def _penalised(
    batch: Callable[[FloatArray], FloatArray], form: ModelForm, prior: Prior
) -> Callable[[FloatArray], FloatArray]:
    """``batch`` plus the prior's ``0.5 sum(((r - mean) / sd)^2)``: structural parameters on
    their interval scales, then ``ln sigma``."""
    means, sds = prior
    p_struct = form.n_structural

    def posterior(rows: FloatArray) -> FloatArray:
        rows = np.atleast_2d(rows)
        value = batch(rows)
        columns = np.clip(rows, -_THETA_LIMIT, _THETA_LIMIT).T
        structural = np.asarray(form.reported(columns[:p_struct, :]), dtype=np.float64)
        r = np.vstack([structural, columns[-1:, :]])
        z = (r - means[:, None]) / sds[:, None]
        return np.asarray(value + 0.5 * (z * z).sum(axis=0), dtype=np.float64)

    return posterior


def _prior_start(form: ModelForm, prior: Prior) -> FloatArray:
    means, _ = prior
    alpha, beta = math.exp(means[3]), math.exp(means[4])
    return np.array(
        [means[0], means[1], means[2], math.log(alpha - beta), means[4], means[5], means[6]]
    )


def fit_form(
    form: ModelForm,
    t: FloatArray,
    c: FloatArray,
    limit: FloatArray,
    *,
    prior: Prior | None = None,
) -> CkFit:
    """Fit one form to prepared samples (after day 0; conc 0 = BLQ with its ``limit``).

    With ``prior`` (means and SDs of the biphasic form's parameters on their interval
    scales: :meth:`cartrial.kinetics.ck_population.PopulationModel.prior`) the fit is the
    MAP estimate shrunk to the population (:mod:`cartrial.kinetics.ck_population`).
    """
    n_q = int((c > 0).sum())
    n_all = int(c.size)
    p_struct = form.n_structural

    batch = _negative_log_likelihood(form, t, c, limit)
    starts = _starts(form, t, c)
    if prior is not None:
        batch = _penalised(batch, form, prior)
        starts.append(_prior_start(form, prior))
    final, converged = _minimise(batch, starts)
    theta = np.asarray(final.x, dtype=float)
    p = form.unpack(theta)
    p = CkParameters(**{k: float(v) for k, v in p.__dict__.items()})
    sigma_ml = math.exp(theta[-1])

    natural = form.natural(theta)
    intervals: dict[str, tuple[float, float]] = {}
    standard_errors = dict.fromkeys(form.names, math.nan)
    hessian = _hessian(batch, theta)
    hessian_ok = bool(np.all(np.isfinite(hessian)))
    if hessian_ok:
        eigen = np.linalg.eigvalsh(hessian)
        hessian_ok = bool(eigen.min() > 1e-10 * max(eigen.max(), 1.0))
    cov = np.full((p_struct, p_struct), np.nan)
    structural = theta[:p_struct]

    def reported(x: FloatArray) -> FloatArray:
        return form.reported(np.concatenate([x, theta[p_struct:]]))

    if prior is not None:
        return _posterior_fit(
            form, theta, hessian if hessian_ok else None, prior, t, c, limit, converged, final
        )
    if hessian_ok:
        cov = np.linalg.inv(hessian)[:p_struct, :p_struct]
    df = n_q - p_struct
    inflation = n_q / df
    sigma = sigma_ml * math.sqrt(inflation)
    if hessian_ok:
        cov = cov * inflation
        quantile = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df))

        def on_natural(x: FloatArray) -> FloatArray:
            values = form.natural(np.concatenate([x, theta[p_struct:]]))
            return np.array(list(values.values()))

        jr = _jacobian(reported, structural)
        centre = reported(structural)
        se_reported = np.sqrt(np.diag(jr @ cov @ jr.T))
        jn = _jacobian(on_natural, structural)
        se_natural = np.sqrt(np.abs(np.diag(jn @ cov @ jn.T)))
        for k, (name, scale) in enumerate(zip(form.names, form.scales, strict=True)):
            half = quantile * float(se_reported[k])
            intervals[name] = (
                _back(scale, float(centre[k]) - half),
                _back(scale, float(centre[k]) + half),
            )
            standard_errors[name] = float(se_natural[k])
    chi_high = float(stats.chi2.ppf(0.5 + CONFIDENCE / 2, df))
    chi_low = float(stats.chi2.ppf(0.5 - CONFIDENCE / 2, df))
    intervals["sigma"] = (sigma * math.sqrt(df / chi_high), sigma * math.sqrt(df / chi_low))
    standard_errors["sigma"] = sigma / math.sqrt(2 * df)  # normal-theory SE of an SD
    k = p_struct + 1
    lnl = -float(_negative_log_likelihood(form, t, c, limit)(theta[None, :])[0])
    if prior is None:
        aicc = (
            -2 * lnl
            + 2 * k
            + (2 * k * (k + 1) / (n_all - k - 1) if n_all - k - 1 > 0 else math.inf)
        )
    else:
        aicc = math.nan
    return CkFit(
        form=form.name if prior is None else POPULATION_FORM,
        parameters=p,
        sigma=sigma,
        sigma_ml=sigma_ml,
        estimates={**natural, "sigma": sigma},
        standard_errors=standard_errors,
        intervals=intervals,
        log_likelihood=lnl,
        aicc=aicc,
        n_quantified=n_q,
        n_censored=n_all - n_q,
        degrees_of_freedom=df,
        converged=converged,
        flags=tuple(_flags(form, p, c, converged, hessian_ok)),
        reason="",
        message=str(final.message),
    )


def _posterior_fit(
    form: ModelForm,
    theta: FloatArray,
    hessian: FloatArray | None,
    prior: Prior,
    t: FloatArray,
    c: FloatArray,
    limit: FloatArray,
    converged: bool,
    final: optimize.OptimizeResult,
) -> CkFit:
    """The MAP fit's estimates, posterior intervals and shrinkage (ck_population rules)."""
    n_q = int((c > 0).sum())
    p_struct = form.n_structural
    p = form.unpack(theta)
    p = CkParameters(**{k: float(v) for k, v in p.__dict__.items()})
    sigma = math.exp(theta[-1])
    names = (*form.names, "sigma")
    scales = (*form.scales, "log")
    intervals: dict[str, tuple[float, float]] = {}
    standard_errors = dict.fromkeys(names, math.nan)
    shrinkage: dict[str, float] = {}

    def reported(x: FloatArray) -> FloatArray:
        return np.concatenate([form.reported(x[:p_struct]), x[p_struct:]])

    def on_natural(x: FloatArray) -> FloatArray:
        return np.array([*form.natural(x).values(), math.exp(x[-1])])

    p_effective = math.nan
    correction = 1.0
    if hessian is not None:
        cov = np.linalg.inv(hessian)
        jr = _jacobian(reported, theta)
        var_reported = np.diag(jr @ cov @ jr.T).copy()
        factors = np.clip(var_reported / prior[1] ** 2, 0.0, 1.0)
        shrinkage = dict(zip(names, factors.tolist(), strict=True))
        p_effective = float(np.sum(1.0 - factors[:p_struct]))
        correction = math.sqrt(n_q / max(n_q - p_effective, 1.0))
        # the likelihood's curvature was taken at the uncorrected SD: widen the structural
        # variances by the same factor as the SD's square, never beyond the prior's
        var_reported[:p_struct] = np.minimum(
            var_reported[:p_struct] * correction**2, prior[1][:p_struct] ** 2
        )
        centre = reported(theta)
        jn = _jacobian(on_natural, theta)
        se_natural = np.sqrt(np.abs(np.diag(jn @ cov @ jn.T)))
        z = float(stats.norm.ppf(0.5 + CONFIDENCE / 2))
        for k, (name, scale) in enumerate(zip(names, scales, strict=True)):
            half = z * math.sqrt(float(var_reported[k]))
            intervals[name] = (
                _back(scale, float(centre[k]) - half),
                _back(scale, float(centre[k]) + half),
            )
            standard_errors[name] = float(se_natural[k])
        low, high = intervals["sigma"]
        intervals["sigma"] = (low * correction, high * correction)
        standard_errors["sigma"] *= correction
    lnl = -float(_negative_log_likelihood(form, t, c, limit)(theta[None, :])[0])
    return CkFit(
        form=POPULATION_FORM,
        parameters=p,
        sigma=sigma * correction,
        sigma_ml=sigma,
        estimates={**form.natural(theta), "sigma": sigma * correction},
        standard_errors=standard_errors,
        intervals=intervals,
        log_likelihood=lnl,
        aicc=math.nan,
        n_quantified=n_q,
        n_censored=int(c.size) - n_q,
        degrees_of_freedom=n_q - p_effective,
        converged=converged,
        flags=tuple(_flags(form, p, c, converged, hessian is not None)),
        reason="",
        message=str(final.message),
        shrinkage=shrinkage,
    )


def fit_ck_population(
    time: FloatArray, conc: FloatArray, lloq: FloatArray | float, population: PopulationModel
) -> CkFit:
    """Fit one subject shrunk to ``population`` (MAP; :mod:`cartrial.kinetics.ck_population`).

    The prior carries what the samples cannot, so any profile with 2 quantified samples
    after day 0 is fitted in the biphasic form; the flags of the per-subject fit apply.
    """
    t, c, limit = _prepare(time, conc, lloq)
    n_q = int((c > 0).sum())
    if n_q < 2:
        raise InputError("conc", n_q, "at least 2 quantified samples after day 0 (population fit)")
    fit = fit_form(BIPHASIC, t, c, limit, prior=population.prior())
    p_eff = fit.n_quantified - fit.degrees_of_freedom
    verdict = "supported" if fit.supported else "withheld"
    reason = (
        f"{POPULATION_FORM}: MAP shrunk to the population prior ({verdict}); the data "
        f"determined {p_eff:.2f} of its {BIPHASIC.n_structural} structural parameters "
        "(the sum of 1 - shrinkage)"
    )
    method = "MAP shrunk to the population, BLQ censored (Beal 2001 M3); pD-corrected SD"
    return replace(fit, reason=reason, method=method)


def fit_ck_model(time: FloatArray, conc: FloatArray, lloq: FloatArray | float) -> CkFit:
    """Fit one subject (conc 0 = BLQ, NaN = missing; ``lloq`` per sample or one): module rules.

    Raises :class:`~cartrial.errors.InputError` with fewer quantified samples after day 0
    than the monophasic form needs (its 4 parameters and 2 degrees of freedom for the
    residual SD); the biphasic form is fitted only with at least 8.
    """
    t, c, limit = _prepare(time, conc, lloq)
    n_q = int((c > 0).sum())
    least = MONOPHASIC.n_structural + 2
    if n_q < least:
        raise InputError(
            "conc",
            n_q,
            f"at least {least} quantified samples after day 0 (the monophasic model's "
            f"{MONOPHASIC.n_structural} parameters and 2 degrees of freedom for the residual SD)",
        )
    fits = [fit_form(form, t, c, limit) for form in FORMS if n_q >= form.n_structural + 2]
    considered: dict[str, float | None] = {form.name: None for form in FORMS}
    for fit in fits:
        considered[fit.form] = fit.aicc
    supported = [f for f in fits if f.supported]
    pool = supported or fits
    chosen = min(pool, key=lambda f: f.aicc)
    parts = [f"{f.form} AICc {f.aicc:.2f}" + ("" if f.supported else " (withheld)") for f in fits]
    skipped = [
        f"{form.name} not fitted: {n_q} quantified samples, needs {form.n_structural + 2}"
        for form in FORMS
        if n_q < form.n_structural + 2
    ]
    if supported:
        reason = f"{chosen.form} chosen: smallest AICc of the supported fits ({'; '.join(parts)})"
    else:
        reason = f"withheld: no form supported by the data ({'; '.join(parts)})"
    reason = "; ".join([reason, *skipped])
    return replace(chosen, reason=reason, considered=considered)
