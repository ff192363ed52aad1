"""Sample table validation and conversion (docs/kinetics.md input format)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartrial.errors import InputError
from cartrial.kinetics.data import build_profiles, validate_samples


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows).fillna("").astype(str)


def _row(**kw: str) -> dict[str, str]:
    base = {
        "subject": "S1",
        "analyte": "car_copies",
        "matrix": "blood",
        "nominal_day": "7",
        "actual_day": "7",
        "value": "10",
        "unit": "copies/ug gDNA",
    }
    base.update(kw)
    return base


def test_copies_per_ng_converted_to_copies_per_ug() -> None:
    # 1 ug = 1000 ng: 2.5 copies/ng gDNA = 2500 copies/ug gDNA
    out = validate_samples(_frame([_row(value="2.5", unit="copies/ng gDNA")]))
    assert out["conc"].tolist() == [2500.0]
    assert out["unit"].tolist() == ["copies/ug gDNA"]


def test_flow_cells_per_ml_converted_to_cells_per_ul() -> None:
    # 1 uL = 0.001 mL: 4000 cells/mL = 4 cells/uL
    out = validate_samples(_frame([_row(analyte="car_cells", value="4000", unit="cells/mL")]))
    assert out["conc"].tolist() == [4.0]


def test_value_below_lloq_is_blq_even_without_flag() -> None:
    out = validate_samples(_frame([_row(value="30", lloq="50", blq="false")]))
    assert out["conc"].tolist() == [0.0]
    assert out["blq"].tolist() == [True]


def test_blq_flag_and_written_blq_enter_as_zero() -> None:
    out = validate_samples(
        _frame([_row(value="", blq="true"), _row(actual_day="14", value="<50", blq="")])
    )
    assert out["conc"].tolist() == [0.0, 0.0]


def test_empty_value_without_flag_is_a_missing_sample() -> None:
    out = validate_samples(_frame([_row(value="", unit="")]))
    assert np.isnan(out["conc"].iloc[0])


def test_nominal_day_used_when_actual_day_missing() -> None:
    out = validate_samples(_frame([_row(actual_day="", nominal_day="28")]))
    assert out["time"].tolist() == [28.0]


def test_missing_time_is_an_error() -> None:
    with pytest.raises(InputError, match=r"row 1 \(line 2\): field 'actual_day'"):
        validate_samples(_frame([_row(actual_day="", nominal_day="")]), source="x.csv")


def test_dose_level_must_be_constant_per_subject() -> None:
    rows = [_row(dose_level="DL1"), _row(actual_day="14", dose_level="DL2")]
    with pytest.raises(InputError, match="one value per subject"):
        validate_samples(_frame(rows))


def test_missing_column_is_named() -> None:
    frame = _frame([_row()]).drop(columns=["unit"])
    with pytest.raises(InputError, match="columns unit"):
        validate_samples(frame)


def test_profiles_split_by_analyte_and_matrix_and_sorted_by_time() -> None:
    rows = [
        _row(actual_day="14", value="5"),
        _row(actual_day="7", value="9"),
        _row(matrix="bone marrow", actual_day="28", value="3"),
        _row(analyte="car_cells", unit="cells/uL", actual_day="7", value="2"),
    ]
    profiles = build_profiles(validate_samples(_frame(rows)))
    assert profiles.keys[["analyte", "matrix"]].values.tolist() == [
        ["car_cells", "blood"],
        ["car_copies", "blood"],
        ["car_copies", "bone_marrow"],
    ]
    assert profiles.time[1].tolist() == [7.0, 14.0]
    assert profiles.conc[1].tolist() == [9.0, 5.0]


def test_table_without_rows_is_an_error() -> None:
    frame = _frame([_row()]).iloc[0:0]
    with pytest.raises(InputError, match="expected at least one sample"):
        validate_samples(frame)


def test_parquet_and_csv_give_the_same_samples(tmp_path: Path) -> None:
    from cartrial.kinetics.data import load_samples

    table = pd.DataFrame(
        {
            "subject": ["P1", "P1", "P1"],
            "analyte": ["car_copies"] * 3,
            "matrix": ["blood"] * 3,
            "actual_day": [0.0, 7.0, 14.0],
            "value": [0.0, 5200.0, 900.0],
            "unit": ["copies/ug gDNA"] * 3,
            "lloq": [50.0, 50.0, 50.0],
        }
    )
    table.to_csv(tmp_path / "s.csv", index=False)
    table.to_parquet(tmp_path / "s.parquet", index=False)
    from_csv = load_samples(tmp_path / "s.csv")
    from_parquet = load_samples(tmp_path / "s.parquet")
    assert from_parquet["conc"].tolist() == [0.0, 5200.0, 900.0]
    assert from_parquet.equals(from_csv)


def test_units_are_read_case_sensitively_with_the_litre_in_either_case() -> None:
    # cartrial.units: "cells/ul" is cells/uL (the litre is l or L); "CELLS/UL" is no unit.
    out = validate_samples(_frame([_row(analyte="car_cells", value="4", unit="cells/ul")]))
    assert (out["conc"].tolist(), out["unit"].tolist()) == ([4.0], ["cells/uL"])
    out = validate_samples(_frame([_row(analyte="car_cells", value="4000", unit="cells/ml")]))
    assert out["conc"].tolist() == [4.0]
    for wrong in ("CELLS/UL", "Cells/uL", "cells/ML"):
        with pytest.raises(InputError) as info:
            validate_samples(_frame([_row(analyte="car_cells", value="4", unit=wrong)]))
        assert (info.value.field, info.value.value) == ("unit", wrong)
    with pytest.raises(InputError):
        validate_samples(_frame([_row(unit="COPIES/UG GDNA")]))
