"""Serum cytokines after CAR-T infusion: baseline, peak, fold change, time to peak.

The protocols (NCT05783089) measure IP-10, IFN-gamma, IL-6, IL-10, TNF-alpha and
GM-CSF to follow CAR-T activation and cytokine release syndrome (CRS). Rules,
per subject and cytokine (the conventions of CAR-T cytokine reports, e.g.
Teachey DT et al., Cancer Discov 2016;6:664-679, peak and fold change from
baseline):

1. Baseline: the last value before infusion (day < 0, or day 0 when the
   sample is pre-infusion, which is how the protocols schedule it).
2. Peak: the highest value after infusion (day > 0); time to peak: the first day
   it is reached.
3. Fold change: peak / baseline; not calculated (with the reason) when the baseline
   is missing or 0.

Values are in pg/mL (``ng/L`` is the same; ``ng/mL`` x 1000); another unit is an error.
Units are read case-sensitively, the litre as ``L`` or ``l`` (:mod:`cartrial.units`).

>>> import pandas as pd
>>> frame = pd.DataFrame({"subject": "S1", "cytokine": "il6", "day": [0.0, 2, 5],
...     "value": [4.0, 400, 80], "unit": "pg/mL"})
>>> row = derive_cytokine_kinetics(frame).iloc[0]
>>> float(row["fold_change"]), float(row["time_to_peak"])
(100.0, 2.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cartrial.errors import InputError
from cartrial.units import normalise_unit, spelling_index

__all__ = ["CYTOKINES", "UNITS", "derive_cytokine_kinetics", "summarise_by_crs_grade"]

CYTOKINES: dict[str, str] = {
    "ip10": "IP-10 (CXCL10)",
    "ifng": "IFN-gamma",
    "il6": "IL-6",
    "il10": "IL-10",
    "tnfa": "TNF-alpha",
    "gmcsf": "GM-CSF",
}
_UNITS = {"pg/mL": 1.0, "ng/L": 1.0, "ng/mL": 1000.0}
#: The accepted units -> the factor to pg/mL (module docstring).
UNITS = _UNITS
# Case-sensitive keys (cartrial.units): "pg/ml" is pg/mL, "PG/ML" is refused.
_FACTORS = {key: _UNITS[spelled] for key, spelled in spelling_index(_UNITS).items()}


def _validate(samples: pd.DataFrame) -> pd.DataFrame:
    required = ("subject", "cytokine", "day", "value", "unit")
    missing = [c for c in required if c not in samples.columns]
    if missing:
        raise InputError("columns", sorted(samples.columns), "columns " + ", ".join(missing))
    frame = samples.copy()
    frame["cytokine"] = frame["cytokine"].astype(str).str.strip().str.lower()
    frame["cytokine"] = frame["cytokine"].str.replace(r"[\s_-]+", "", regex=True)
    for i, (name, unit) in enumerate(zip(frame["cytokine"], frame["unit"], strict=True)):
        if name not in CYTOKINES:
            raise InputError(
                "cytokine", name, "one of " + ", ".join(CYTOKINES), source=f"row {i + 1}"
            )
        if normalise_unit(str(unit)) not in _FACTORS:
            raise InputError("unit", unit, "pg/mL, ng/L or ng/mL", source=f"row {i + 1}")
    value = pd.to_numeric(frame["value"], errors="coerce")
    day = pd.to_numeric(frame["day"], errors="coerce")
    for column, parsed in (("value", value), ("day", day)):
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size:
            row = int(bad[0])
            raise InputError(column, frame[column].iloc[row], "a number", source=f"row {row + 1}")
    negative = np.flatnonzero((value < 0).to_numpy())
    if negative.size:
        row = int(negative[0])
        raise InputError("value", frame["value"].iloc[row], "a value >= 0", source=f"row {row + 1}")
    frame["day"] = day.astype(float)
    frame["value"] = value.astype(float) * frame["unit"].map(
        lambda u: _FACTORS[normalise_unit(str(u))]
    )
    return frame


def derive_cytokine_kinetics(samples: pd.DataFrame) -> pd.DataFrame:
    """One row per subject and cytokine: baseline, peak, time to peak, fold change, reason."""
    frame = _validate(samples).sort_values(["subject", "cytokine", "day"], kind="stable")
    rows: list[dict[str, object]] = []
    for (subject, cytokine), part in frame.groupby(["subject", "cytokine"], sort=True):
        before = part[part["day"] <= 0]
        after = part[part["day"] > 0]
        baseline = float(before["value"].iloc[-1]) if len(before) else np.nan
        peak = float(after["value"].max()) if len(after) else np.nan
        ttp = (
            float(after["day"].iloc[int(np.argmax(after["value"].to_numpy()))])
            if len(after)
            else np.nan
        )
        reason = ""
        fold = np.nan
        if np.isnan(baseline):
            reason = "no pre-infusion value (baseline missing)"
        elif baseline == 0:
            reason = "baseline is 0: fold change undefined"
        elif np.isnan(peak):
            reason = "no value after infusion"
        else:
            fold = peak / baseline
        rows.append(
            {
                "subject": subject,
                "cytokine": cytokine,
                "baseline": baseline,
                "peak": peak,
                "time_to_peak": ttp,
                "fold_change": fold,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)


def summarise_by_crs_grade(kinetics: pd.DataFrame, crs: pd.DataFrame) -> pd.DataFrame:
    """Per cytokine and maximum CRS grade: n, median (min-max) of peak and fold change.

    ``crs`` has one row per subject: ``subject``, ``crs_grade`` (ASTCT 0-5).
    """
    merged = kinetics.merge(crs[["subject", "crs_grade"]], on="subject", how="left")
    rows: list[dict[str, object]] = []
    for (cytokine, grade), part in merged.groupby(["cytokine", "crs_grade"], sort=True):
        peak = part["peak"].dropna()
        fold = part["fold_change"].dropna()
        rows.append(
            {
                "cytokine": cytokine,
                "crs_grade": grade,
                "n": len(part),
                "peak_median": float(peak.median()) if len(peak) else np.nan,
                "peak_min": float(peak.min()) if len(peak) else np.nan,
                "peak_max": float(peak.max()) if len(peak) else np.nan,
                "fold_change_median": float(fold.median()) if len(fold) else np.nan,
                "fold_change_min": float(fold.min()) if len(fold) else np.nan,
                "fold_change_max": float(fold.max()) if len(fold) else np.nan,
            }
        )
    return pd.DataFrame(rows)
