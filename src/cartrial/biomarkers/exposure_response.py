"""Exposure-response: CAR-T exposure (Cmax, AUC0-28d) against CRS, ICANS and response.

The seeds ask for the "correlation of expansion and persistence with clinical
outcomes". Method (as in CAR-T cellular kinetic reports, e.g. Mueller KT et al.,
Blood 2017;130:2317-2325, and the exposure-response analyses of FDA CAR-T
reviews):

1. Outcomes per subject, binary: CRS grade >= 2 (ASTCT), any ICANS (grade >= 1),
   objective response (best overall response CR or PR, RECIST 1.1).
2. Exposure on the log10 scale: a subject with exposure 0 or missing (e.g. all
   samples BLQ) has no logarithm and is left out, counted in ``n_excluded``.
3. Logistic regression ``logit P(outcome) = b0 + b1 log10(exposure)`` by maximum
   likelihood (statsmodels ``Logit``); odds ratio per 10-fold higher exposure
   ``exp(b1)`` with its Wald 95% CI ``exp(b1 +/- 1.96 SE)`` and p-value. Not
   estimated (with the reason) when all outcomes are equal or the outcome is
   perfectly separated by exposure (the MLE does not exist).
4. Spearman rank correlation between exposure and the outcome (scipy).

The box and strip plot of exposure by outcome is drawn by
:mod:`cartrial.report.figures.exposure_response`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from cartrial.errors import InputError

__all__ = [
    "ExposureResponse",
    "compute_exposure_response",
    "derive_outcomes",
]

OUTCOMES = ("crs_grade_ge2", "icans", "objective_response")


@dataclass(frozen=True)
class ExposureResponse:
    """Logistic regression and Spearman correlation for one exposure and one outcome."""

    exposure: str
    outcome: str
    n: int
    n_events: int
    n_excluded: int
    odds_ratio_per_10fold: float
    ci_lower: float
    ci_upper: float
    p_value: float
    spearman_rho: float
    spearman_p: float
    reason: str


def derive_outcomes(clinical: pd.DataFrame) -> pd.DataFrame:
    """Binary outcomes (rule 1) from ``crs_grade``, ``icans_grade`` and ``bor`` columns.

    >>> frame = pd.DataFrame({"subject": ["S1"], "crs_grade": [2], "icans_grade": [0],
    ...     "bor": ["PR"]})
    >>> derive_outcomes(frame)[["crs_grade_ge2", "icans", "objective_response"]].values.tolist()
    [[1.0, 0.0, 1.0]]
    """
    out = pd.DataFrame({"subject": clinical["subject"]})
    crs = pd.to_numeric(clinical["crs_grade"], errors="coerce")
    icans = pd.to_numeric(clinical["icans_grade"], errors="coerce")
    bor = clinical["bor"].astype(str).str.strip().str.upper()
    out["crs_grade_ge2"] = np.where(crs.isna(), np.nan, (crs >= 2).astype(float))
    out["icans"] = np.where(icans.isna(), np.nan, (icans >= 1).astype(float))
    known = bor.isin(["CR", "PR", "SD", "PD", "NE"])
    out["objective_response"] = np.where(known, bor.isin(["CR", "PR"]).astype(float), np.nan)
    return out


def compute_exposure_response(
    data: pd.DataFrame, *, exposure: str, outcome: str
) -> ExposureResponse:
    """Rules 2-4 for one exposure column and one binary (0/1) outcome column of ``data``."""
    for column in (exposure, outcome):
        if column not in data.columns:
            raise InputError("column", column, "a column of the exposure-response table")
    x = pd.to_numeric(data[exposure], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(data[outcome], errors="coerce").to_numpy(dtype=float)
    has_outcome = ~np.isnan(y)
    if np.any(has_outcome & ~np.isin(y, [0.0, 1.0])):
        raise InputError(outcome, sorted(set(y[has_outcome])), "0 or 1")
    usable = has_outcome & (x > 0)
    n_excluded = int((has_outcome & ~usable).sum())
    x, y = np.log10(x[usable]), y[usable]
    n, events = int(y.size), int(y.sum())
    rho, rho_p = (np.nan, np.nan)
    if n >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
        sp = stats.spearmanr(x, y)
        rho, rho_p = float(sp.statistic), float(sp.pvalue)
    odds, lower, upper, p_value, reason = np.nan, np.nan, np.nan, np.nan, ""
    if n < 3 or events in (0, n):
        reason = "not estimable: fewer than 3 subjects or all outcomes equal"
    elif _separated(x, y):
        reason = "not estimable: the outcome is perfectly separated by exposure (no MLE)"
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(y, sm.add_constant(x)).fit(disp=0)
        b, se = float(fit.params[1]), float(fit.bse[1])
        z = float(stats.norm.ppf(0.975))
        odds, lower, upper = np.exp(b), np.exp(b - z * se), np.exp(b + z * se)
        p_value = float(fit.pvalues[1])
    return ExposureResponse(
        exposure=exposure,
        outcome=outcome,
        n=n,
        n_events=events,
        n_excluded=n_excluded,
        odds_ratio_per_10fold=float(odds),
        ci_lower=float(lower),
        ci_upper=float(upper),
        p_value=p_value,
        spearman_rho=rho,
        spearman_p=rho_p,
        reason=reason,
    )


def _separated(x: np.ndarray, y: np.ndarray) -> bool:
    """True when a threshold on x splits events from non-events completely."""
    ones, zeros = x[y == 1], x[y == 0]
    return bool(ones.min() > zeros.max() or ones.max() < zeros.min())
