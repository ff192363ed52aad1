"""``cartrial landscape``: the table in every format, pooling, the forest plot, bad options."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from cartrial.cli.main import app

runner = CliRunner()


def test_table_json_csv_and_a_target_filter() -> None:
    as_json = runner.invoke(app, ["landscape", "table", "--json"])
    assert as_json.exit_code == 0, as_json.output
    payload = json.loads(as_json.stdout)
    assert len(payload["trials"]) == 28 and payload["source"].startswith("Guo et al. 2025")
    as_csv = runner.invoke(app, ["landscape", "table", "--csv", "--target", "MSLN"])
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["id"] for r in rows] == ["msln-pdac-iv", "msln-mpm-intrapleural"]
    assert rows[1]["orr"] == "2/16 (inferred)"


def test_pool_by_route_writes_the_forest_plot(tmp_path: Path) -> None:
    plot = tmp_path / "forest.png"
    result = runner.invoke(
        app, ["landscape", "pool", "--outcome", "dcr", "--json", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    groups = {g["group"]: g for g in json.loads(result.stdout.split("forest plot:")[0])}
    assert set(groups) == {"IV", "locoregional", "mixed"}
    iv = groups["IV"]
    assert iv["pooled"]["glmm"]["k"] == len(iv["studies"]) == 16
    assert plot.stat().st_size > 10_000 and plot.read_bytes()[:4] == b"\x89PNG"


def test_bad_options_exit_2_naming_the_option() -> None:
    for args, field in (
        (["landscape", "pool", "--outcome", "pfs"], "--outcome"),
        (["landscape", "table", "--target", "CD19X"], "--target"),
        (["landscape", "table", "--json", "--csv"], "--json/--csv"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and field in result.output, (args, result.output)
