"""NCA rules on small hand-computed profiles (expected values worked out by hand)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cartrial.errors import InputError
from cartrial.kinetics.nca import NcaTable, compute_nca
from cartrial.kinetics.profiles import profiles_from_lists
from cartrial.kinetics.settings import BlqRules, NcaSettings

LINEAR = NcaSettings(auc_method="linear")


def _one(
    times: list[float], concs: list[float | None], settings: NcaSettings | None = None
) -> NcaTable:
    return compute_nca(profiles_from_lists([times], [concs]), settings)


def _value(table: NcaTable, name: str) -> float:
    return float(table.values[name][0])


def test_linear_trapezoid_up_and_down() -> None:
    # (1-0)(0+4)/2 + (2-1)(4+2)/2 = 2 + 3
    r = _one([0, 1, 2], [0, 4, 2], LINEAR)
    assert _value(r, "auclast") == 5.0


def test_lin_log_uses_log_trapezoid_only_when_falling() -> None:
    # rising 0->4 linear: 2; falling 4->2 log: (2-1)(4-2)/ln(4/2) = 2/ln 2
    r = _one([0, 1, 2], [0, 4, 2])
    assert _value(r, "auclast") == pytest.approx(4.885390081777927, rel=1e-12)


def test_lin_log_falls_back_to_linear_when_falling_to_zero() -> None:
    # 4 -> 2 is log (2/ln 2), 2 -> 0 after Tlast is outside AUClast; AUCall adds the
    # linear triangle (1)(2+0)/2 = 1
    r = _one([0, 1, 2, 3], [0, 4, 2, 0])
    assert _value(r, "auclast") == pytest.approx(2 + 2 / math.log(2), rel=1e-12)
    assert _value(r, "aucall") == pytest.approx(3 + 2 / math.log(2), rel=1e-12)


def test_half_life_recovered_exactly_from_exponential_decline() -> None:
    # C = 10 * 2^-((t - 1)/3) after Tmax = 1: half-life 3 exactly
    times = [0.0, 1, 2, 3, 4, 6, 9, 13]
    concs: list[float | None] = [0.0] + [10 * 2 ** (-(t - 1) / 3) for t in times[1:]]
    r = _one(times, concs)
    assert _value(r, "half_life") == pytest.approx(3.0, rel=1e-9)
    assert _value(r, "lambda_z") == pytest.approx(math.log(2) / 3, rel=1e-9)
    assert _value(r, "r_squared") == pytest.approx(1.0, abs=1e-12)
    # every point after Tmax lies on the line: PKNCA takes the fit with the most points
    assert _value(r, "lambda_z_n_points") == 6
    assert _value(r, "lambda_z_time_first") == 2.0
    assert r.records()[0]["lambda_z_times"] == [2.0, 3.0, 4.0, 6.0, 9.0, 13.0]
    # span ratio = (13 - 2) / 3
    assert _value(r, "span_ratio") == pytest.approx(11 / 3, rel=1e-9)


def test_leading_blq_kept_as_zero_by_default() -> None:
    # 0-1: 0, 1-2: (0+8)/2 = 4, 2-3: (8+4)/2 = 6, 3-4: (4+2)/2 = 3
    r = _one([0, 1, 2, 3, 4], [0, 0, 8, 4, 2], LINEAR)
    assert _value(r, "auclast") == 13.0
    assert _value(r, "tmax") == 2.0


def test_leading_blq_dropped_leaves_no_sample_at_start() -> None:
    settings = NcaSettings(auc_method="linear", conc_blq=BlqRules(first="drop"))
    r = _one([0, 1, 2, 3, 4], [0, 0, 8, 4, 2], settings)
    assert np.isnan(_value(r, "auclast"))
    assert r.reasons["auclast"][0] == (
        "no sample at the interval start (day 0); first sample at day 2 "
        "(PKNCA does not extrapolate backwards)"
    )


def test_middle_blq_dropped_by_default() -> None:
    # day 2 BLQ dropped: 0-1: 4, 1-3: 2(8+4)/2 = 12, 3-4: 3
    r = _one([0, 1, 2, 3, 4], [0, 8, 0, 4, 2], LINEAR)
    assert _value(r, "auclast") == 19.0


def test_middle_blq_kept_when_asked() -> None:
    settings = NcaSettings(auc_method="linear", conc_blq=BlqRules(middle="keep"))
    r = _one([0, 1, 2, 3, 4], [0, 8, 0, 4, 2], settings)
    # 0-1: 4, 1-2: 4, 2-3: 2, 3-4: 3
    assert _value(r, "auclast") == 13.0


def test_trailing_blq_sets_tlast_and_only_aucall_counts_the_triangle() -> None:
    r = _one([0, 1, 2, 3], [0, 8, 4, 0], LINEAR)
    assert _value(r, "tlast") == 2.0
    assert _value(r, "clast") == 4.0
    assert _value(r, "auclast") == 10.0  # 4 + 6
    assert _value(r, "aucall") == 12.0  # + (4 + 0)/2


def test_all_blq_profile_has_zero_cmax_clast_and_aucs() -> None:
    r = _one([0, 7, 14, 28], [0, 0, 0, 0])
    assert _value(r, "cmax") == 0.0
    assert _value(r, "clast") == 0.0
    assert _value(r, "auclast") == 0.0
    assert _value(r, "aucinf_obs") == 0.0
    assert _value(r, "auclast_partial") == 0.0
    assert _value(r, "aucint_partial") == 0.0
    assert np.isnan(_value(r, "tmax"))
    assert np.isnan(_value(r, "tlast"))
    assert r.reasons["lambda_z"][0] == "no quantifiable concentration (all BLQ)"


def test_two_quantifiable_points_give_no_lambda_z_with_reason() -> None:
    r = _one([0, 1, 2], [0, 8, 4], LINEAR)
    assert _value(r, "auclast") == 10.0
    assert np.isnan(_value(r, "lambda_z"))
    assert np.isnan(_value(r, "aucinf_obs"))
    assert r.reasons["lambda_z"][0] == (
        "too few points for half-life calculation (min_hl_points=3 "
        "with only 1 quantifiable points after Tmax)"
    )
    assert r.reasons["aucinf_obs"][0] == "lambda_z not calculated"


def test_two_point_half_life_allowed_with_min_hl_points_2() -> None:
    # PKNCA: with min.hl.points = 2 and exactly two points, the two-point line is used
    r = _one([0, 1, 2, 3], [0, 8, 4, 2], NcaSettings(min_hl_points=2))
    assert _value(r, "half_life") == pytest.approx(1.0, rel=1e-12)


def test_one_sample_auc_not_calculated() -> None:
    r = _one([0], [5])
    assert np.isnan(_value(r, "auclast"))
    assert r.reasons["auclast"][0] == (
        "AUC cannot be calculated with only one measured concentration"
    )


def test_missing_day28_sample_auclast_stops_at_day21_aucint_interpolates() -> None:
    # linear: 0-7: 7(0+1000)/2 = 3500, 7-14: 7(1000+100)/2 = 3850, 14-21: 7(100+10)/2 = 385
    # AUCint: C(28) = 10 + (7/14)(1 - 10) = 5.5; 21-28: 7(10 + 5.5)/2 = 54.25
    r = _one([0, 7, 14, 21, 28, 35], [0, 1000, 100, 10, None, 1], LINEAR)
    assert _value(r, "auclast_partial") == pytest.approx(7735.0, rel=1e-12)
    assert _value(r, "aucint_partial") == pytest.approx(7789.25, rel=1e-12)


def test_missing_day28_sample_aucint_log_interpolates_when_falling() -> None:
    # lin-log: 3500 + 7(900)/ln 10 + 7(90)/ln 10 to day 21; C(28) = 10 * 10^-0.5;
    # 21-28 log: 7(10 - C28)/ln(10/C28)
    r = _one([0, 7, 14, 21, 35], [0, 1000, 100, 10, 1])
    assert _value(r, "auclast_partial") == pytest.approx(6509.660759589536, rel=1e-12)
    assert _value(r, "aucint_partial") == pytest.approx(6551.234950723192, rel=1e-12)


def test_aucint_after_tlast_is_zero_extrapolation() -> None:
    # last quantifiable day 21, BLQ day 35: C(28) is 0 (PKNCA AUClast extrapolation)
    r = _one([0, 7, 14, 21, 35], [0, 1000, 100, 10, 0], LINEAR)
    assert _value(r, "aucint_partial") == pytest.approx(7735.0, rel=1e-12)


def test_day28_sample_present_both_conventions_agree() -> None:
    r = _one([0, 7, 14, 21, 28, 35], [0, 1000, 100, 10, 4, 1], LINEAR)
    # 7735 + 7(10 + 4)/2 = 7784
    assert _value(r, "auclast_partial") == pytest.approx(7784.0, rel=1e-12)
    assert _value(r, "aucint_partial") == pytest.approx(7784.0, rel=1e-12)


def test_second_peak_lambda_z_starts_after_the_trough() -> None:
    # Tmax day 1; trough 4 at day 2, second peak 8 at day 3, then halving every day.
    r = _one([0, 1, 2, 3, 4, 5, 6], [0, 10, 4, 8, 4, 2, 1])
    assert _value(r, "cmax") == 10.0
    assert _value(r, "tmax") == 1.0
    assert _value(r, "lambda_z_n_points") == 4
    assert _value(r, "lambda_z_time_first") == 3.0
    assert _value(r, "half_life") == pytest.approx(1.0, rel=1e-12)


def test_higher_second_peak_is_tmax() -> None:
    r = _one([0, 1, 2, 3, 4], [0, 10, 5, 12, 6])
    assert _value(r, "cmax") == 12.0
    assert _value(r, "tmax") == 3.0


def test_tmax_is_first_time_of_cmax() -> None:
    r = _one([0, 1, 2, 3], [0, 5, 5, 2])
    assert _value(r, "tmax") == 1.0
    assert _value(_one([0, 1, 2, 3], [0, 5, 5, 2], NcaSettings(first_tmax=False)), "tmax") == 2.0


def test_missing_value_is_dropped() -> None:
    # day 2 missing: 0-1: 4, 1-3: 2(8+4)/2 = 12
    r = _one([0, 1, 2, 3], [0, 8, None, 4], LINEAR)
    assert _value(r, "auclast") == 16.0


def test_samples_before_infusion_are_outside_the_interval() -> None:
    # baseline at day -3 is ignored; 0-1: 4, 1-2: 6
    r = _one([-3, 0, 1, 2], [50, 0, 8, 4], LINEAR)
    assert _value(r, "auclast") == 10.0
    assert _value(r, "cmax") == 8.0


def test_start_conc0_imputation_when_no_day0_sample() -> None:
    settings = NcaSettings(auc_method="linear", impute_start_conc0=True)
    r = _one([1, 2], [8, 4], settings)
    assert _value(r, "auclast") == 10.0  # 0-1: 4, 1-2: 6
    assert np.isnan(_value(_one([1, 2], [8, 4], LINEAR), "auclast"))


def test_acceptance_flags_keep_the_values() -> None:
    # exact decline with half-life 3 over days 2..6: span ratio 4/3 < 2; extrapolated area
    # C(6)/lambda_z is large relative to AUC0-6
    times = [0.0, 1, 2, 4, 6]
    concs: list[float | None] = [0.0] + [10 * 2 ** (-(t - 1) / 3) for t in times[1:]]
    r = _one(times, concs)
    assert r.flags[0] == ["span_ratio < 2", "aucpext_obs > 20%"]
    assert not np.isnan(_value(r, "half_life"))


def test_low_r_squared_flagged() -> None:
    r = _one([0, 1, 2, 3, 4, 5], [0, 10, 4, 6, 1, 3])
    assert _value(r, "r_squared") < 0.9
    assert "r_squared < 0.9" in r.flags[0]


def test_duplicate_times_are_an_error() -> None:
    with pytest.raises(InputError, match="strictly increasing times"):
        profiles_from_lists([[0, 1, 1, 2]], [[0, 5, 4, 2]])


def test_profile_without_any_value_has_reasons_not_a_crash() -> None:
    table = compute_nca(profiles_from_lists([[0, 1, 2], [0]], [[None, None, None], [None]]))
    assert np.isnan(table.values["cmax"]).all()
    assert table.reasons["lambda_z"].tolist() == ["no sample in the interval"] * 2
    assert table.reasons["auclast"].tolist() == ["no sample in the interval"] * 2


def test_no_profiles_give_an_empty_table() -> None:
    table = compute_nca(profiles_from_lists([], []))
    assert table.values["auclast"].shape == (0,)


def test_flat_terminal_phase_gives_no_lambda_z() -> None:
    # slope exactly 0 is not lambda_z > 0 (PKNCA rule 4); r2 is undefined for a flat line
    r = _one([0, 1, 2, 25], [215.806, 215.806, 215.806, 215.806])
    assert np.isnan(_value(r, "lambda_z"))
    assert r.reasons["lambda_z"][0] == (
        "no candidate fit with lambda_z > 0 within adj_r_squared_factor of the best adjusted r2"
    )


def test_single_blq_sample_has_no_auc() -> None:
    # PKNCA checks "only one measured concentration" before "all BLQ"
    r = _one([0], [0])
    assert np.isnan(_value(r, "auclast"))
    assert np.isnan(_value(r, "aucinf_obs"))
    assert _value(r, "cmax") == 0.0
