"""Several NCA intervals at once, the long (PP-style) table and per-sample exclusions.

Expected values are hand-computed trapezoids (linear method) and PKNCA 0.12.1's own
long output on R's Theoph data (tests/data/pknca_theoph.json, run_pknca_theoph.R).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartrial.errors import InputError
from cartrial.kinetics.data import build_profiles, validate_samples
from cartrial.kinetics.intervals import PARAMETER_CODES, long_table
from cartrial.kinetics.nca import compute_nca
from cartrial.kinetics.profiles import profiles_from_lists
from cartrial.kinetics.settings import NcaSettings

DATA = Path(__file__).resolve().parents[1] / "data"
LINEAR = NcaSettings(auc_method="linear", intervals=((0, 7), (0, 14), (0, 28), (0, 90)))

# one profile: rises to day 7, falls, last quantifiable day 21, BLQ day 28
TIMES = [0, 3, 7, 14, 21, 28]
CONCS = [0, 500, 1000, 100, 10, 0]


def _cell(table: pd.DataFrame, code: str, end: float) -> float:
    row = table[(table["parameter"] == code) & (table["end"] == end)]
    assert len(row) == 1, (code, end)
    return float(row["value"].iloc[0])


def test_each_interval_has_its_own_cmax_tmax_tlast_and_areas() -> None:
    table = long_table(profiles_from_lists([TIMES], [CONCS]), LINEAR)
    # [0, 7]: 3 (0 + 500)/2 + 4 (500 + 1000)/2 = 750 + 3000
    assert _cell(table, "CMAX", 7) == 1000.0
    assert _cell(table, "TMAX", 7) == 7.0
    assert _cell(table, "TLST", 7) == 7.0
    assert _cell(table, "AUCLST", 7) == pytest.approx(3750.0, rel=1e-12)
    # [0, 14]: + 7 (1000 + 100)/2 = 3850
    assert _cell(table, "TLST", 14) == 14.0
    assert _cell(table, "AUCLST", 14) == pytest.approx(7600.0, rel=1e-12)
    # [0, 28]: AUClast and AUCint (PKNCA aucint.last) stop at day 21
    # (+ 7 (100 + 10)/2 = 385); AUCall adds the triangle down to the BLQ zero at
    # day 28: 7 (10 + 0)/2 = 35
    assert _cell(table, "TLST", 28) == 21.0
    assert _cell(table, "CLST", 28) == 10.0
    assert _cell(table, "AUCLST", 28) == pytest.approx(7985.0, rel=1e-12)
    assert _cell(table, "AUCALL", 28) == pytest.approx(8020.0, rel=1e-12)
    assert _cell(table, "AUCINT", 28) == pytest.approx(7985.0, rel=1e-12)
    # [0, 90]: no sample at day 90; C(90) = 0 (after Tlast), nothing more is added
    assert _cell(table, "AUCINT", 90) == pytest.approx(7985.0, rel=1e-12)
    assert _cell(table, "AUCALL", 90) == pytest.approx(8020.0, rel=1e-12)
    # [0, Inf): the whole-profile parameters are there too
    assert _cell(table, "AUCLST", np.inf) == pytest.approx(7985.0, rel=1e-12)
    assert {"LAMZ", "LAMZHL", "AUCIFO"} <= set(table.loc[np.isinf(table["end"]), "parameter"])


def test_long_table_columns_units_and_interval_bounds() -> None:
    samples = validate_samples(
        pd.DataFrame(
            {
                "subject": ["S1"] * len(TIMES),
                "analyte": ["car_copies"] * len(TIMES),
                "matrix": ["blood"] * len(TIMES),
                "actual_day": [str(t) for t in TIMES],
                "value": [str(c) for c in CONCS],
                "unit": ["copies/ug gDNA"] * len(TIMES),
            }
        )
    )
    table = long_table(build_profiles(samples), LINEAR)
    assert {"subject", "parameter", "pknca", "value", "unit", "start", "end"} <= set(table.columns)
    assert {"exclusion", "reason", "flags"} <= set(table.columns)
    units = dict(zip(table["parameter"], table["unit"], strict=False))
    assert units["CMAX"] == "copies/ug gDNA"
    assert units["TMAX"] == "day"
    assert units["AUCLST"] == "copies/ug gDNA*day"
    assert units["LAMZ"] == "1/day"
    assert set(table["start"]) == {0.0}
    assert set(table["end"]) == {7.0, 14.0, 28.0, 90.0, np.inf}


def test_an_excluded_sample_is_left_out_and_named_with_its_reason() -> None:
    times = [0, 3, 7, 10, 14, 21, 28]
    values = ["0", "500", "1000", "5000", "100", "10", "0"]
    reasons = ["", "", "", "haemolysed sample", "", "", ""]
    samples = validate_samples(
        pd.DataFrame(
            {
                "subject": ["S1"] * 7,
                "analyte": ["car_copies"] * 7,
                "matrix": ["blood"] * 7,
                "actual_day": [str(t) for t in times],
                "value": values,
                "unit": ["copies/ug gDNA"] * 7,
                "exclude": reasons,
            }
        )
    )
    table = long_table(build_profiles(samples), LINEAR)
    # without the day-10 sample the profile is the one above
    assert _cell(table, "CMAX", 14) == 1000.0
    assert _cell(table, "AUCLST", 14) == pytest.approx(7600.0, rel=1e-12)
    note = table[(table["parameter"] == "CMAX") & (table["end"] == 14)]["exclusion"].iloc[0]
    assert note == "sample at day 10 excluded: haemolysed sample"
    # the day-10 sample is outside [0, 7]: nothing excluded there
    assert table[(table["parameter"] == "CMAX") & (table["end"] == 7)]["exclusion"].iloc[0] == ""


@pytest.mark.parametrize("flag", ["true", "no"])
def test_exclusion_reason_must_be_text_not_a_bare_flag(flag: str) -> None:
    frame = pd.DataFrame(
        {
            "subject": ["S1", "S1"],
            "analyte": ["car_copies"] * 2,
            "matrix": ["blood"] * 2,
            "actual_day": ["0", "7"],
            "value": ["0", "10"],
            "unit": ["copies/ug gDNA"] * 2,
            "exclude": ["", flag],
        }
    )
    with pytest.raises(InputError) as caught:
        validate_samples(frame)
    assert caught.value.field == "exclude"
    assert "reason" in str(caught.value)


def test_interval_end_must_follow_its_start() -> None:
    with pytest.raises(ValueError, match="intervals"):
        NcaSettings(intervals=((0, 28), (14, 7)))


def test_partial_auc_convention_is_named_and_selectable() -> None:
    assert NcaSettings().partial_convention == "aucint.last"
    p = profiles_from_lists([[0, 7, 14, 21, 28]], [[0, 1000, 100, 10, 0]])
    # linear: 3500 + 3850 + 385 = 7735 to Tlast; AUCall adds 7 (10 + 0)/2 down to
    # the BLQ zero at day 28
    aucall = compute_nca(p, NcaSettings(auc_method="linear", partial_convention="aucall"))
    aucint = compute_nca(p, NcaSettings(auc_method="linear"))
    assert float(aucall.values["auc_partial"][0]) == pytest.approx(7770.0, rel=1e-12)
    assert float(aucall.values["aucall_partial"][0]) == pytest.approx(7770.0, rel=1e-12)
    assert float(aucint.values["auc_partial"][0]) == pytest.approx(7735.0, rel=1e-12)
    assert float(aucint.values["auclast_partial"][0]) == pytest.approx(7735.0, rel=1e-12)


PKNCA_TO_CODE = {
    "cmax": "CMAX",
    "tmax": "TMAX",
    "tlast": "TLST",
    "clast.obs": "CLST",
    "auclast": "AUCLST",
    "aucall": "AUCALL",
    "aucint.last": "AUCINT",
    "aucinf.obs": "AUCIFO",
    "aucpext.obs": "AUCPEO",
    "half.life": "LAMZHL",
    "lambda.z": "LAMZ",
    "r.squared": "R2",
    "adj.r.squared": "R2ADJ",
    "lambda.z.n.points": "LAMZNPT",
    "lambda.z.time.first": "LAMZLL",
    "lambda.z.time.last": "LAMZUL",
    "clast.pred": "CLSTP",
    "span.ratio": "LAMZSPN",
}


@pytest.mark.parametrize(
    ("pknca_method", "method"), [("lin up/log down", "lin-log"), ("linear", "linear")]
)
def test_long_table_matches_pknca_long_output_on_theoph(pknca_method: str, method: str) -> None:
    frame = pd.read_csv(DATA / "theoph.csv")
    subjects = [str(s) for s in sorted(frame["Subject"].unique())]
    rows = [frame[frame["Subject"] == int(s)].sort_values("Time") for s in subjects]
    profiles = profiles_from_lists(
        [r["Time"].tolist() for r in rows], [r["conc"].tolist() for r in rows], subjects=subjects
    )
    ours = long_table(profiles, NcaSettings(auc_method=method, intervals=((0, 24),)))
    index = {
        (str(r.subject), float(r.end), str(r.parameter)): float(r.value) for r in ours.itertuples()
    }
    reference = json.loads((DATA / "pknca_theoph.json").read_text(encoding="utf-8"))
    compared = 0
    for record in reference["results_explicit_long"][pknca_method]:
        if record["PPTESTCD"] in ("cl.obs", "vz.obs"):  # need the dose: not an NCA input here
            continue
        code = PKNCA_TO_CODE[record["PPTESTCD"]]
        assert PARAMETER_CODES[code].pknca == record["PPTESTCD"]
        end = float("inf") if record["end"] == "Inf" else float(record["end"])
        value = index[(record["Subject"], end, code)]
        assert value == pytest.approx(record["PPORRES"], rel=1e-6), (record, value)
        compared += 1
    assert compared == 12 * 20
