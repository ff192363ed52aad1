"""cartrial's NCA agrees with PKNCA 0.12.1 on R's Theoph data (tests/data/README.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cartrial.kinetics.nca import compute_nca
from cartrial.kinetics.profiles import Profiles, profiles_from_lists
from cartrial.kinetics.settings import NcaSettings

DATA = Path(__file__).resolve().parents[1] / "data"

# PKNCA parameter name -> cartrial parameter name ([0, Inf) unless suffixed _0_24)
PKNCA_NAMES = {
    "cmax": "cmax",
    "tmax": "tmax",
    "tlast": "tlast",
    "clast.obs": "clast",
    "auclast": "auclast",
    "aucall": "aucall",
    "aucinf.obs": "aucinf_obs",
    "aucpext.obs": "aucpext_obs",
    "half.life": "half_life",
    "lambda.z": "lambda_z",
    "r.squared": "r_squared",
    "adj.r.squared": "adj_r_squared",
    "lambda.z.n.points": "lambda_z_n_points",
    "lambda.z.time.first": "lambda_z_time_first",
    "lambda.z.time.last": "lambda_z_time_last",
    "clast.pred": "clast_pred",
    "span.ratio": "span_ratio",
    "auclast_0_24": "auclast_partial",
    "aucint.last_0_24": "aucint_partial",
    "aucall_0_24": "aucall_partial",
}


def _theoph() -> Profiles:
    frame = pd.read_csv(DATA / "theoph.csv")
    subjects = [str(s) for s in sorted(frame["Subject"].unique())]
    rows = [frame[frame["Subject"] == int(s)].sort_values("Time") for s in subjects]
    return profiles_from_lists(
        [r["Time"].tolist() for r in rows],
        [r["conc"].tolist() for r in rows],
        subjects=subjects,
    )


def _reference() -> dict[str, Any]:
    return dict(json.loads((DATA / "pknca_theoph.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("pknca_method", "method"), [("lin up/log down", "lin-log"), ("linear", "linear")]
)
def test_nca_matches_pknca_on_theoph(pknca_method: str, method: str) -> None:
    reference = _reference()["results_explicit"][pknca_method]
    result = compute_nca(_theoph(), NcaSettings(auc_method=method, partial_end=24.0))
    assert result.keys["subject"].tolist() == [r["subject"] for r in reference]
    compared = 0
    for i, record in enumerate(reference):
        for pknca_name, name in PKNCA_NAMES.items():
            expected = record[pknca_name]
            ours = float(result.values[name][i])
            if expected is None:
                assert np.isnan(ours), (record["subject"], name)
            else:
                assert ours == pytest.approx(expected, rel=1e-6), (record["subject"], name)
                compared += 1
    assert compared == 12 * len(PKNCA_NAMES)


def test_nca_matches_pknca_automatic_single_dose_run_on_theoph() -> None:
    # PKNCA's own automatic intervals and default options: [0, 24] auclast and
    # [0, Inf) cmax, tmax, half-life (with its fit) and aucinf.obs.
    auto = _reference()["results_auto_long"]
    result = compute_nca(_theoph(), NcaSettings(partial_end=24.0))
    row_of = {s: i for i, s in enumerate(result.keys["subject"])}
    compared = 0
    for record in auto:
        name = "auclast_partial" if record["end"] == "24" else PKNCA_NAMES[record["PPTESTCD"]]
        ours = float(result.values[name][row_of[record["Subject"]]])
        assert ours == pytest.approx(record["PPORRES"], rel=1e-6), (record["Subject"], name)
        compared += 1
    assert compared == len(auto) == 180
