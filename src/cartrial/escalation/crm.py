"""CRM: the continual reassessment method, with TITE-CRM weights.

Sources: O'Quigley J, Pepe M, Fisher L. Continual reassessment method: a
practical design for phase 1 clinical trials in cancer. Biometrics
1990;46:33-48 (the one-parameter models and Bayesian updating); Cheung YK,
Chappell R. Sequential designs for phase I clinical trials with late-onset
toxicities. Biometrics 2000;56:1177-1182 (TITE-CRM: a patient without DLT
who has been followed ``u`` of ``W`` window days contributes ``1 - w p`` with
``w = min(u / W, 1)``); Lee SM, Cheung YK. Model calibration in the continual
reassessment method. Clin Trials 2009;6:227-238 (skeleton by indifference
intervals); Cheung YK, Dose Finding by the Continual Reassessment Method,
Chapman & Hall/CRC 2011 (the normal prior variance 1.34 in common use).

Models, with skeleton ``s_k`` and parameter ``a ~ Normal(0, prior_var)``:

- power ("empiric"): ``p_k(a) = s_k ** exp(a)``;
- logistic, fixed intercept ``c = 3``: ``p_k(a) = expit(c + exp(a) x_k)``
  with ``x_k = logit(s_k) - c`` (so ``p_k(0) = s_k``).

Posterior: ``pi(a | data) ~ N(a; 0, prior_var) L(a)``, integrated numerically by
the trapezoid rule on a uniform grid over +/- 8 prior standard deviations
(``grid_size`` nodes; the trapezoid rule converges geometrically for smooth
integrands that vanish at the ends, and tests check 1e-6 agreement with
adaptive quadrature). Reported as fields (:class:`CrmSummary`, Cheung 2011
chapter 3): the posterior mean and variance of ``a``; per level the posterior
mean DLT probability ``E[p_k | data]``, the plug-in ``p_k(E[a | data])`` that
the R package dfcrm's ``crm()`` prints as ``ptox``, and a 90% probability
interval. Because ``p_k(a)`` decreases in ``a`` (both models), the exact
equal-tailed interval is ``(p_k(a_95), p_k(a_05))`` with ``a_q`` the posterior
quantiles of ``a``; dfcrm's normal approximation ``p_k(E[a] +/- 1.645 sd)`` is
reported beside it.

Maximum-likelihood CRM (``method = "mle"``, dfcrm ``crm(method = "mle")``;
O'Quigley & Shen, Biometrics 1996;52:673-684): ``a`` is the maximiser of the
likelihood alone (searched in [-10, 10] as dfcrm does), its variance the inverse
observed information, the DLT probabilities the plug-in ``p_k(a_hat)``, the 90%
interval ``p_k(a_hat -/+ 1.645 sd)``. The MLE exists only when the outcomes are
heterogeneous (at least one DLT and one patient without); until then the
two-stage CRM's initial sequence applies (Cheung 2011 section 3.4; Moller, Stat
Med 1995;14:911-922): escalate one level after a cohort without DLT, de-escalate
one level when every patient so far had a DLT. Overdose control is a Bayesian
rule and is refused with ``"mle"``.

Decision after each cohort:

1. Overdose control (optional, Bayesian only): stop with no MTD when
   ``P(p_1 > target | data) > overdose_cutoff`` (default 0.9).
2. Recommend the level whose DLT probability estimate (posterior mean, or the
   MLE plug-in) is closest to the target (ties: the lower level), escalating at
   most one level above the current level (no skipping of untried levels).
3. Coherence (optional, ``coherent``; Cheung, Biometrika 2005;92:863-873): no
   escalation right after a cohort whose DLT rate is at or above the target
   (dfcrm ``crmsim(restrict = TRUE)``: no incoherent escalation).
4. Stop at the maximum sample size; the MTD is the level recommended then.

Why not a library: see :mod:`cartrial.escalation.base`.

>>> compute_skeleton_lee_cheung(target=0.25, halfwidth=0.05, prior_mtd_level=3, n_levels=5)
(0.084, 0.1567, 0.25, 0.3545, 0.4603)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import BaseModel
from scipy.special import expit, logit

from cartrial.escalation.base import (
    Action,
    Decisions,
    Design,
    FloatArray,
    TrialState,
    dlt_word,
    unique_counts,
)

__all__ = ["Crm", "CrmLevel", "CrmPosterior", "CrmSummary", "compute_skeleton_lee_cheung"]

Model = Literal["power", "logistic"]
Method = Literal["bayes", "mle"]
Z90 = 1.6448536269514722  # standard normal 95th percentile: a two-sided 90% interval
MLE_BOUND = 10.0  # dfcrm's search interval for the MLE, [-10, 10]
MLE_GRID = 2001
LOG_FLOOR = -1e6
CHUNK = 16_384


def compute_skeleton_lee_cheung(
    *,
    target: float,
    halfwidth: float,
    prior_mtd_level: int,
    n_levels: int,
    model: Model = "power",
    intercept: float = 3.0,
) -> tuple[float, ...]:
    """Skeleton by the indifference-interval method (Lee & Cheung 2009), rounded to 4 places.

    Level ``prior_mtd_level`` gets the target; adjacent levels are spaced so that
    the interval of ``a`` in which level k is the MTD (its DLT probability in
    ``target +/- halfwidth``) meets the next level's interval.
    """
    lo, hi = target - halfwidth, target + halfwidth
    if not 0 < lo < hi < 1 or not 1 <= prior_mtd_level <= n_levels:
        raise ValueError("need 0 < target - halfwidth < target + halfwidth < 1 and a valid level")
    i = prior_mtd_level - 1
    if model == "power":
        up, down = math.log(hi) / math.log(lo), math.log(lo) / math.log(hi)
        logs = [0.0] * n_levels
        logs[i] = math.log(target)
        for k in range(i + 1, n_levels):
            logs[k] = logs[k - 1] * up
        for k in range(i - 1, -1, -1):
            logs[k] = logs[k + 1] * down
        return tuple(round(math.exp(v), 4) for v in logs)
    up = (logit(hi) - intercept) / (logit(lo) - intercept)
    xs = [0.0] * n_levels
    xs[i] = float(logit(target)) - intercept
    for k in range(i + 1, n_levels):
        xs[k] = xs[k - 1] * up
    for k in range(i - 1, -1, -1):
        xs[k] = xs[k + 1] / up
    return tuple(round(float(expit(intercept + x)), 4) for x in xs)


@dataclass(frozen=True)
class CrmPosterior:
    """Summaries per trial (rows) and level (columns); see the module docstring.

    ``mean_a``/``var_a``: posterior mean and variance of ``a`` (MLE and inverse
    observed information with ``"mle"``); ``mean_p``: the estimate the decision
    uses (posterior mean DLT probability; plug-in at the MLE with ``"mle"``);
    ``a_low``/``a_high``: the 5% and 95% points of ``a`` (posterior quantiles;
    normal approximation with ``"mle"``); ``heterogeneous``: whether the MLE
    exists (always True for ``"bayes"``).
    """

    mean_a: FloatArray
    mean_p: FloatArray
    p_over_target_lowest: FloatArray
    var_a: FloatArray | None = None
    a_low: FloatArray | None = None
    a_high: FloatArray | None = None
    heterogeneous: np.ndarray | None = None


class CrmLevel(BaseModel):
    """One dose level of a CRM estimate (probabilities of a DLT)."""

    level: int
    skeleton: float
    estimate: float | None
    plug_in: float | None
    low: float | None
    high: float | None
    low_normal: float | None
    high_normal: float | None


class CrmSummary(BaseModel):
    """The CRM's model estimate as fields (Cheung 2011 chapter 3; dfcrm ``crm()`` output)."""

    method: Method
    model: Model
    prior_var: float | None
    parameter_mean: float | None
    parameter_variance: float | None
    levels: list[CrmLevel]
    interval: str
    rule: str


@dataclass(frozen=True, kw_only=True)
class Crm(Design):
    """One-parameter CRM (O'Quigley et al. 1990); see the module docstring."""

    target: float
    skeleton: tuple[float, ...]
    model: Model = "power"
    prior_var: float = 1.34
    intercept: float = 3.0
    cohort_size: int = 3
    max_sample_size: int = 30
    overdose_stop: bool = False
    overdose_cutoff: float = 0.9
    grid_size: int = 401
    method: Method = "bayes"
    coherent: bool = False
    name: str = field(default="CRM", init=False)
    rules: tuple[str, ...] = field(
        default=(
            "no patient treated yet: start at level {next} with {size} patient(s), per {design}",
            "P(DLT rate at level 1 > {target}) = {p_over:.3f} > {cutoff}: stop, no MTD, "
            "per {design} overdose control",
            "{total} patients, {estimate} DLT rates {rates}: {closest}; {move}, per {design}",
            "maximum sample size {total} reached, {estimate} DLT rates {rates}: "
            "level {mtd} is the MTD, per {design}",
            "{total} patients, {estimate} DLT rates {rates}: {closest}; but the last cohort "
            "had {last_y} {last_dlts} in {last_n} (rate >= target {target}): no escalation "
            "(coherence, Cheung 2005); {move}, per {design}",
            "{total} patients, no heterogeneity in outcomes ({why}): the maximum-likelihood "
            "estimate does not exist; initial sequence: {move}, per {design} (two-stage CRM)",
        ),
        init=False,
    )
    grid: FloatArray = field(init=False, repr=False, compare=False)
    log_prior_w: FloatArray = field(init=False, repr=False, compare=False)
    p_grid: FloatArray = field(init=False, repr=False, compare=False)
    logp: FloatArray = field(init=False, repr=False, compare=False)
    log1mp: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        s = np.asarray(self.skeleton, dtype=np.float64)
        if s.shape != (self.n_levels,) or np.any((s <= 0) | (s >= 1)) or np.any(np.diff(s) <= 0):
            raise ValueError("skeleton: one increasing probability in (0, 1) per level")
        if not 0 < self.target < 1 or self.prior_var <= 0:
            raise ValueError("target must be in (0, 1) and prior_var > 0")
        ceiling = float(expit(self.intercept))
        if self.model == "logistic" and (s.max() >= ceiling or self.target >= ceiling):
            raise ValueError(f"logistic model: skeleton and target must be below {ceiling:.4f}")
        if self.method == "mle" and self.overdose_stop:
            raise ValueError("overdose_stop is a Bayesian rule: not with method 'mle'")
        sd = math.sqrt(self.prior_var)
        a = (
            np.linspace(-MLE_BOUND, MLE_BOUND, MLE_GRID)
            if self.method == "mle"
            else np.linspace(-8 * sd, 8 * sd, self.grid_size)
        )
        log_prior = -0.5 * a**2 / self.prior_var
        if self.model == "power":
            loga = np.exp(a)[:, None] * np.log(s)[None, :]  # log p
            logp = loga
            log1mp = np.log(-np.expm1(loga))
        else:
            eta = self.intercept + np.exp(a)[:, None] * (logit(s) - self.intercept)[None, :]
            logp = -np.logaddexp(0.0, -eta)
            log1mp = -np.logaddexp(0.0, eta)
        if self.method == "mle":
            log_prior = np.zeros_like(a)
        for name, value in (
            ("grid", a),
            ("log_prior_w", log_prior - log_prior.max()),
            ("p_grid", np.exp(logp)),
            ("logp", np.maximum(logp, LOG_FLOOR)),
            ("log1mp", np.maximum(log1mp, LOG_FLOOR)),
        ):
            object.__setattr__(self, name, value)

    def _a_star(self) -> float:
        """The ``a`` at which level 1's DLT probability equals the target."""
        s1 = self.skeleton[0]
        if self.model == "power":
            return math.log(math.log(self.target) / math.log(s1))
        return math.log((float(logit(self.target)) - self.intercept) / (logit(s1) - self.intercept))

    def compute_posterior(self, state: TrialState, *, detail: bool = False) -> CrmPosterior:
        """Posterior summaries for every trial.

        Trials with the same counts share one posterior: without pending
        patients the distinct count vectors are computed once (a simulation of
        100,000 trials has a few thousand distinct states per cohort), in
        chunks to bound memory. ``detail`` adds the variance and the 5%/95% points
        of ``a`` (not needed for a decision, so the simulator skips them).
        """
        if state.pending_level is None and state.n_trials > 1:
            un, uy, inv = unique_counts(state.n, state.y)
            reduced = TrialState(
                n=un,
                y=uy,
                g2=np.zeros_like(un),
                current=np.ones(len(un), dtype=np.int64),
            )
            return _take(self._posterior_chunks(reduced, detail), inv)
        return self._posterior_chunks(state, detail)

    def _posterior_chunks(self, state: TrialState, detail: bool) -> CrmPosterior:
        parts = [
            self._posterior_chunk(state, slice(i, i + CHUNK), detail)
            for i in range(0, state.n_trials, CHUNK)
        ]
        if not parts:
            empty = np.zeros((0, self.n_levels))
            zero = np.zeros(0)
            return CrmPosterior(zero, empty, zero, zero, zero, zero, np.zeros(0, dtype=bool))

        def cat(name: str) -> np.ndarray | None:
            values = [getattr(p, name) for p in parts]
            return None if values[0] is None else np.concatenate(values)

        return CrmPosterior(
            mean_a=np.concatenate([p.mean_a for p in parts]),
            mean_p=np.concatenate([p.mean_p for p in parts]),
            p_over_target_lowest=np.concatenate([p.p_over_target_lowest for p in parts]),
            var_a=cat("var_a"),
            a_low=cat("a_low"),
            a_high=cat("a_high"),
            heterogeneous=cat("heterogeneous"),
        )

    def _posterior_chunk(self, state: TrialState, rows: slice, detail: bool) -> CrmPosterior:
        n = state.n[rows].astype(np.float64)
        y = state.y[rows].astype(np.float64)
        ll = y @ self.logp.T + (n - y) @ self.log1mp.T + self.log_prior_w[None, :]
        if state.pending_level is not None and state.pending_weight is not None:
            levels = state.pending_level[rows]
            weights = state.pending_weight[rows]
            for m in range(levels.shape[1]):
                lvl, w = levels[:, m], weights[:, m]
                p = self.p_grid[:, np.maximum(lvl, 1) - 1].T  # trials x grid
                term = np.log1p(-np.clip(w[:, None] * p, 0.0, 1.0 - 1e-16))
                ll += np.where(lvl[:, None] > 0, term, 0.0)
        if self.method == "mle":
            return self._mle(state, rows, ll)
        ll -= ll.max(axis=1, keepdims=True)
        post = np.exp(ll)
        post /= post.sum(axis=1, keepdims=True)
        # P(p1 > target) = P(a < a*): cumulative mass, interpolated within grid cells.
        h = self.grid[1] - self.grid[0]
        cum = np.cumsum(post, axis=1)
        a_star = self._a_star()
        j = np.clip(np.searchsorted(self.grid + h / 2, a_star), 0, self.grid_size - 1)
        before = cum[:, j - 1] if j > 0 else np.zeros(post.shape[0])
        frac = np.clip((a_star - (self.grid[j] - h / 2)) / h, 0.0, 1.0)
        p_over = before + frac * post[:, j]
        mean_a = post @ self.grid
        if not detail:
            return CrmPosterior(
                mean_a=mean_a, mean_p=post @ self.p_grid, p_over_target_lowest=p_over
            )
        return CrmPosterior(
            mean_a=mean_a,
            mean_p=post @ self.p_grid,
            p_over_target_lowest=p_over,
            var_a=np.maximum(post @ self.grid**2 - mean_a**2, 0.0),
            a_low=self._quantile(cum, post, 0.05),
            a_high=self._quantile(cum, post, 0.95),
            heterogeneous=np.ones(post.shape[0], dtype=bool),
        )

    def _quantile(self, cum: FloatArray, post: FloatArray, q: float) -> FloatArray:
        """Posterior quantile of ``a``: each node's mass spread evenly over its cell."""
        h = self.grid[1] - self.grid[0]
        j = np.argmax(cum >= q, axis=1)
        rows = np.arange(cum.shape[0])
        before = np.where(j > 0, cum[rows, np.maximum(j - 1, 0)], 0.0)
        frac = (q - before) / np.maximum(post[rows, j], 1e-300)
        return self.grid[j] - h / 2 + h * np.clip(frac, 0.0, 1.0)  # type: ignore[no-any-return]

    def dlt_probability(self, a: FloatArray) -> FloatArray:
        """``p_k(a)`` for each value of ``a`` (rows) and level (columns)."""
        s = np.asarray(self.skeleton, dtype=np.float64)
        scale = np.exp(np.asarray(a, dtype=np.float64))[:, None]
        if self.model == "power":
            return np.exp(scale * np.log(s)[None, :])  # type: ignore[no-any-return]
        return expit(self.intercept + scale * (logit(s) - self.intercept)[None, :])  # type: ignore[no-any-return]

    def _loglik(self, a: FloatArray, state: TrialState, rows: slice) -> FloatArray:
        """Exact log-likelihood at one ``a`` per trial (TITE weights included)."""
        p = np.clip(self.dlt_probability(a), 1e-300, 1 - 1e-16)
        n = state.n[rows].astype(np.float64)
        y = state.y[rows].astype(np.float64)
        ll = (y * np.log(p) + (n - y) * np.log1p(-p)).sum(axis=1)
        if state.pending_level is not None and state.pending_weight is not None:
            levels, weights = state.pending_level[rows], state.pending_weight[rows]
            for m in range(levels.shape[1]):
                lvl, w = levels[:, m], weights[:, m]
                pk = p[np.arange(p.shape[0]), np.maximum(lvl, 1) - 1]
                ll += np.where(lvl > 0, np.log1p(-np.clip(w * pk, 0.0, 1 - 1e-16)), 0.0)
        return ll  # type: ignore[no-any-return]

    def _mle(self, state: TrialState, rows: slice, ll: FloatArray) -> CrmPosterior:
        """Maximum likelihood on [-10, 10]: grid search, then Newton steps (module docstring)."""
        n = state.n[rows]
        y = state.y[rows]
        without = (n - y).sum(axis=1)
        if state.pending_level is not None and state.pending_weight is not None:
            without = without + (
                (state.pending_level[rows] > 0) & (state.pending_weight[rows] > 0)
            ).sum(axis=1)
        hetero = (y.sum(axis=1) > 0) & (without > 0)
        a = self.grid[np.argmax(ll, axis=1)]
        step = 1e-4
        for _ in range(8):
            f0 = self._loglik(a, state, rows)
            fp = self._loglik(a + step, state, rows)
            fm = self._loglik(a - step, state, rows)
            d1 = (fp - fm) / (2 * step)
            d2 = (fp - 2 * f0 + fm) / step**2
            move = np.where(d2 < 0, -d1 / np.where(d2 < 0, d2, -1.0), 0.0)
            a = np.clip(a + np.clip(move, -0.5, 0.5), -MLE_BOUND, MLE_BOUND)
        f0 = self._loglik(a, state, rows)
        h = 1e-3
        d2 = (self._loglik(a + h, state, rows) - 2 * f0 + self._loglik(a - h, state, rows)) / h**2
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(hetero & (d2 < 0), -1.0 / d2, np.nan)
        sd = np.sqrt(var)
        a = np.where(hetero, a, np.nan)
        plug = self.dlt_probability(np.where(hetero, a, 0.0))
        return CrmPosterior(
            mean_a=a,
            mean_p=np.where(hetero[:, None], plug, np.nan),
            p_over_target_lowest=np.full(a.shape, np.nan),
            var_a=var,
            a_low=a - Z90 * sd,
            a_high=a + Z90 * sd,
            heterogeneous=hetero,
        )

    def decide(self, state: TrialState) -> Decisions:
        t = state.n_trials
        out = Decisions.allocate(t)
        started = state.current > 0
        out.set(
            ~started,
            action=Action.STAY,
            rule=0,
            next_level=self.start_level,
            cohort_size=self.cohort_size,
        )
        if not started.any():
            return out
        rows = np.flatnonzero(started)
        sub = state.take(rows)
        post = self.compute_posterior(sub)
        cur = sub.current
        rec = self._recommended(post, sub)
        nxt = np.minimum(rec, cur + 1).astype(np.int64)
        incoherent = self._incoherent(sub) & (nxt > cur)
        nxt = np.where(incoherent, cur, nxt)
        total = sub.n.sum(axis=1)
        if sub.pending_level is not None:
            total = total + (sub.pending_level > 0).sum(axis=1)
        over = np.zeros(len(rows), dtype=bool)
        if self.overdose_stop:
            over = post.p_over_target_lowest > self.overdose_cutoff
        full = ~over & (total >= self.max_sample_size)
        size = np.minimum(self.cohort_size, self.max_sample_size - total)
        action = np.where(
            nxt > cur,
            int(Action.ESCALATE),
            np.where(nxt < cur, int(Action.DEESCALATE), int(Action.STAY)),
        )
        action = np.where(over | full, int(Action.STOP), action)
        moving_rule = np.where(incoherent, 4, 2)
        if post.heterogeneous is not None:
            moving_rule = np.where(post.heterogeneous, moving_rule, 5)
        out.action[rows] = action
        out.rule[rows] = np.where(over, 1, np.where(full, 3, moving_rule))
        out.next_level[rows] = np.where(over | full, 0, nxt)
        out.cohort_size[rows] = np.where(over | full, 0, size)
        out.mtd[rows] = np.where(full, nxt, 0)
        return out

    def _recommended(self, post: CrmPosterior, state: TrialState) -> np.ndarray:
        """The level closest to the target; the initial sequence where the MLE is missing."""
        filled = np.nan_to_num(post.mean_p, nan=np.inf)
        rec = np.argmin(np.abs(filled - self.target), axis=1) + 1
        if post.heterogeneous is None or post.heterogeneous.all():
            return rec  # type: ignore[no-any-return]
        cur = state.current
        any_dlt = state.y.sum(axis=1) > 0
        initial = np.where(any_dlt, np.maximum(cur - 1, 1), np.minimum(cur + 1, self.n_levels))
        return np.where(post.heterogeneous, rec, initial)

    def _incoherent(self, state: TrialState) -> np.ndarray:
        """Coherence: the last cohort's DLT rate is at or above the target (no escalation)."""
        if not self.coherent:
            return np.zeros(state.n_trials, dtype=bool)
        if state.last_n is None or state.last_y is None:
            raise ValueError("a coherent CRM needs the last cohort (TrialState.last_n/last_y)")
        with np.errstate(invalid="ignore", divide="ignore"):
            return (state.last_n > 0) & (state.last_y >= self.target * state.last_n)

    def summarise(self, state: TrialState, row: int = 0) -> CrmSummary:
        """The model estimate of trial ``row`` as fields (module docstring)."""
        post = self.compute_posterior(state.take(np.array([row])), detail=True)
        if post.var_a is None or post.a_low is None or post.a_high is None:  # pragma: no cover
            raise RuntimeError("detail=True always gives the variance and the quantiles")
        mean_a, var_a = float(post.mean_a[0]), float(post.var_a[0])
        known = not math.isnan(mean_a)
        sd = math.sqrt(var_a) if known and not math.isnan(var_a) else math.nan
        a_lo, a_hi = float(post.a_low[0]), float(post.a_high[0])
        points = np.array([mean_a, a_hi, a_lo, mean_a + Z90 * sd, mean_a - Z90 * sd])
        p = self.dlt_probability(np.nan_to_num(points))
        p[~np.isfinite(points)] = np.nan

        def num(value: float) -> float | None:
            return None if math.isnan(value) else float(value)

        levels = [
            CrmLevel(
                level=k + 1,
                skeleton=self.skeleton[k],
                estimate=num(post.mean_p[0, k]),
                plug_in=num(p[0, k]),
                low=num(p[1, k]),
                high=num(p[2, k]),
                low_normal=num(p[3, k]),
                high_normal=num(p[4, k]),
            )
            for k in range(self.n_levels)
        ]
        if self.method == "mle":
            interval = (
                "90% interval p_k(a_hat -/+ 1.645 sd), sd from the observed information "
                "(dfcrm crm(method = 'mle')); estimate = plug-in p_k(a_hat)"
            )
        else:
            interval = (
                "90% equal-tailed posterior interval (p_k(a_95), p_k(a_05)); low_normal/"
                "high_normal: dfcrm's p_k(E[a] -/+ 1.645 sd); estimate = posterior mean of p_k, "
                "plug_in = p_k(E[a]) (dfcrm's ptox)"
            )
        return CrmSummary(
            method=self.method,
            model=self.model,
            prior_var=None if self.method == "mle" else self.prior_var,
            parameter_mean=mean_a if known else None,
            parameter_variance=var_a if known and not math.isnan(var_a) else None,
            levels=levels,
            interval=interval,
            rule=(
                f"one-parameter {self.model} model on skeleton {list(self.skeleton)}, "
                + (
                    "maximum likelihood (O'Quigley & Shen 1996)"
                    if self.method == "mle"
                    else f"a ~ Normal(0, {self.prior_var:g}) (O'Quigley et al. 1990; "
                    "Cheung 2011 chapter 3)"
                )
            ),
        )

    def extra_reason_values(
        self, state: TrialState, decisions: Decisions, row: int
    ) -> dict[str, object]:
        if int(state.current[row]) == 0:
            return {}
        one = state.take(np.array([row]))
        post = self.compute_posterior(one)
        rates = ", ".join(f"{v:.3f}" for v in post.mean_p[0])
        filled = np.nan_to_num(post.mean_p[0], nan=np.inf)
        rec = int(np.argmin(np.abs(filled - self.target))) + 1
        nxt = int(decisions.next_level[row])
        closest = f"level {rec} closest to the target {self.target}"
        action = Action(int(decisions.action[row]))
        if action == Action.STOP:
            move = "stop"
        elif nxt < rec and int(decisions.rule[row]) == 2:
            move = f"{action.label} to level {nxt} (at most one level above the current)"
        else:
            move = (
                f"{action.label} at level {nxt}"
                if action == Action.STAY
                else (f"{action.label} to level {nxt}")
            )
        pending = 0 if state.pending_level is None else int((state.pending_level[row] > 0).sum())
        last_n = 0 if state.last_n is None else int(state.last_n[row])
        last_y = 0 if state.last_y is None else int(state.last_y[row])
        any_dlt = int(state.y[row].sum()) > 0
        return {
            "rates": f"({rates}; {self.model} model"
            + (f", {pending} pending weighted)" if pending else ")"),
            "estimate": "maximum-likelihood" if self.method == "mle" else "posterior mean",
            "closest": closest,
            "move": move,
            "target": self.target,
            "cutoff": self.overdose_cutoff,
            "p_over": float(post.p_over_target_lowest[0]),
            "total": int(state.n[row].sum()) + pending,
            "last_n": last_n,
            "last_y": last_y,
            "last_dlts": dlt_word(last_y),
            "why": "every patient had a DLT" if any_dlt else "no DLT yet",
        }


def _take(post: CrmPosterior, index: np.ndarray) -> CrmPosterior:
    """The summaries of the rows ``index`` (distinct states back to trials)."""

    def pick(value: np.ndarray | None) -> np.ndarray | None:
        return None if value is None else value[index]

    return CrmPosterior(
        mean_a=post.mean_a[index],
        mean_p=post.mean_p[index],
        p_over_target_lowest=post.p_over_target_lowest[index],
        var_a=pick(post.var_a),
        a_low=pick(post.a_low),
        a_high=pick(post.a_high),
        heterogeneous=pick(post.heterogeneous),
    )
