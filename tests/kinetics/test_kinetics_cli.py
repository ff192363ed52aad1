"""``cartrial kinetics``: results, output formats and bad input (exit 2, the row named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

runner = CliRunner()
AT = "samples.csv row 6 (line 7): "

HEADER = "subject,analyte,matrix,nominal_day,actual_day,value,unit,lloq,blq,dose_level,tumour_type"
GOOD_ROWS = [
    "S01,car_copies,blood,0,0,,copies/ug gDNA,50,true,DL1,mesothelioma",
    "S01,car_copies,blood,7,7,1000,copies/ug gDNA,50,false,DL1,mesothelioma",
    "S01,car_copies,blood,14,14,100,copies/ug gDNA,50,false,DL1,mesothelioma",
    "S01,car_copies,blood,21,21,10,copies/ug,1,false,DL1,mesothelioma",
    "S01,car_copies,blood,35,35,1,copies/ug gDNA,0.5,false,DL1,mesothelioma",
    "S02,car_copies,blood,0,0,BLQ,,,,DL2,ovarian",
    "S02,car_copies,blood,7,7,<50,copies/ug gDNA,50,,DL2,ovarian",
]


def _write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "samples.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_nca_json_reports_both_partial_auc_conventions(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["kinetics", "nca", str(_write(tmp_path, GOOD_ROWS)), "--auc-method", "linear", "--json"],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    s01, s02 = payload["results"]
    # linear: 3500 + 3850 + 385 to day 21 (no day-28 sample); AUCint adds
    # 7 (10 + 5.5) / 2 with C(28) = 10 + (7/14)(1 - 10) = 5.5
    assert s01["auclast_partial"] == pytest.approx(7735.0)
    assert s01["aucint_partial"] == pytest.approx(7789.25)
    assert s01["cmax"] == 1000.0
    assert s01["unit"] == "copies/ug gDNA"
    assert payload["settings"]["auc_method"] == "linear"
    # S02: BLQ at day 0 and "<50" at day 7: all BLQ
    assert s02["cmax"] == 0.0
    assert s02["auclast"] == 0.0
    assert s02["tmax"] is None
    assert s02["reasons"]["lambda_z"] == "no quantifiable concentration (all BLQ)"


def test_nca_csv_writes_one_row_per_profile(tmp_path: Path) -> None:
    out = tmp_path / "nca.csv"
    result = runner.invoke(
        app, ["kinetics", "nca", str(_write(tmp_path, GOOD_ROWS)), "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert "aucint_partial" in lines[0].split(",")


def test_nca_table_is_printed(tmp_path: Path) -> None:
    result = runner.invoke(app, ["kinetics", "nca", str(_write(tmp_path, GOOD_ROWS))])
    assert result.exit_code == 0, result.output
    assert "S01" in result.output


def test_summary_by_dose_level_json(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["kinetics", "summary", str(_write(tmp_path, GOOD_ROWS)), "--by", "dose_level", "--json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    cmax = [r for r in rows if r["parameter"] == "cmax"]
    assert [(r["dose_level"], r["n"], r["n_positive"]) for r in cmax] == [
        ("DL1", 1, 1),
        ("DL2", 1, 0),
    ]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "S01,car_copies,blood,28,28,12.5,,50,false,DL1,mesothelioma",
            AT + "field 'unit': got '', expected a unit for the value '12.5'",
        ),
        (
            "S01,car_copies,blood,28,28,-3,copies/ug gDNA,50,false,DL1,mesothelioma",
            AT + "field 'value': got '-3', expected a concentration >= 0",
        ),
        (
            "S01,car_copies,blood,28,day 28,12,copies/ug gDNA,50,false,DL1,mesothelioma",
            AT + "field 'actual_day': got 'day 28', expected a number",
        ),
        (
            "S01,il6,blood,28,28,12,pg/mL,5,false,DL1,mesothelioma",
            AT + "field 'analyte': got 'il6', expected one of car_copies, car_cells",
        ),
        (
            "S01,car_copies,blood,28,28,12,ng/mL,1,false,DL1,mesothelioma",
            AT + "field 'unit': got 'ng/mL', expected one of copies/ug gDNA",
        ),
        (
            "S01,car_copies,blood,21,21,12,copies/ug gDNA,1,false,DL1,mesothelioma",
            AT + "field 'actual_day': got 21.0, expected one sample per "
            "subject, analyte, matrix and time (row 4 has the same)",
        ),
        (
            "S01,car_copies,urine,28,28,12,copies/ug gDNA,1,false,DL1,mesothelioma",
            AT + "field 'matrix': got 'urine', expected blood or bone_marrow",
        ),
    ],
    ids=[
        "no-unit",
        "negative",
        "bad-time",
        "unknown-analyte",
        "wrong-unit",
        "duplicate-time",
        "matrix",
    ],
)
def test_bad_input_exits_2_naming_the_row(tmp_path: Path, row: str, message: str) -> None:
    rows = [*GOOD_ROWS[:5], row, *GOOD_ROWS[5:]]
    result = runner.invoke(app, ["kinetics", "nca", str(_write(tmp_path, rows))])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["kinetics", "nca", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "field 'file'" in result.output


RICH_ROWS = [
    f"S03,car_copies,blood,{day},{day},{value},copies/ug gDNA,50,,DL1,mesothelioma"
    for day, value in (
        (0, "BLQ"),
        (1, 20),
        (4, 900),
        (7, 8000),
        (10, 30000),
        (14, 9000),
        (21, 2000),
        (28, 900),
        (56, 200),
        (90, "BLQ"),
    )
]


def test_fit_reports_estimates_or_why_not(tmp_path: Path) -> None:
    figures = tmp_path / "figs"
    result = runner.invoke(
        app,
        [
            "kinetics",
            "fit",
            str(_write(tmp_path, GOOD_ROWS + RICH_ROWS)),
            "--plot-dir",
            str(figures),
        ],
    )
    assert result.exit_code == 0, result.output
    fits = {r["subject"]: r for r in json.loads(result.stdout)}
    assert fits["S01"]["status"] == "not fitted"
    assert fits["S01"]["reason"] == (
        "not fitted: field 'conc': got 4, expected at least 6 quantified samples after day 0 "
        "(the monophasic model's 4 parameters and 2 degrees of freedom for the residual SD)"
    )
    # day 1 (20 < LLOQ 50) and day 90 (BLQ) are censored; day 0 is not fitted
    s03 = fits["S03"]
    assert (s03["n_censored"], s03["n_quantified"]) == (2, 7)
    # 7 quantified samples: the biphasic form (6 parameters) needs 8
    assert s03["considered"]["biphasic"] is None
    assert s03["form"] in {"biphasic_fixed_terminal", "monophasic"}
    assert s03["status"] in {"fitted", "withheld"}
    assert {"cmax", "tmax", "rho", "alpha", "sigma"} <= set(s03["estimates"])
    assert "fb" not in s03["estimates"]
    assert result.stderr.startswith("3 profiles: ")
    assert result.stderr.endswith("2 not fitted (too few quantified samples)\n")
    assert Path(fits["S03"]["figure"]).exists()


def test_plot_writes_spaghetti_and_mean_profile(tmp_path: Path) -> None:
    out = tmp_path / "plots"
    result = runner.invoke(
        app, ["kinetics", "plot", str(_write(tmp_path, GOOD_ROWS)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "car_copies_blood_mean.png",
        "car_copies_blood_spaghetti.png",
    ]


MIDDLE_BLQ_ROWS = [
    "S09,car_copies,blood,0,0,0,copies/ug gDNA,1,,DL1,mesothelioma",
    "S09,car_copies,blood,1,1,8,copies/ug gDNA,1,,DL1,mesothelioma",
    "S09,car_copies,blood,2,2,BLQ,copies/ug gDNA,1,,DL1,mesothelioma",
    "S09,car_copies,blood,3,3,4,copies/ug gDNA,1,,DL1,mesothelioma",
]


def test_settings_file_sets_blq_rules_and_options_override_it(tmp_path: Path) -> None:
    settings = tmp_path / "nca.json"
    settings.write_text('{"auc_method": "lin-log", "conc_blq": {"middle": "keep"}}', "utf-8")
    data = str(_write(tmp_path, MIDDLE_BLQ_ROWS))
    args = ["kinetics", "nca", data, "--settings", str(settings), "--auc-method", "linear"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    # middle BLQ kept: 0-1: 4, 1-2: 4, 2-3: 2 (linear from the command line wins)
    assert payload["results"][0]["auclast"] == 10.0
    assert payload["settings"]["auc_method"] == "linear"


def test_invalid_settings_file_exits_2_naming_the_field(tmp_path: Path) -> None:
    settings = tmp_path / "nca.json"
    settings.write_text('{"min_hl_points": 1}', "utf-8")
    data = str(_write(tmp_path, MIDDLE_BLQ_ROWS))
    result = runner.invoke(app, ["kinetics", "nca", data, "--settings", str(settings)])
    assert result.exit_code == 2
    assert "field 'min_hl_points'" in result.output


def test_nca_long_table_csv_has_pp_codes_for_each_interval(tmp_path: Path) -> None:
    out = tmp_path / "pp.csv"
    result = runner.invoke(
        app,
        [
            "kinetics",
            "nca",
            str(_write(tmp_path, GOOD_ROWS)),
            "--auc-method",
            "linear",
            "--interval",
            "0-14",
            "--interval",
            "0-28",
            "--long",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    import pandas as pd

    table = pd.read_csv(out, keep_default_na=False)
    s01 = table[(table["subject"] == "S01") & (table["parameter"] == "AUCLST")]
    # [0, 14]: 3500 + 3850; [0, 28]: + 385 (no day-28 sample)
    assert dict(zip(s01["end"].astype(str), s01["value"].astype(float), strict=True)) == {
        "14.0": 7350.0,
        "28.0": 7735.0,
        "inf": 7735.0 + 7 * (10 + 1) / 2 * 2,
    }


def test_nca_bad_interval_is_refused_with_its_option(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["kinetics", "nca", str(_write(tmp_path, GOOD_ROWS)), "--interval", "28"]
    )
    assert result.exit_code == 2
    assert "--interval" in result.output
