"""Kinetics figures (report/figures/kinetics.py): each is written as a PNG file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartrial.kinetics.ck_fit import fit_ck_model
from cartrial.report.figures.kinetics import plot_ck_fit, plot_mean_profile, plot_spaghetti


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


def test_figures_are_written(tmp_path: Path) -> None:
    samples = _samples()
    assert plot_spaghetti(samples, tmp_path / "spaghetti.png").stat().st_size > 1000
    assert plot_mean_profile(samples, tmp_path / "mean.png").stat().st_size > 1000
    t = np.array([0, 1, 4, 7, 10, 14, 21, 28, 56.0])
    c = np.array([0, 20, 900, 8000, 30000, 9000, 2000, 900, 0.0])
    fit = fit_ck_model(t, c, 50.0)
    assert plot_ck_fit(fit, t, c, 50.0, tmp_path / "fit.png").stat().st_size > 1000
