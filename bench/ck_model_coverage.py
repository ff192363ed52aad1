"""Coverage and bias of the multiphasic kinetic model's fits (issue 13).

Draws N subjects (default 300) with known parameters from the published tisagenlecleucel
model scaled for solid tumours (:data:`cartrial.kinetics.ck_population.SOLID_TUMOUR`:
Stein 2019 Table 1 typical values and variances, Cmax and fold expansion 1 log10 lower,
FB x 5, residual SD 0.40 on the log scale, LLOQ 50), sampled on the seed qPCR days with
follow-up ending after 7-12 of them. Fits each per subject
(:func:`cartrial.kinetics.ck_fit.fit_ck_model`) and shrunk to the population
(:func:`cartrial.kinetics.ck_fit.fit_ck_population`), and prints for each: the fits by
form, withheld and not fitted; per parameter, the share of supported fits whose 95 %
interval holds the truth, with its Monte-Carlo SE and the ratio to the nominal 0.95; the
median residual SD (corrected and uncorrected) against the true 0.40; the median model
Cmax over the true Cmax; and the time per subject.

Run: ``PYTHONPATH=src .venv/bin/python bench/ck_model_coverage.py [n_subjects] [seed]``.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from cartrial.kinetics.ck_coverage import SimulatedProfile, draw_profiles, measure_coverage
from cartrial.kinetics.ck_fit import CONFIDENCE
from cartrial.kinetics.ck_population import SOLID_TUMOUR, PopulationModel


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    profiles = draw_profiles(SOLID_TUMOUR, n, np.random.default_rng(seed))
    print(f"{n} simulated subjects (seed {seed})")
    for title, population in (
        ("per-subject ML, form by AICc", None),
        ("shrunk to the population (MAP)", SOLID_TUMOUR),
    ):
        print(f"\n== {title}")
        report(profiles, population)


def report(profiles: list[SimulatedProfile], population: PopulationModel | None) -> None:
    n = len(profiles)
    started = time.perf_counter()
    coverage = measure_coverage(SOLID_TUMOUR, profiles, population=population)
    elapsed = time.perf_counter() - started
    print(f"BLQ {coverage.blq_fraction:.0%} of samples")
    print(coverage.counts.describe())
    print(f"{'parameter':<22}{'intervals':>10}{'coverage':>10}{'MC SE':>8}{'/ 0.95':>8}")
    for name, count in coverage.intervals.items():
        if not count:
            print(f"{name:<22}{count:>10}{'-':>10}")
            continue
        rate = coverage.rate(name)
        se = math.sqrt(rate * (1 - rate) / count)
        print(f"{name:<22}{count:>10}{rate:>10.3f}{se:>8.3f}{rate / CONFIDENCE:>8.3f}")
    true_sigma = SOLID_TUMOUR.sigma
    print(
        f"residual SD median: corrected {coverage.sigma_median:.3f}, "
        f"uncorrected {coverage.sigma_ml_median:.3f}, true {true_sigma:.2f} "
        f"(ratio {coverage.sigma_median / true_sigma:.2f} and "
        f"{coverage.sigma_ml_median / true_sigma:.2f})"
    )
    print(f"model Cmax / true Cmax, median over supported fits: {coverage.cmax_ratio_median:.3f}")
    print(f"time: {elapsed:.1f} s, {1000 * elapsed / n:.0f} ms per subject")


if __name__ == "__main__":
    main()
