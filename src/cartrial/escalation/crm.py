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
adaptive quadrature). Reported: posterior mean of ``a`` and posterior mean of
each ``p_k``.

Decision after each cohort:

1. Overdose control (optional): stop with no MTD when
   ``P(p_1 > target | data) > overdose_cutoff`` (default 0.9).
2. Recommend the level whose posterior mean DLT probability is closest to
   the target (ties: the lower level), escalating at most one level above
   the current level (no skipping of untried levels).
3. Stop at the maximum sample size; the MTD is the level recommended then.

Why not a library: see :mod:`cartrial.escalation.base`.

>>> compute_skeleton_lee_cheung(target=0.25, halfwidth=0.05, prior_mtd_level=3, n_levels=5)
(0.084, 0.1567, 0.25, 0.3545, 0.4603)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.special import expit, logit

from cartrial.escalation.base import (
    Action,
    Decisions,
    Design,
    FloatArray,
    TrialState,
    unique_counts,
)

__all__ = ["Crm", "CrmPosterior", "compute_skeleton_lee_cheung"]

Model = Literal["power", "logistic"]
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
    """Posterior summaries per trial: mean of ``a``, mean DLT probability per level."""

    mean_a: FloatArray
    mean_p: FloatArray
    p_over_target_lowest: FloatArray


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
    name: str = field(default="CRM", init=False)
    rules: tuple[str, ...] = field(
        default=(
            "no patient treated yet: start at level {next} with {size} patient(s), per {design}",
            "P(DLT rate at level 1 > {target}) = {p_over:.3f} > {cutoff}: stop, no MTD, "
            "per {design} overdose control",
            "{total} patients, posterior mean DLT rates {rates}: {closest}; {move}, per {design}",
            "maximum sample size {total} reached, posterior mean DLT rates {rates}: "
            "level {mtd} is the MTD, per {design}",
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
        sd = math.sqrt(self.prior_var)
        a = np.linspace(-8 * sd, 8 * sd, self.grid_size)
        log_prior = -0.5 * a**2 / self.prior_var
        if self.model == "power":
            loga = np.exp(a)[:, None] * np.log(s)[None, :]  # log p
            logp = loga
            log1mp = np.log(-np.expm1(loga))
        else:
            eta = self.intercept + np.exp(a)[:, None] * (logit(s) - self.intercept)[None, :]
            logp = -np.logaddexp(0.0, -eta)
            log1mp = -np.logaddexp(0.0, eta)
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

    def compute_posterior(self, state: TrialState) -> CrmPosterior:
        """Posterior summaries for every trial.

        Trials with the same counts share one posterior: without pending
        patients the distinct count vectors are computed once (a simulation of
        100,000 trials has a few thousand distinct states per cohort), in
        chunks to bound memory.
        """
        if state.pending_level is None and state.n_trials > 1:
            un, uy, inv = unique_counts(state.n, state.y)
            reduced = TrialState(
                n=un,
                y=uy,
                g2=np.zeros_like(un),
                current=np.ones(len(un), dtype=np.int64),
            )
            post = self._posterior_chunks(reduced)
            return CrmPosterior(
                mean_a=post.mean_a[inv],
                mean_p=post.mean_p[inv],
                p_over_target_lowest=post.p_over_target_lowest[inv],
            )
        return self._posterior_chunks(state)

    def _posterior_chunks(self, state: TrialState) -> CrmPosterior:
        parts = [
            self._posterior_chunk(state, slice(i, i + CHUNK))
            for i in range(0, state.n_trials, CHUNK)
        ]
        if not parts:
            empty = np.zeros((0, self.n_levels))
            return CrmPosterior(np.zeros(0), empty, np.zeros(0))
        return CrmPosterior(
            mean_a=np.concatenate([p.mean_a for p in parts]),
            mean_p=np.concatenate([p.mean_p for p in parts]),
            p_over_target_lowest=np.concatenate([p.p_over_target_lowest for p in parts]),
        )

    def _posterior_chunk(self, state: TrialState, rows: slice) -> CrmPosterior:
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
        return CrmPosterior(
            mean_a=post @ self.grid, mean_p=post @ self.p_grid, p_over_target_lowest=p_over
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
        post = self.compute_posterior(state.take(rows))
        rec = np.argmin(np.abs(post.mean_p - self.target), axis=1) + 1
        cur = state.current[rows]
        nxt = np.minimum(rec, cur + 1).astype(np.int64)
        total = state.n[rows].sum(axis=1)
        if state.pending_level is not None:
            total = total + (state.pending_level[rows] > 0).sum(axis=1)
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
        out.action[rows] = action
        out.rule[rows] = np.where(over, 1, np.where(full, 3, 2))
        out.next_level[rows] = np.where(over | full, 0, nxt)
        out.cohort_size[rows] = np.where(over | full, 0, size)
        out.mtd[rows] = np.where(full, nxt, 0)
        return out

    def extra_reason_values(
        self, state: TrialState, decisions: Decisions, row: int
    ) -> dict[str, object]:
        if int(state.current[row]) == 0:
            return {}
        post = self.compute_posterior(state.take(np.array([row])))
        rates = ", ".join(f"{v:.3f}" for v in post.mean_p[0])
        rec = int(np.argmin(np.abs(post.mean_p[0] - self.target))) + 1
        nxt = int(decisions.next_level[row])
        closest = f"level {rec} closest to the target {self.target}"
        action = Action(int(decisions.action[row]))
        if action == Action.STOP:
            move = "stop"
        elif nxt < rec:
            move = f"{action.label} to level {nxt} (at most one level above the current)"
        else:
            move = (
                f"{action.label} at level {nxt}"
                if action == Action.STAY
                else (f"{action.label} to level {nxt}")
            )
        pending = 0 if state.pending_level is None else int((state.pending_level[row] > 0).sum())
        return {
            "rates": f"({rates}; {self.model} model"
            + (f", {pending} pending weighted)" if pending else ")"),
            "closest": closest,
            "move": move,
            "target": self.target,
            "cutoff": self.overdose_cutoff,
            "p_over": float(post.p_over_target_lowest[0]),
            "total": int(state.n[row].sum()) + pending,
        }
