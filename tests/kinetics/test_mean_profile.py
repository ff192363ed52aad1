"""The geometric mean profile (kinetics/mean_profile.py): its t interval, computed by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartrial.kinetics.mean_profile import compute_geometric_mean_profile


def _samples() -> pd.DataFrame:
    rows = []
    for subject, dose, scale in (("S1", "DL1", 10.0), ("S2", "DL1", 100.0), ("S3", "DL1", 1000.0)):
        for day, factor in ((0, 0.0), (7, 1.0), (14, 0.5), (28, 0.05)):
            rows.append(
                {
                    "subject": subject,
                    "analyte": "car_copies",
                    "matrix": "blood",
                    "dose_level": dose,
                    "nominal_day": float(day),
                    "time": float(day),
                    "conc": scale * factor if scale * factor >= 1 else 0.0,
                    "lloq": 1.0,
                    "unit": "copies/ug gDNA",
                }
            )
    return pd.DataFrame(rows)


def test_geometric_mean_profile_t_interval_on_log_values() -> None:
    table = compute_geometric_mean_profile(_samples())
    day7 = table[table["nominal_day"] == 7].iloc[0]
    # 10, 100, 1000: geometric mean 100; s = ln 10; t(0.975, 2) = 4.3026527;
    # CI = 100 exp(-+ 4.3026527 ln 10 / sqrt 3)
    assert day7["geometric_mean"] == pytest.approx(100.0, rel=1e-12)
    assert day7["ci_lower"] == pytest.approx(0.3279912728775662, rel=1e-9)
    assert day7["ci_upper"] == pytest.approx(30488.61609111423, rel=1e-9)
    day0 = table[table["nominal_day"] == 0].iloc[0]
    assert (day0["n_quantified"], day0["n_blq"]) == (0, 3)
    assert np.isnan(day0["geometric_mean"])
