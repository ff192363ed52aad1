"""Metamorphic properties of NCA that hold for any profile (units must not matter)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cartrial.kinetics.nca import compute_nca
from cartrial.kinetics.profiles import profiles_from_lists
from cartrial.kinetics.settings import NcaSettings


@st.composite
def _profiles(draw: st.DrawFn) -> tuple[list[float], list[float | None]]:
    days = draw(st.lists(st.integers(1, 400), min_size=1, max_size=11, unique=True))
    times = [0.0, *sorted(float(d) for d in days)]
    concs: list[float | None] = [
        draw(st.one_of(st.just(0.0), st.floats(1e-2, 1e6), st.none())) for _ in times
    ]
    return times, concs


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.allclose(a, b, rtol=1e-8, atol=0.0, equal_nan=True))


@settings(max_examples=60, deadline=None)
@given(profile=_profiles(), factor=st.floats(1e-3, 1e3))
def test_concentration_unit_scales_cmax_and_aucs_and_leaves_lambda_z(
    profile: tuple[list[float], list[float | None]], factor: float
) -> None:
    times, concs = profile
    scaled = [None if c is None else c * factor for c in concs]
    a = compute_nca(profiles_from_lists([times], [concs]))
    b = compute_nca(profiles_from_lists([times], [scaled]))
    for name in ("cmax", "clast", "auclast", "aucall", "aucinf_obs", "aucint_partial"):
        assert _close(a.values[name] * factor, b.values[name]), name
    for name in ("tmax", "tlast", "lambda_z", "lambda_z_n_points", "aucpext_obs"):
        assert _close(a.values[name], b.values[name]), name


@settings(max_examples=60, deadline=None)
@given(profile=_profiles(), factor=st.sampled_from([0.5, 2.0, 24.0]))
def test_time_unit_scales_areas_and_half_life(
    profile: tuple[list[float], list[float | None]], factor: float
) -> None:
    times, concs = profile
    a = compute_nca(profiles_from_lists([times], [concs]), NcaSettings(partial_end=28.0))
    b = compute_nca(
        profiles_from_lists([[t * factor for t in times]], [concs]),
        NcaSettings(partial_end=28.0 * factor),
    )
    for name in ("auclast", "aucinf_obs", "half_life", "tmax", "aucint_partial"):
        assert _close(a.values[name] * factor, b.values[name]), name
    assert _close(a.values["lambda_z"] / factor, b.values["lambda_z"])


@settings(max_examples=60, deadline=None)
@given(profile=_profiles())
def test_log_down_area_never_exceeds_linear_area(
    profile: tuple[list[float], list[float | None]],
) -> None:
    # the log trapezoid lies under the chord of a falling segment (convexity of exp)
    times, concs = profile
    lin = compute_nca(profiles_from_lists([times], [concs]), NcaSettings(auc_method="linear"))
    log = compute_nca(profiles_from_lists([times], [concs]))
    a, b = log.values["auclast"][0], lin.values["auclast"][0]
    assert np.isnan(a) == np.isnan(b)
    if not np.isnan(a):
        assert a <= b * (1 + 1e-12)
