"""``cartrial response``: the documented examples, JSON output and exit code 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cartrial.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "response"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "subject.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


def test_recist_json_on_the_documented_example() -> None:
    # Baseline 32 + 21 + 18 = 71 mm. Day 42: 20 + 12 + 12 = 44 (-38.03 %): PR.
    # Day 70: 18 + 5 (too small) + 9 = 32: PR, confirmed 28 days after day 42.
    # Day 126: 26 + 5 + 9 = 40, +8 mm and +25 % over nadir 32, and a new lesion: PD.
    code, out, _ = run("response", "recist", str(EXAMPLES / "recist_pr_confirmed.json"), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["baseline_sum_mm"] == "71.0"
    assert [t["target_sum_mm"] for t in result["timepoints"]] == ["44", "32", "40"]
    assert [t["overall"] for t in result["timepoints"]] == ["PR", "PR", "PD"]
    assert result["best_overall_response"]["response"] == "PR"
    assert result["best_overall_response"]["confirmed_on"] == "2026-03-23"


def test_recist_table_shows_the_bor() -> None:
    code, out, _ = run("response", "recist", str(EXAMPLES / "recist_pr_confirmed.json"))
    assert code == 0
    assert "Best overall response: PR" in out


def test_settings_file_switches_confirmation_off(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text('{"confirmation_required": false}', encoding="utf-8")
    example = str(EXAMPLES / "recist_pr_confirmed.json")
    code, out, _ = run("response", "recist", example, "--json", "--settings", str(settings))
    assert code == 0
    assert json.loads(out)["best_overall_response"]["confirmation_required"] is False


def base(assessments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "subject_id": "S-9",
        "baseline_date": "2026-01-05",
        "reference_date": "2026-01-12",
        "lesions": [{"id": "T1", "organ": "liver", "role": "target", "value": 20, "unit": "mm"}],
        "assessments": assessments,
    }


def test_undeclared_lesion_exits_2_naming_lesion_and_assessment(tmp_path: Path) -> None:
    visit = {
        "date": "2026-02-09",
        "lesions": [
            {"lesion_id": "T1", "value": 10, "unit": "mm"},
            {"lesion_id": "T7", "value": 11, "unit": "mm"},
        ],
    }
    path = write(tmp_path, base([visit]))
    code, out, err = run("response", "recist", path)
    assert code == 2
    assert out == ""
    assert "assessments[0] (2026-02-09).lesions[T7]" in err
    assert "a lesion declared at baseline" in err


def test_measurement_without_unit_exits_2(tmp_path: Path) -> None:
    path = write(
        tmp_path, base([{"date": "2026-02-09", "lesions": [{"lesion_id": "T1", "value": 10}]}])
    )
    code, _, err = run("response", "recist", path)
    assert code == 2
    assert "lesion 'T1': measurement 10 has no unit" in err


def test_missing_date_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, base([{"lesions": [{"lesion_id": "T1", "value": 10, "unit": "mm"}]}]))
    code, _, err = run("response", "recist", path)
    assert code == 2
    assert "assessments[0].date" in err


def test_date_before_baseline_exits_2(tmp_path: Path) -> None:
    visit = {"date": "2025-12-30", "lesions": [{"lesion_id": "T1", "value": 10, "unit": "mm"}]}
    code, _, err = run("response", "recist", write(tmp_path, base([visit])))
    assert code == 2
    assert "a date after the baseline date 2026-01-05" in err


def test_invalid_baseline_exits_2(tmp_path: Path) -> None:
    data = base([])
    data["lesions"][0]["value"] = 9
    code, _, err = run("response", "recist", write(tmp_path, data))
    assert code == 2
    assert "target 'T1' longest diameter 9 mm < 10 mm" in err


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{", encoding="utf-8")
    code, _, err = run("response", "recist", str(path))
    assert code == 2
    assert "valid JSON" in err


def test_irecist_json_on_the_documented_pseudoprogression_example() -> None:
    # T1 40 -> 30 (iSD) -> 31 with new bone lesion NEW1 12 mm (iUPD, new-lesion driven)
    # -> 20 with NEW1 unchanged (-50 %: iPR, reset; EORTC FAQ scenario B) -> 18 (iPR).
    # iPR on day 98 confirmed by iPR 28 days later: iBOR iPR. RECIST 1.1 stops at the PD.
    example = str(EXAMPLES / "irecist_pseudoprogression.json")
    code, out, _ = run("response", "irecist", example, "--json")
    assert code == 0
    result = json.loads(out)
    assert [t["overall"] for t in result["timepoints"]] == ["iSD", "iUPD", "iPR", "iPR"]
    assert result["best_overall_response"]["response"] == "iPR"
    assert (
        "iPR on 2026-04-20 confirmed by iPR on 2026-05-18, 28 days later (>= 28)"
        in result["best_overall_response"]["reasons"]
    )
    code, out, _ = run("response", "recist", example, "--json")
    assert json.loads(out)["best_overall_response"]["response"] == "SD"


def test_irecist_bad_input_exits_2(tmp_path: Path) -> None:
    visit = {"date": "2026-02-09", "lesions": [{"lesion_id": "X", "value": 1, "unit": "mm"}]}
    code, _, err = run("response", "irecist", write(tmp_path, base([visit])))
    assert code == 2
    assert "lesions[X]" in err


def test_summary_json_and_html(tmp_path: Path) -> None:
    out_html = tmp_path / "report.html"
    code, out, _ = run(
        "response", "summary", str(EXAMPLES / "study"), "--json", "--html", str(out_html)
    )
    assert code == 0
    result = json.loads(out)
    assert [r["best_overall_response"] for r in result["subjects"]] == [
        "PR",
        "SD",
        "SD",
        "CR",
        "PD",
        "NE",
    ]
    page = out_html.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 6  # waterfall, spider, swimmer, 3 x KM
    assert "ORR and DCR, within 56 days" in page


def test_summary_of_an_empty_folder_exits_2(tmp_path: Path) -> None:
    code, _, err = run("response", "summary", str(tmp_path))
    assert code == 2
    assert "at least one subject *.json file" in err


def test_summary_names_the_bad_file(tmp_path: Path) -> None:
    visit = {"date": "2026-02-09", "lesions": [{"lesion_id": "T1", "value": 10}]}
    write(tmp_path, base([visit]))
    code, _, err = run("response", "summary", str(tmp_path))
    assert code == 2
    assert "subject.json" in err
    assert "has no unit" in err


def test_mrecist_json_on_the_documented_mesothelioma_example() -> None:
    # baseline 80 pleural + 20 lung = 100; day 42: 54 + 16 = 70 (-30 %: PR);
    # day 70: 50 + 15 = 65 (PR), 28 days later: confirmed PR.
    example = str(EXAMPLES / "mrecist_mesothelioma.json")
    code, out, _ = run("response", "mrecist", example, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["criteria"] == "mrecist11"
    assert [t["target_sum_mm"] for t in result["timepoints"]] == ["70", "65"]
    assert result["best_overall_response"]["response"] == "PR"
    # RECIST 1.1 refuses the same baseline (6 pleural targets)
    code, _, err = run("response", "recist", example)
    assert code == 2
    assert "mrecist_mesothelioma.json: field 'lesions'" in err
    assert "RECIST 1.1 baseline" in err
