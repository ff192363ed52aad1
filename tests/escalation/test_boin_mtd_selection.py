"""BOIN MTD selection: R BOIN's ``select.mtd`` rule as an option, and its printed table.

References: R package BOIN ``select.mtd`` (Yan et al., J Stat Softw 2020;94(13)):
PAVA on (y + 0.05)/(n + 0.1) with weights 1/var, var = (y + 0.05)(n - y + 0.05) /
((n + 0.1)^2 (n + 1.1)); 95% interval and P(overdose) from Beta(0.05 + y,
0.05 + n - y). The numbers below are worked by hand from those formulas
(scipy's beta quantiles only for the posterior tails).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.stats import beta
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.escalation.boin import Boin
from cartrial.escalation.designs import DesignOptions, build_design
from cartrial.escalation.isotonic import select_mtd_isotonic
from cartrial.escalation.mtd_summary import summarise_mtd

# n = (3, 3, 3), y = (0, 2, 0), target 0.3.
# patients: y/n = (0, 2/3, 0) weighted by 3 -> levels 2-3 pool to 2/6 = 1/3 (>= target:
#   the lowest tied level) -> MTD 2.
# R BOIN: phat = (0.05/3.1, 2.05/3.1, 0.05/3.1); var = (0.1525, 2.1525, 0.1525) / (3.1^2 x 4.1);
#   weights w = 1/var = (18.3047, 258.367) at levels 2-3, which violate the order and pool to
#   (18.3047 x 0.661290 + 258.367 x 0.016129) / 276.672 = 16.2719 / 276.672 = 0.058813,
#   below the target: the highest tied level -> MTD 3.
N, Y = [3, 3, 3], [0, 2, 0]
W2, W3 = 3.1**2 * 4.1 / 2.1525, 3.1**2 * 4.1 / 0.1525
POOLED = (W2 * 2.05 / 3.1 + W3 * 0.05 / 3.1) / (W2 + W3)


def test_hand_computed_pooled_estimate() -> None:
    assert pytest.approx(0.058813, abs=1e-6) == POOLED


def test_patient_weights_and_r_boin_weights_select_different_levels() -> None:
    n, y = np.array([N]), np.array([Y])
    sel, est = select_mtd_isotonic(n=n, y=y, target=0.3)
    assert int(sel[0]) == 2
    assert est[0].tolist() == pytest.approx([0.0, 1 / 3, 1 / 3], abs=1e-12)
    sel, est = select_mtd_isotonic(n=n, y=y, target=0.3, estimator="r_boin")
    assert int(sel[0]) == 3
    assert est[0].tolist() == pytest.approx([0.05 / 3.1, POOLED, POOLED], abs=1e-12)


def test_boin_design_option_selects_with_r_boin_rule() -> None:
    design = Boin(n_levels=3, target=0.3, max_sample_size=9, mtd_estimator="r_boin")
    assert design.select_mtd(np.array([N]), np.array([Y])).tolist() == [3]
    built = build_design(
        "boin",
        n_levels=3,
        target=0.3,
        cohort_size=3,
        n_cohorts=3,
        start_level=1,
        options=DesignOptions(mtd_estimator="r_boin"),
    )
    assert built.select_mtd(np.array([N]), np.array([Y])).tolist() == [3]
    assert Boin(n_levels=3, target=0.3).select_mtd(np.array([N]), np.array([Y])).tolist() == [2]


def test_select_mtd_table_as_r_boin_prints_it() -> None:
    # R BOIN's documented select.mtd example: n = (3, 3, 15, 9, 0), y = (0, 0, 4, 4, 0).
    # Posterior means (0.05/3.1, 0.05/3.1, 4.05/15.1, 4.05/9.1) are already increasing,
    # so PAVA leaves them; MTD: 4.05/15.1 = 0.268 is closest to 0.3 -> level 3.
    result = summarise_mtd(n=[3, 3, 15, 9, 0], y=[0, 0, 4, 4, 0], target=0.3, estimator="r_boin")
    assert result.mtd_level == 3
    expected_mean = [0.05 / 3.1, 0.05 / 3.1, 4.05 / 15.1, 4.05 / 9.1]
    params = [(0.05, 3.05), (0.05, 3.05), (4.05, 11.05), (4.05, 5.05)]
    for row, mean, (a, b) in zip(result.levels, expected_mean, params, strict=False):
        assert row.posterior_estimate == pytest.approx(mean, abs=1e-12)
        assert row.isotonic_estimate == pytest.approx(mean, abs=1e-12)
        assert row.ci_low == pytest.approx(beta.ppf(0.025, a, b), abs=1e-12)
        assert row.ci_high == pytest.approx(beta.ppf(0.975, a, b), abs=1e-12)
        assert row.p_overdose == pytest.approx(beta.sf(0.3, a, b), abs=1e-12)
    # printed to 2 decimals as select.mtd does: 0.02, 0.02, 0.27, 0.45
    assert [f"{r.posterior_estimate:.2f}" for r in result.levels[:4]] == [
        "0.02",
        "0.02",
        "0.27",
        "0.45",
    ]
    untreated = result.levels[4]
    assert untreated.posterior_estimate is None and untreated.p_overdose is None


def test_p_overdose_is_made_non_decreasing_by_pava() -> None:
    # level 1: 2/3 DLTs, level 2: 0/3: raw P(p > 0.3) = (sf(2.05, 1.05), sf(0.05, 3.05)),
    # decreasing, so (unweighted) PAVA gives both their mean.
    result = summarise_mtd(n=[3, 3], y=[2, 0], target=0.3)
    raw = [beta.sf(0.3, 2.05, 1.05), beta.sf(0.3, 0.05, 3.05)]
    assert raw[0] > raw[1]
    both = (raw[0] + raw[1]) / 2
    assert [r.p_overdose for r in result.levels] == pytest.approx([both, both], abs=1e-12)


def test_cli_select_mtd_prints_the_select_mtd_table() -> None:
    result = CliRunner().invoke(
        app,
        [
            "escalation",
            "select-mtd",
            "--target",
            "0.3",
            "--n",
            "3,3,3",
            "--dlt",
            "0,2,0",
            "--estimator",
            "r_boin",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["mtd_level"] == 3
    assert payload["estimator"] == "r_boin"
    assert payload["levels"][1]["isotonic_estimate"] == pytest.approx(POOLED, abs=1e-6)
    assert {"ci_low", "ci_high", "p_overdose"} <= set(payload["levels"][0])
