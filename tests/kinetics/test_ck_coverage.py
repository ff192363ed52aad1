"""Coverage of the kinetic model's intervals on subjects with known parameters (issue 13).

Twenty-four subjects drawn from the published model scaled for solid tumours
(:mod:`cartrial.kinetics.ck_coverage`; Stein 2019 Table 1), true residual SD 0.40, fitted
per subject and shrunk to the population: the corrected SD must not be biased low the way
the ML (or MAP) one is (median 0.26 before the correction), and the 95 % intervals of the
supported fits must hold the truth in most cases (before: 40-83 %). The larger run, with
Monte-Carlo SEs, is bench/ck_model_coverage.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from cartrial.kinetics.ck_coverage import Coverage, draw_profiles, measure_coverage
from cartrial.kinetics.ck_population import SOLID_TUMOUR

PROFILES = draw_profiles(SOLID_TUMOUR, 24, np.random.default_rng(20260415))


@pytest.fixture(scope="module")
def per_subject() -> Coverage:
    return measure_coverage(SOLID_TUMOUR, PROFILES)


@pytest.fixture(scope="module")
def shrunk() -> Coverage:
    return measure_coverage(SOLID_TUMOUR, PROFILES, population=SOLID_TUMOUR)


def test_every_profile_is_counted(per_subject: Coverage, shrunk: Coverage) -> None:
    for coverage in (per_subject, shrunk):
        counts = coverage.counts
        assert counts.profiles == 24
        assert sum(counts.by_form.values()) + counts.withheld + counts.not_fitted == 24
    assert sum(per_subject.counts.by_form.values()) >= 8
    # the population carries what the samples cannot: (nearly) every profile is fitted
    assert shrunk.counts.by_form["biphasic_population"] >= 20


def test_residual_sd_is_not_biased_low(per_subject: Coverage, shrunk: Coverage) -> None:
    for coverage in (per_subject, shrunk):
        assert coverage.sigma_ml_median < coverage.sigma_median
        assert coverage.sigma_median == pytest.approx(SOLID_TUMOUR.sigma, rel=0.25)


def test_per_subject_intervals_hold_the_true_values(per_subject: Coverage) -> None:
    """Per-subject ML with 7-11 samples stays below the nominal 95 % for alpha (a
    monophasic fit's alpha is an apparent rate); the bench has the figures."""
    for name in ("cmax", "tmax", "rho"):
        assert per_subject.rate(name) >= 0.75, (name, per_subject.covered, per_subject.intervals)
    pooled = sum(per_subject.covered.values()) / sum(per_subject.intervals.values())
    assert pooled >= 0.75, (per_subject.covered, per_subject.intervals)


def test_population_intervals_hold_the_true_values(shrunk: Coverage) -> None:
    for name in shrunk.intervals:
        assert shrunk.rate(name) >= 0.75, (name, shrunk.covered, shrunk.intervals)
    pooled = sum(shrunk.covered.values()) / sum(shrunk.intervals.values())
    assert pooled >= 0.85, (shrunk.covered, shrunk.intervals)
