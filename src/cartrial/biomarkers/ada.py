"""Anti-drug antibodies (ADA) against the CAR: baseline, treatment-emergent, boosted.

Terms (Shankar G et al., "Assessment and reporting of the clinical immunogenicity
of therapeutic proteins and peptides - harmonized terminology and tactical
recommendations", AAPS J 2014;16:658-673; FDA guidance "Immunogenicity Testing of
Therapeutic Protein Products", 2019):

1. Baseline: the last result at or before day 0 (pre-infusion).
2. ADA-positive at baseline: that result is positive.
3. Treatment-emergent (Shankar's "treatment-induced"): negative at baseline and
   positive at any time after infusion; time to first positive = first such day.
4. Treatment-boosted: positive at baseline and a titre after infusion at least
   ``boost_factor`` (default 4, a setting) times the baseline titre; time = first
   such day. A boosted call needs both titres; without them the subject is "not
   evaluable for boosting", with that reason.
5. A subject without a baseline or without any result after infusion is not
   evaluable (reason given) and is left out of the denominators.

>>> import pandas as pd
>>> frame = pd.DataFrame({"subject": "S1", "day": [0.0, 28, 56],
...     "result": ["negative", "negative", "positive"]})
>>> row = assess_ada(frame).iloc[0]
>>> bool(row["treatment_emergent"]), float(row["time_to_first_positive"])
(True, 56.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cartrial.errors import InputError

__all__ = ["assess_ada", "summarise_ada"]

_RESULTS = {"positive": True, "pos": True, "+": True, "negative": False, "neg": False, "-": False}


def _validate(samples: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("subject", "day", "result") if c not in samples.columns]
    if missing:
        raise InputError("columns", sorted(samples.columns), "columns " + ", ".join(missing))
    frame = samples.copy()
    if "titre" not in frame.columns:
        frame["titre"] = np.nan
    text = frame["result"].astype(str).str.strip().str.lower()
    bad = np.flatnonzero(~text.isin(list(_RESULTS)).to_numpy())
    if bad.size:
        row = int(bad[0])
        raise InputError(
            "result", frame["result"].iloc[row], "positive or negative", source=f"row {row + 1}"
        )
    frame["positive"] = text.map(_RESULTS).astype(bool)
    day = pd.to_numeric(frame["day"], errors="coerce")
    titre_text = frame["titre"].astype(object).fillna("").astype(str).str.strip().str.lower()
    titre = pd.to_numeric(frame["titre"], errors="coerce")
    for column, bad_mask in (
        ("day", day.isna()),
        ("titre", titre.isna() & ~titre_text.isin(["", "nan", "none"])),
    ):
        bad = np.flatnonzero(bad_mask.to_numpy())
        if bad.size:
            row = int(bad[0])
            raise InputError(column, frame[column].iloc[row], "a number", source=f"row {row + 1}")
    frame["day"] = day.astype(float)
    frame["titre"] = titre.astype(float)
    return frame


def assess_ada(samples: pd.DataFrame, *, boost_factor: float = 4.0) -> pd.DataFrame:
    """One row per subject: baseline status, treatment-emergent, boosted, time, reason."""
    if boost_factor <= 1:
        raise InputError("boost_factor", boost_factor, "a factor > 1")
    frame = _validate(samples).sort_values(["subject", "day"], kind="stable")
    rows: list[dict[str, object]] = []
    for subject, part in frame.groupby("subject", sort=True):
        before = part[part["day"] <= 0]
        after = part[part["day"] > 0]
        row: dict[str, object] = {
            "subject": subject,
            "evaluable": False,
            "baseline_positive": None,
            "treatment_emergent": False,
            "treatment_boosted": False,
            "time_to_first_positive": np.nan,
            "reason": "",
        }
        if before.empty or after.empty:
            row["reason"] = "no baseline result" if before.empty else "no result after infusion"
            rows.append(row)
            continue
        base = before.iloc[-1]
        row["evaluable"] = True
        row["baseline_positive"] = bool(base["positive"])
        if not base["positive"]:
            hits = after[after["positive"]]
            if len(hits):
                row["treatment_emergent"] = True
                row["time_to_first_positive"] = float(hits["day"].iloc[0])
        elif np.isnan(base["titre"]) or after["titre"].isna().all():
            row["reason"] = "not evaluable for boosting: titres missing"
        else:
            boosted = after[after["titre"] >= boost_factor * float(base["titre"])]
            if len(boosted):
                row["treatment_boosted"] = True
                row["time_to_first_positive"] = float(boosted["day"].iloc[0])
        rows.append(row)
    return pd.DataFrame(rows)


def summarise_ada(assessed: pd.DataFrame) -> dict[str, float | int]:
    """Counts and percentages over the evaluable subjects (rule 5)."""
    evaluable = assessed[assessed["evaluable"]]
    n = len(evaluable)

    def pct(k: int) -> float:
        return 100.0 * k / n if n else float("nan")

    base = int(evaluable["baseline_positive"].astype(bool).sum())
    emergent = int(evaluable["treatment_emergent"].sum())
    boosted = int(evaluable["treatment_boosted"].sum())
    return {
        "n_subjects": len(assessed),
        "n_evaluable": n,
        "n_baseline_positive": base,
        "pct_baseline_positive": pct(base),
        "n_treatment_emergent": emergent,
        "pct_treatment_emergent": pct(emergent),
        "n_treatment_boosted": boosted,
        "pct_treatment_boosted": pct(boosted),
    }
