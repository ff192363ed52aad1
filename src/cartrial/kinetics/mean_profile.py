"""The geometric mean concentration profile by group and nominal day, with its t interval.

Rule: the quantified samples at each nominal day (BLQ samples are counted, never used as a
number); the confidence interval is ``exp(mean(ln x) +/- t(1 - a/2, n - 1) s / sqrt(n))``,
the t interval of the log values back-transformed (Julious & Debarnot, J Biopharm Stat
2000). Drawn by :func:`cartrial.report.figures.kinetics.plot_mean_profile`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["compute_geometric_mean_profile", "select_samples"]


def select_samples(samples: pd.DataFrame, analyte: str, matrix: str) -> pd.DataFrame:
    """The samples of one analyte in one matrix that have a result (BLQ is 0, kept)."""
    part = samples[(samples["analyte"] == analyte) & (samples["matrix"] == matrix)]
    return part[~part["conc"].isna()]


def compute_geometric_mean_profile(
    samples: pd.DataFrame,
    *,
    analyte: str = "car_copies",
    matrix: str = "blood",
    by: str = "dose_level",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per group and nominal day: n quantified, n BLQ, geometric mean and its CI (module rule).

    >>> frame = pd.DataFrame({"analyte": "car_copies", "matrix": "blood", "dose_level": "1",
    ...     "nominal_day": 7.0, "time": 7.0, "conc": [10.0, 1000.0, 0.0]})
    >>> row = compute_geometric_mean_profile(frame).iloc[0]
    >>> float(round(row["geometric_mean"], 9)), int(row["n_quantified"]), int(row["n_blq"])
    (100.0, 2, 1)
    """
    data = select_samples(samples, analyte, matrix).copy()
    data["day"] = data["nominal_day"].where(~data["nominal_day"].isna(), data["time"])
    rows: list[dict[str, object]] = []
    for (group, _), part in data.groupby([by, "day"], sort=True):
        values = part["conc"].to_numpy(dtype=float)
        logs = np.log(values[values > 0])
        n = int(logs.size)
        row: dict[str, object] = {
            by: group,
            "nominal_day": float(part["day"].iloc[0]),
            "n_quantified": n,
            "n_blq": int((values == 0).sum()),
            "geometric_mean": float(np.exp(logs.mean())) if n else np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
        }
        if n >= 2:
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * logs.std(ddof=1) / np.sqrt(n)
            row["ci_lower"] = float(np.exp(logs.mean() - half))
            row["ci_upper"] = float(np.exp(logs.mean() + half))
        rows.append(row)
    return pd.DataFrame(rows)
