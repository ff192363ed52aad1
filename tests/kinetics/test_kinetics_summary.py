"""Group summaries: geometric mean and CV% against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartrial.kinetics.summary import summarise_parameters


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dose_level": ["DL1", "DL1", "DL1", "DL2", "DL2", "DL2"],
            "tumour_type": ["meso", "ovarian", "meso", "meso", "meso", "ovarian"],
            "cmax": [1.0, 10.0, 100.0, 2.0, 8.0, 0.0],
            "tmax": [7.0, 14.0, 10.0, 7.0, np.nan, np.nan],
        }
    )


def test_geometric_mean_and_cv_by_dose_level() -> None:
    out = summarise_parameters(_frame(), by=["dose_level"], parameters=["cmax", "tmax"])
    dl1 = out[(out["dose_level"] == "DL1") & (out["parameter"] == "cmax")].iloc[0]
    # exp(mean(ln 1, ln 10, ln 100)) = 10; s = ln 10; 100 sqrt(exp(s^2) - 1)
    assert dl1["geometric_mean"] == pytest.approx(10.0, rel=1e-12)
    assert dl1["geometric_cv_pct"] == pytest.approx(1413.214182247441, rel=1e-12)
    assert (dl1["median"], dl1["min"], dl1["max"]) == (10.0, 1.0, 100.0)


def test_zero_counts_in_n_but_not_in_geometric_statistics() -> None:
    out = summarise_parameters(_frame(), by=["dose_level"], parameters=["cmax"])
    dl2 = out[out["dose_level"] == "DL2"].iloc[0]
    # geometric over 2 and 8: mean 4; s = sqrt(2) ln 2
    assert (dl2["n"], dl2["n_positive"]) == (3, 2)
    assert dl2["geometric_mean"] == pytest.approx(4.0, rel=1e-12)
    assert dl2["geometric_cv_pct"] == pytest.approx(127.0458112416619, rel=1e-12)
    assert dl2["median"] == 2.0


def test_tmax_gets_median_and_range_only() -> None:
    out = summarise_parameters(_frame(), by=["tumour_type"], parameters=["tmax"])
    meso = out[out["tumour_type"] == "meso"].iloc[0]
    assert (meso["n"], meso["median"], meso["min"], meso["max"]) == (3, 7.0, 7.0, 10.0)
    assert np.isnan(meso["geometric_mean"])
