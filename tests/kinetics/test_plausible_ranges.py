"""NCA inputs have plausible ranges, and JSON output never holds Infinity (issue 14).

Before, a concentration of 1e308 went through the NCA and ``--json`` printed ``Infinity``
(not JSON: RFC 8259 section 6). The limits are physical ceilings
(:data:`cartrial.kinetics.data.CONCENTRATION_LIMITS`, :data:`TIME_RANGE_DAYS`); the
boundary values below are hand-picked on both sides of each.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cartrial.cli.common import print_json
from cartrial.cli.main import app

runner = CliRunner()
HEADER = "subject,analyte,matrix,actual_day,value,unit"


def _table(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "samples.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _profile(first_day: str, peak: str, unit: str = "copies/ug gDNA") -> list[str]:
    analyte = "car_copies" if "copies" in unit else "car_cells"
    return [
        f"S1,{analyte},blood,{first_day},1,{unit}",
        f"S1,{analyte},blood,7,{peak},{unit}",
        f"S1,{analyte},blood,14,100,{unit}",
        f"S1,{analyte},blood,28,10,{unit}",
    ]


def _nca(tmp_path: Path, rows: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, ["kinetics", "nca", str(_table(tmp_path, rows)), "--json"])
    return result.exit_code, result.output


def test_a_concentration_of_1e308_is_refused_with_the_range(tmp_path: Path) -> None:
    code, output = _nca(tmp_path, _profile("1", "1e308"))
    assert code == 2 and "Infinity" not in output
    assert "row 2 (line 3): field 'value': got '1e308'" in output
    assert "from 0 to 10,000,000 copies/ug gDNA" in output


@pytest.mark.parametrize(
    ("peak", "unit", "accepted"),
    [
        ("10000000", "copies/ug gDNA", True),
        ("10000001", "copies/ug gDNA", False),
        ("10000", "copies/ng gDNA", True),  # 10^7 copies/ug after conversion
        ("10001", "copies/ng gDNA", False),
        ("1000000", "cells/uL", True),
        ("1000000000", "cells/mL", True),  # 10^6 cells/uL
        ("1000001000", "cells/mL", False),
    ],
)
def test_the_limit_applies_after_unit_conversion(
    tmp_path: Path, peak: str, unit: str, accepted: bool
) -> None:
    code, output = _nca(tmp_path, _profile("1", peak, unit))
    assert (code == 0) is accepted, output
    if accepted:
        cmax = json.loads(output)["results"][0]["cmax"]
        assert math.isfinite(cmax)


@pytest.mark.parametrize(
    ("day", "accepted"), [("-365", True), ("-366", False), ("5479", True), ("5480", False)]
)
def test_sample_times_lie_within_15_years_of_infusion(
    tmp_path: Path, day: str, accepted: bool
) -> None:
    rows = _profile("1", "1000")
    rows.append(f"S1,car_copies,blood,{day},5,copies/ug gDNA")
    code, output = _nca(tmp_path, rows)
    assert (code == 0) is accepted, output
    if not accepted:
        assert f"field 'actual_day': got '{day}', expected a day from -365 to 5479" in output


def test_print_json_refuses_a_number_json_cannot_hold() -> None:
    with pytest.raises(typer.Exit) as refused:
        print_json({"auc": float("inf")})
    assert refused.value.exit_code == 2


@pytest.mark.parametrize(
    ("option", "field", "shown"),
    [
        (["--partial-end", "1e308"], "partial_end", "1e+308"),
        (["--interval", "0-6000"], "intervals", "6000.0"),
    ],
)
def test_settings_times_lie_in_the_same_range(
    tmp_path: Path, option: list[str], field: str, shown: str
) -> None:
    path = _table(tmp_path, _profile("1", "1000"))
    result = runner.invoke(app, ["kinetics", "nca", str(path), *option])
    assert result.exit_code == 2
    assert f"field '{field}': got {shown}, expected a day from -365 to 5479" in result.output
