"""``cartrial trial oc``: JSON output and bad input (exit 2, one message naming the field)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app

runner = CliRunner()


def test_oc_json_is_one_object() -> None:
    args = ["trial", "oc", "--protocol", "uclm802", "--trials", "30", "--workers", "1", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    oc = json.loads(result.stdout)
    assert oc["n_trials"] == 30 and oc["protocol_id"] == "uclm802"
    total = sum(p["value"] for p in oc["p_rp2d"]) + oc["p_no_rp2d"]["value"]
    assert total == pytest.approx(1.0)
    assert oc["orr_threshold"] == 0.10 and "binomial" in oc["power_test"]


def test_oc_table() -> None:
    args = ["trial", "oc", "--protocol", "uclm802", "--trials", "10", "--workers", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "P(RP2D = level 4" in result.stdout and "ORR at the RP2D" in result.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--protocol", "nope", "--trials", "10"], "protocol"),
        (["--protocol", "uclm802", "--trials", "0"], "trials"),
        (["--protocol", "uclm802", "--trials", "10", "--orr-threshold", "1.5"], "orr_threshold"),
        (["--protocol", "uclm802", "--trials", "10", "--workers", "0"], "workers"),
        (["--protocol", "uclm802", "--trials", "5", "--scenario", "/no/such.yaml"], "such.yaml"),
    ],
)
def test_bad_input_exits_2_naming_the_field(args: list[str], field: str) -> None:
    result = runner.invoke(app, ["trial", "oc", *args])
    assert result.exit_code == 2
    assert field in result.stderr
    assert result.stdout == ""
