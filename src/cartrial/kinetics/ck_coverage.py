"""Subjects with known kinetic parameters, and how often the fit's intervals cover them.

The check the issue asks for: draw subjects from the published tisagenlecleucel model
(Stein et al., CPT Pharmacometrics Syst Pharmacol 2019;8:285, Table 1: typical values and
between-subject variances, log-normal, FB logit-normal) scaled for solid tumours as the
simulator scales it (SIMULATOR_ANCHORS P6: Cmax and fold expansion 1 log10 lower, FB 5
times higher), sample them on the seed protocols' qPCR days (1, 4, 7, 10, 14, 21, 28, 56,
90, 180, 365, 730; follow-up ending after 7 to 12 of them), add log-normal assay error,
censor below the LLOQ, fit each with :func:`cartrial.kinetics.ck_fit.fit_ck_model` and
count, per parameter, the supported fits whose 95 % interval holds the truth.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from cartrial.errors import InputError
from cartrial.kinetics.ck_fit import (
    CkFit,
    FitCounts,
    count_fits,
    fit_ck_model,
    fit_ck_population,
)
from cartrial.kinetics.ck_model import CkParameters, predict
from cartrial.kinetics.ck_population import PopulationModel
from cartrial.kinetics.profiles import FloatArray

__all__ = [
    "SEED_QPCR_DAYS",
    "Coverage",
    "SimulatedProfile",
    "draw_profiles",
    "measure_coverage",
]

SEED_QPCR_DAYS = (1.0, 4.0, 7.0, 10.0, 14.0, 21.0, 28.0, 56.0, 90.0, 180.0, 365.0, 730.0)


@dataclass(frozen=True)
class SimulatedProfile:
    """One subject: the true parameters and its observed samples (0 = BLQ)."""

    truth: CkParameters
    time: FloatArray
    conc: FloatArray


def draw_profiles(
    model: PopulationModel,
    n: int,
    rng: np.random.Generator,
    *,
    days: Sequence[float] = SEED_QPCR_DAYS,
    min_samples: int = 7,
) -> list[SimulatedProfile]:
    """``n`` subjects drawn from ``model``, each followed for ``min_samples`` to all ``days``."""
    w = model.omega2
    out = []
    for _ in range(n):

        def lognormal(typical: float, name: str) -> float:
            return typical * math.exp(rng.normal(0.0, math.sqrt(w[name])))

        tmax = lognormal(model.tmax, "tmax")
        alpha = lognormal(model.alpha, "alpha")
        beta = min(lognormal(model.beta, "beta"), alpha / 2)
        fb = float(
            special.expit(
                special.logit(model.fraction_persisting)
                + rng.normal(0.0, math.sqrt(w["fraction_persisting"]))
            )
        )
        fold = max(lognormal(model.fold_expansion, "fold_expansion"), 2.0)
        truth = CkParameters(
            cmax=lognormal(model.cmax, "cmax"),
            tmax=tmax,
            rho=math.log(fold) / tmax,
            alpha=alpha,
            beta=beta,
            fraction_persisting=fb,
        )
        kept = int(rng.integers(min_samples, len(days) + 1))
        t = np.asarray(days[:kept], dtype=float)
        c = predict(truth, t) * np.exp(rng.normal(0.0, model.sigma, t.size))
        c[c < model.lloq] = 0.0
        out.append(SimulatedProfile(truth=truth, time=t, conc=c))
    return out


@dataclass(frozen=True)
class Coverage:
    """Per parameter: supported fits with an interval, and how many held the truth."""

    counts: FitCounts
    intervals: dict[str, int]
    covered: dict[str, int]
    sigma_median: float
    sigma_ml_median: float
    cmax_ratio_median: float
    blq_fraction: float

    def rate(self, name: str) -> float:
        return self.covered[name] / self.intervals[name] if self.intervals[name] else math.nan


def measure_coverage(
    model: PopulationModel,
    profiles: Sequence[SimulatedProfile],
    *,
    population: PopulationModel | None = None,
) -> Coverage:
    """Fit every profile (per subject, or shrunk to ``population``); count the 95 % intervals
    that hold the true values (module rule)."""
    fits: list[CkFit | None] = []
    for profile in profiles:
        try:
            if population is None:
                fits.append(fit_ck_model(profile.time, profile.conc, model.lloq))
            else:
                fits.append(fit_ck_population(profile.time, profile.conc, model.lloq, population))
        except InputError:
            fits.append(None)
    names = ("cmax", "tmax", "rho", "alpha", "beta", "fraction_persisting", "sigma")
    intervals = dict.fromkeys(names, 0)
    covered = dict.fromkeys(names, 0)
    sigmas, sigmas_ml, ratios = [], [], []
    for profile, fit in zip(profiles, fits, strict=True):
        if fit is None or not fit.supported:
            continue
        sigmas.append(fit.sigma)
        sigmas_ml.append(fit.sigma_ml)
        ratios.append(fit.parameters.cmax / profile.truth.cmax)
        for name, (low, high) in fit.intervals.items():
            true = model.sigma if name == "sigma" else getattr(profile.truth, name)
            intervals[name] += 1
            covered[name] += int(low <= true <= high)
    all_conc = np.concatenate([p.conc for p in profiles])
    return Coverage(
        counts=count_fits(fits),
        intervals=intervals,
        covered=covered,
        sigma_median=float(np.median(sigmas)) if sigmas else math.nan,
        sigma_ml_median=float(np.median(sigmas_ml)) if sigmas_ml else math.nan,
        cmax_ratio_median=float(np.median(ratios)) if ratios else math.nan,
        blq_fraction=float((all_conc == 0).mean()),
    )
