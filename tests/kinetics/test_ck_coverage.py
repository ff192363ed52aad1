"""Coverage of the kinetic model's intervals on subjects with known parameters (issue 13).

Twenty-four subjects drawn from the published model scaled for solid tumours
(:mod:`cartrial.kinetics.ck_coverage`; Stein 2019 Table 1), true residual SD 0.40: the
df-corrected SD must not be biased low the way the ML one is (median 0.26 before the
correction), and the 95 % intervals of the supported fits must hold the truth in most
cases. The larger run, with Monte-Carlo SEs, is bench/ck_model_coverage.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from cartrial.kinetics.ck_coverage import SOLID_TUMOUR, Coverage, draw_profiles, measure_coverage


@pytest.fixture(scope="module")
def coverage() -> Coverage:
    profiles = draw_profiles(SOLID_TUMOUR, 24, np.random.default_rng(20260415))
    return measure_coverage(SOLID_TUMOUR, profiles)


def test_every_profile_is_counted(coverage: Coverage) -> None:
    counts = coverage.counts
    assert counts.profiles == 24
    assert sum(counts.by_form.values()) + counts.withheld + counts.not_fitted == 24
    assert sum(counts.by_form.values()) >= 8


def test_residual_sd_is_not_biased_low(coverage: Coverage) -> None:
    assert coverage.sigma_ml_median < coverage.sigma_median
    assert coverage.sigma_median == pytest.approx(SOLID_TUMOUR.sigma, rel=0.25)


def test_intervals_hold_the_true_values(coverage: Coverage) -> None:
    """Per-subject ML with 7-11 samples stays below the nominal 95 % (bench: 73-95 % by
    parameter); before the df correction and the log-scale intervals it was 40-83 %."""
    for name in ("cmax", "rho"):
        assert coverage.rate(name) >= 0.75, (name, coverage.covered, coverage.intervals)
    pooled = sum(coverage.covered.values()) / sum(coverage.intervals.values())
    assert pooled >= 0.7, (coverage.covered, coverage.intervals)
