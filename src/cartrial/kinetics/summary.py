"""Summaries of NCA parameters by group (dose level, tumour type): n, geometric mean, CV%.

Statistics (as PKNCA's ``business.geomean``/``business.geocv`` and regulatory NCA
summary tables, e.g. FDA "Bioavailability Studies Submitted in NDAs or INDs",
2022, and Julious & Debarnot, J Biopharm Stat 2000 for the geometric CV):

- ``n``: profiles with a value; ``n_positive``: values > 0;
- geometric mean ``exp(mean(ln x))`` and geometric CV% ``100 sqrt(exp(s^2) - 1)``
  (``s`` the sample SD of ``ln x``, n - 1 denominator), over the values > 0 only:
  a zero (e.g. an all-BLQ profile's AUC) has no logarithm, so it is counted in
  ``n`` but not in ``n_positive`` and the geometric statistics;
- median, minimum and maximum over all values.

Times (Tmax, Tlast) get n, median and range only.

>>> import pandas as pd
>>> frame = pd.DataFrame({"dose_level": ["1", "1", "1"], "cmax": [1.0, 10.0, 100.0]})
>>> row = summarise_parameters(frame, by=["dose_level"], parameters=["cmax"]).iloc[0]
>>> round(float(row["geometric_mean"]), 9), float(row["median"])
(10.0, 10.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["SUMMARY_PARAMETERS", "TIME_PARAMETERS", "summarise_parameters"]

SUMMARY_PARAMETERS: tuple[str, ...] = (
    "cmax",
    "tmax",
    "tlast",
    "auclast",
    "auclast_partial",
    "aucint_partial",
    "aucinf_obs",
    "half_life",
)
TIME_PARAMETERS = frozenset({"tmax", "tlast", "lambda_z_time_first", "lambda_z_time_last"})


def _row(values: pd.Series, *, is_time: bool) -> dict[str, float | int]:
    x = values.dropna().to_numpy(dtype=float)
    positive = x[x > 0]
    out: dict[str, float | int] = {
        "n": int(x.size),
        "n_positive": int(positive.size),
        "geometric_mean": np.nan,
        "geometric_cv_pct": np.nan,
        "median": float(np.median(x)) if x.size else np.nan,
        "min": float(x.min()) if x.size else np.nan,
        "max": float(x.max()) if x.size else np.nan,
    }
    if not is_time and positive.size:
        logs = np.log(positive)
        out["geometric_mean"] = float(np.exp(logs.mean()))
        if positive.size >= 2:
            out["geometric_cv_pct"] = float(100.0 * np.sqrt(np.expm1(logs.std(ddof=1) ** 2)))
    return out


def summarise_parameters(
    results: pd.DataFrame,
    *,
    by: Sequence[str],
    parameters: Sequence[str] = SUMMARY_PARAMETERS,
) -> pd.DataFrame:
    """One row per group and parameter (long format), groups in sorted order."""
    rows: list[dict[str, object]] = []
    grouped = results.groupby(list(by), sort=True, dropna=False) if by else [((), results)]
    for key, part in grouped:
        labels = key if isinstance(key, tuple) else (key,)
        for name in parameters:
            record: dict[str, object] = dict(zip(by, labels, strict=True))
            record["parameter"] = name
            record.update(_row(part[name], is_time=name in TIME_PARAMETERS))
            rows.append(record)
    return pd.DataFrame(rows)
