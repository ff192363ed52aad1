"""Exposure-response against textbook closed forms (2x2 odds ratio, Spearman by hand)."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from cartrial.biomarkers.exposure_response import (
    compute_exposure_response,
    derive_outcomes,
)
from cartrial.report.figures.exposure_response import plot_exposure_by_outcome


def _two_level_data() -> pd.DataFrame:
    # exposure 10 (log10 = 1): 2 events, 4 non-events; exposure 100 (log10 = 2): 5 and 2
    low = [(10.0, 1)] * 2 + [(10.0, 0)] * 4
    high = [(100.0, 1)] * 5 + [(100.0, 0)] * 2
    return pd.DataFrame(low + high + [(0.0, 1)], columns=["cmax", "crs_grade_ge2"])


def test_logistic_odds_ratio_equals_cross_product_ratio_for_two_exposure_levels() -> None:
    # one log10 unit apart: OR = (5/2)/(2/4) = 5; SE(ln OR) = sqrt(1/2 + 1/4 + 1/5 + 1/2)
    r = compute_exposure_response(_two_level_data(), exposure="cmax", outcome="crs_grade_ge2")
    assert r.odds_ratio_per_10fold == pytest.approx(5.0, rel=1e-6)
    assert r.ci_lower == pytest.approx(0.4720495799470353, rel=1e-5)
    assert r.ci_upper == pytest.approx(52.960538600214505, rel=1e-5)
    assert (r.n, r.n_events, r.n_excluded) == (13, 7, 1)  # exposure 0 has no logarithm


def test_spearman_rho_with_ties_by_hand() -> None:
    # ranks x 1..5, ranks y (ties averaged) 2, 2, 4.5, 2, 4.5: rho = 5 / sqrt(10 * 7.5)
    data = pd.DataFrame({"auc": [1.0, 2, 3, 4, 5], "icans": [0, 0, 1, 0, 1]})
    r = compute_exposure_response(data, exposure="auc", outcome="icans")
    assert r.spearman_rho == pytest.approx(5 / math.sqrt(75), rel=1e-12)


def test_perfect_separation_is_reported_not_estimated() -> None:
    data = pd.DataFrame({"auc": [1.0, 2, 3, 4], "icans": [0, 0, 1, 1]})
    r = compute_exposure_response(data, exposure="auc", outcome="icans")
    assert math.isnan(r.odds_ratio_per_10fold)
    assert r.reason == "not estimable: the outcome is perfectly separated by exposure (no MLE)"


def test_outcomes_crs_grade_2_icans_any_grade_response_cr_or_pr() -> None:
    clinical = pd.DataFrame(
        {
            "subject": ["S1", "S2", "S3"],
            "crs_grade": [1, 2, 3],
            "icans_grade": [0, 1, 0],
            "bor": ["SD", "CR", "PD"],
        }
    )
    out = derive_outcomes(clinical)
    assert out["crs_grade_ge2"].tolist() == [0.0, 1.0, 1.0]
    assert out["icans"].tolist() == [0.0, 1.0, 0.0]
    assert out["objective_response"].tolist() == [0.0, 1.0, 0.0]


def test_box_strip_plot_written(tmp_path: Path) -> None:
    path = plot_exposure_by_outcome(
        _two_level_data(), exposure="cmax", outcome="crs_grade_ge2", path=tmp_path / "er.png"
    )
    assert path.stat().st_size > 1000
