"""``cartrial protocol list|show|validate`` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.protocol import load_bundled
from cartrial.protocol.summary import assumed_items

runner = CliRunner()

BUNDLED = Path(__file__).parents[2] / "src/cartrial/protocol/bundled"


def test_list_shows_every_bundled_protocol_with_its_facts() -> None:
    result = runner.invoke(app, ["protocol", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "│" in line]
    rows = {line.split("│")[1].strip(): line for line in lines if line.split("│")[1].strip()}
    assert set(rows) == {"msk-m28z1xxpd1dnr", "szugh-msln-2024", "uclm802"}
    uclm = [cell.strip() for cell in rows["uclm802"].split("│")[1:-1]]
    count = len(assumed_items(load_bundled("uclm802").protocol))
    assert uclm == [
        "uclm802",
        "NCT05783089",
        "MSLN-targeted CAR-T Cells in Solid Tumors.",
        "1",
        "87",
        str(count),
    ]
    szugh = [cell.strip() for cell in rows["szugh-msln-2024"].split("│")[1:-1]]
    assert szugh[1:5] == [
        "-",
        "Efficacy and Safety of MSLN CAR-T in Advanced Malignant Tumors",
        "1/2",
        "20",
    ]


def test_show_prints_a_readable_summary() -> None:
    result = runner.invoke(app, ["protocol", "show", "szugh-msln-2024"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Efficacy and Safety of MSLN CAR-T in Advanced Malignant Tumors" in out
    assert "cell dose: 0.5 x10^6 to 2 x10^6 cells/kg" in out
    assert "eligibility: 11 inclusion, 17 exclusion" in out
    assert "fludarabine 30 mg/m2/day IV on days -5, -4, -3 (renal adjustment) (assumed)" in out
    assert "at least 72 h after the end of lymphodepletion" in out
    assert "DLT: not defined" in out
    assert "AESI: 21 terms (assumed)" in out


def test_show_marks_an_incomplete_eligibility_list() -> None:
    result = runner.invoke(app, ["protocol", "show", "msk-m28z1xxpd1dnr"])
    assert result.exit_code == 0, result.output
    assert "5 inclusion, 0 exclusion (incomplete" in result.output
    assert "open: Planned enrolment is not given." in result.output


def test_show_json_is_the_full_model() -> None:
    result = runner.invoke(app, ["protocol", "show", "uclm802", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == "uclm802"
    assert data["planned_enrolment"] == 87
    assert len(data["eligibility"]["exclusion"]) == 26
    assert data["dlt"]["window_days"] == 28
    assert data["escalation"]["design"] == "accelerated_titration_3plus3"


def test_show_unknown_id_exits_2_naming_the_known_ids() -> None:
    result = runner.invoke(app, ["protocol", "show", "nope"])
    assert result.exit_code == 2
    assert "unknown protocol 'nope'" in result.output
    assert "uclm802" in result.output


def test_validate_a_good_file() -> None:
    result = runner.invoke(app, ["protocol", "validate", str(BUNDLED / "uclm802.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("valid: ")
    assert "9 inclusion and 26 exclusion criteria" in result.output


def test_validate_a_broken_file_exits_2_with_the_line(tmp_path: Path) -> None:
    text = (BUNDLED / "szugh-msln-2024.yaml").read_text(encoding="utf-8")
    broken_text = text.replace(
        '{kind: lab, test: wbc, op: "<=", value: 1, unit: "x10^9/L"}',
        '{kind: lab, test: wbc, op: "=<", value: 1, unit: "x10^9/L"}',
    )
    assert broken_text != text
    line = 1 + broken_text.splitlines().index(
        '          - {kind: lab, test: wbc, op: "=<", value: 1, unit: "x10^9/L"}'
    )
    broken = tmp_path / "szugh.yaml"
    broken.write_text(broken_text, encoding="utf-8")
    result = runner.invoke(app, ["protocol", "validate", str(broken)])
    assert result.exit_code == 2
    output = " ".join(result.output.split())
    assert f"{broken}:{line}: eligibility.exclusion[1].rule.rules[0].op" in output
    assert "valid:" not in output


def test_validate_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["protocol", "validate", str(tmp_path / "absent.yaml")])
    assert result.exit_code == 2
    assert "cannot read the file" in result.output
