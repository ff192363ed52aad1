"""Cytokine kinetics and ADA categories on hand-made subjects (Shankar et al. 2014 terms)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cartrial.biomarkers.ada import assess_ada, summarise_ada
from cartrial.biomarkers.cytokines import derive_cytokine_kinetics, summarise_by_crs_grade
from cartrial.errors import InputError


def _cytokines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": ["S1"] * 4 + ["S2"] * 3,
            "cytokine": ["IL-6", "IL-6", "IL-6", "IL-6", "IFN_g", "ifng", "ifng"],
            "day": [-5, 0, 3, 7, 0, 2, 4],
            "value": [9.0, 5.0, 500.0, 50.0, 0.0, 0.02, 0.01],
            "unit": ["pg/mL"] * 4 + ["ng/mL"] * 3,
        }
    )


def test_baseline_is_last_pre_infusion_value_and_fold_change_from_it() -> None:
    out = derive_cytokine_kinetics(_cytokines()).set_index(["subject", "cytokine"])
    il6 = out.loc[("S1", "il6")]
    assert (il6["baseline"], il6["peak"], il6["time_to_peak"]) == (5.0, 500.0, 3.0)
    assert il6["fold_change"] == 100.0


def test_zero_baseline_gives_reason_not_infinite_fold_change() -> None:
    out = derive_cytokine_kinetics(_cytokines()).set_index(["subject", "cytokine"])
    ifng = out.loc[("S2", "ifng")]
    assert ifng["peak"] == pytest.approx(20.0)  # 0.02 ng/mL = 20 pg/mL
    assert math.isnan(ifng["fold_change"])
    assert ifng["reason"] == "baseline is 0: fold change undefined"


def test_unknown_cytokine_is_an_error_naming_the_row() -> None:
    frame = _cytokines()
    frame.loc[2, "cytokine"] = "IL-2"
    with pytest.raises(InputError, match=r"row 3: field 'cytokine'"):
        derive_cytokine_kinetics(frame)


def test_summary_by_crs_grade_medians() -> None:
    kinetics = derive_cytokine_kinetics(_cytokines())
    crs = pd.DataFrame({"subject": ["S1", "S2"], "crs_grade": [2, 0]})
    out = summarise_by_crs_grade(kinetics, crs)
    row = out[(out["cytokine"] == "il6") & (out["crs_grade"] == 2)].iloc[0]
    assert (row["n"], row["peak_median"], row["fold_change_median"]) == (1, 500.0, 100.0)


def _ada() -> pd.DataFrame:
    rows = [
        ("S1", 0, "negative", None),
        ("S1", 28, "positive", 40),  # treatment-emergent at day 28
        ("S2", -3, "positive", 20),
        ("S2", 28, "positive", 40),  # 2-fold: not boosted
        ("S2", 56, "positive", 80),  # 4-fold: boosted at day 56
        ("S3", 0, "positive", 20),
        ("S3", 28, "positive", 20),
        ("S4", 0, "negative", None),
        ("S4", 28, "negative", None),
        ("S5", 28, "positive", 10),  # no baseline: not evaluable
    ]
    return pd.DataFrame(rows, columns=["subject", "day", "result", "titre"])


def test_ada_categories_and_time_to_first_positive() -> None:
    out = assess_ada(_ada()).set_index("subject")
    assert bool(out.loc["S1", "treatment_emergent"])
    assert out.loc["S1", "time_to_first_positive"] == 28.0
    assert bool(out.loc["S2", "treatment_boosted"])
    assert out.loc["S2", "time_to_first_positive"] == 56.0
    assert not bool(out.loc["S3", "treatment_boosted"])
    assert out.loc["S5", "reason"] == "no baseline result"


def test_boost_factor_is_a_setting() -> None:
    out = assess_ada(_ada(), boost_factor=2.0).set_index("subject")
    assert out.loc["S2", "time_to_first_positive"] == 28.0


def test_ada_summary_percentages_over_evaluable_subjects() -> None:
    summary = summarise_ada(assess_ada(_ada()))
    # evaluable S1-S4: baseline positive S2, S3; emergent S1; boosted S2
    assert summary["n_evaluable"] == 4
    assert (summary["n_baseline_positive"], summary["pct_baseline_positive"]) == (2, 50.0)
    assert (summary["n_treatment_emergent"], summary["pct_treatment_emergent"]) == (1, 25.0)
    assert (summary["n_treatment_boosted"], summary["pct_treatment_boosted"]) == (1, 25.0)


def test_cytokine_units_are_case_sensitive_with_the_litre_in_either_case() -> None:
    frame = _cytokines()
    frame["unit"] = ["pg/ml"] * 4 + ["ng/ml"] * 3
    out = derive_cytokine_kinetics(frame).set_index(["subject", "cytokine"])
    assert out.loc[("S2", "ifng")]["peak"] == pytest.approx(20.0)  # 0.02 ng/ml
    frame.loc[1, "unit"] = "PG/ML"  # petagram per megalitre is no cytokine unit
    with pytest.raises(InputError, match=r"row 2: field 'unit': got 'PG/ML'"):
        derive_cytokine_kinetics(frame)
