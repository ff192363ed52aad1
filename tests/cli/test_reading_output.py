"""What a person reads: exclusion words, a readable precision, tables that fit 80 columns."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from cartrial.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
runner = CliRunner()


def _run(*argv: str) -> str:
    result = runner.invoke(app, list(argv), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def _verdicts(output: str) -> dict[str, str]:
    # "│ exc01     │ not excluded │ ..." -> {"exc01": "not excluded"}
    rows = re.findall(r"^│ ((?:inc|exc)\d+)\s+│ ([a-z ]+?)\s+│", output, flags=re.M)
    return dict(rows)


def test_exclusion_criteria_read_excluded_or_not_excluded() -> None:
    verdicts = _verdicts(_run("screen", "-p", "uclm802", str(EXAMPLES / "screening/record.json")))
    exclusions = {k: v for k, v in verdicts.items() if k.startswith("exc")}
    inclusions = {k: v for k, v in verdicts.items() if k.startswith("inc")}
    # the record is eligible: every exclusion absent, every inclusion met
    assert exclusions and set(exclusions.values()) == {"not excluded"}
    assert inclusions and set(inclusions.values()) == {"met"}


def test_a_present_exclusion_reads_excluded_and_json_keeps_the_verdict(tmp_path: Path) -> None:
    import json

    record = json.loads((EXAMPLES / "screening/record.json").read_text(encoding="utf-8"))
    record["diagnosis"]["cns_metastases"] = "active"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    verdicts = _verdicts(_run("screen", "-p", "uclm802", str(path)))
    assert verdicts["exc08"] == "excluded"
    stored = json.loads(_run("screen", "-p", "uclm802", str(path), "--json"))
    exc08 = next(c for c in stored["criteria"] if c["id"] == "exc08")
    assert exc08["verdict"] == "not_met"  # the domain's word is unchanged


def test_a_converted_creatinine_is_shown_at_three_significant_digits() -> None:
    output = " ".join(
        _run("screen", "-p", "uclm802", str(EXAMPLES / "screening/record.json")).split()
    )
    # 84 umol/L / 88.42 = 0.95001... mg/dL
    assert "creatinine 0.95 mg/dL" in output.replace("│ ", "")
    assert "0.950011" not in output


def test_the_survival_landmark_reads_in_months() -> None:
    output = _run("response", "summary", str(EXAMPLES / "response/study"))
    assert "182.625" not in output
    assert "6 months (day 183)" in output


def test_wide_tables_fit_80_columns_with_whole_headers_and_numbers() -> None:
    for argv in (
        ("kinetics", "nca", str(EXAMPLES / "kinetics/samples.csv")),
        ("kinetics", "summary", str(EXAMPLES / "kinetics/samples.csv")),
        ("response", "summary", str(EXAMPLES / "response/study")),
        ("protocol", "list"),
    ):
        output = _run(*argv)
        lines = output.splitlines()
        assert max(len(line) for line in lines) <= 80, argv
        assert "…" not in output, argv  # nothing cut short
        # every header row is one line: the line after a header row is the rule under it
        for i, line in enumerate(lines):
            if line.startswith("┏"):
                assert lines[i + 2].startswith("┡"), (argv, lines[i : i + 4])
