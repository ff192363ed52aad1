"""Broken protocol files: a ProtocolError names the file, the YAML path and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartrial.errors import ProtocolError
from cartrial.protocol import load_protocol, load_protocol_file

# Line numbers are 1-based; the comments give the line of each key the tests break.
VALID = """\
id: broken-example
version: "1"
title: Broken example
phase: ["1"]
population: Adults
sources:
  - {id: "x", file: x.txt, description: example}
cell_dose: {min_cells_per_kg: 100000, max_cells_per_kg: 2000000}
dose_levels:
  - level: 1
    cells_per_kg: 100000
    assumed: true
    reason: Not stated.
eligibility:
  inclusion:
    - id: inc01
      text: Adequate function
      rule:
        kind: all_of
        rules:
          - {kind: field, field: diagnosis.tumour_type, op: "==", value: gastric}
          - kind: lab
            test: anc
            op: ">="
            value: 1.5
            unit: x10^9/L
"""
# Lines: 10 "- level: 1", 13 "reason", 21 the field rule, 24 "op", 26 "unit".


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> tuple[str, list[tuple[str, int | None, str]]]:
    path = _write(tmp_path, text)
    with pytest.raises(ProtocolError) as info:
        load_protocol_file(path)
    assert info.value.file == str(path)
    return str(info.value), info.value.problems


def test_the_valid_example_loads(tmp_path: Path) -> None:
    loaded = load_protocol_file(_write(tmp_path, VALID))
    assert loaded.protocol.id == "broken-example"


def test_a_bad_comparator_names_the_path_and_line(tmp_path: Path) -> None:
    message, problems = _problems(tmp_path, VALID.replace('op: ">="', 'op: "=>"'))
    assert problems == [
        (
            "eligibility.inclusion[0].rule.rules[1].op",
            24,
            "Input should be '<', '<=', '>' or '>=', not '=>'",
        )
    ]
    assert message.startswith(f"{tmp_path / 'broken.yaml'}:24: eligibility.inclusion[0]")


def test_an_unknown_record_field_names_its_line(tmp_path: Path) -> None:
    _, problems = _problems(tmp_path, VALID.replace("diagnosis.tumour_type", "diagnosis.tumor"))
    assert len(problems) == 1
    path, line, message = problems[0]
    assert (path, line) == ("eligibility.inclusion[0].rule.rules[0].field", 21)
    assert "unknown screening-record field 'diagnosis.tumor'" in message


def test_an_assumed_value_without_reason_is_refused(tmp_path: Path) -> None:
    _, problems = _problems(tmp_path, VALID.replace("    reason: Not stated.\n", ""))
    assert problems == [("dose_levels[0]", 10, "an assumed value needs a one-line 'reason'")]


def test_a_lab_unit_unknown_for_the_test_is_refused(tmp_path: Path) -> None:
    _, problems = _problems(tmp_path, VALID.replace("unit: x10^9/L", "unit: mg/dL"))
    assert [(p, line) for p, line, _ in problems] == [
        ("eligibility.inclusion[0].rule.rules[1].unit", 26)
    ]


def test_a_lab_unit_in_the_wrong_case_is_refused_naming_the_accepted_units(tmp_path: Path) -> None:
    # g/L (grams per litre) is not G/L (10^9 per litre): SI Brochure 9th ed. section 5.2.
    _, problems = _problems(tmp_path, VALID.replace("unit: x10^9/L", "unit: g/L"))
    assert problems == [
        (
            "eligibility.inclusion[0].rule.rules[1].unit",
            26,
            "field 'anc.unit': got 'g/L', expected one of the units of anc: /mm3, /mm^3, /uL, "
            "10^3/uL, 10^9/L, G/L, K/uL, cells/mm3, cells/uL, x10^3/uL, x10^9/L "
            "(unit symbols are case-sensitive; the litre may be written L or l)",
        )
    ]
    assert load_protocol_file(_write(tmp_path, VALID.replace("unit: x10^9/L", "unit: G/L")))


def test_a_dose_level_outside_the_range_is_refused(tmp_path: Path) -> None:
    _, problems = _problems(
        tmp_path, VALID.replace("cells_per_kg: 100000\n", "cells_per_kg: 50000\n")
    )
    assert len(problems) == 1
    assert "dose level 1 (50000 cells/kg) is outside the protocol's range" in problems[0][2]


def test_a_yaml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    broken = VALID.replace("title: Broken example", "title: [Broken example")
    message, problems = _problems(tmp_path, broken)
    assert len(problems) == 1
    assert problems[0][0] == ""
    assert problems[0][2].startswith("not valid YAML")
    assert problems[0][1] is not None and problems[0][1] >= 3
    assert "(top level)" in message


def test_a_duplicate_key_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    twice = VALID.replace(
        "    reason: Not stated.\n", "    reason: Not stated.\n    reason: Again.\n"
    )
    _, problems = _problems(tmp_path, twice)
    assert problems == [
        ("dose_levels[0].reason", 14, "duplicate key 'reason' (first given on line 13)")
    ]


def test_a_non_mapping_file_is_refused(tmp_path: Path) -> None:
    _, problems = _problems(tmp_path, "- just\n- a list\n")
    assert problems == [("", 1, "a protocol file must be a YAML mapping")]


def test_a_missing_file_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot read the file"):
        load_protocol_file(tmp_path / "absent.yaml")


def test_load_protocol_takes_an_id_or_a_path(tmp_path: Path) -> None:
    assert load_protocol("uclm802").protocol.registry_id == "NCT05783089"
    assert load_protocol(str(_write(tmp_path, VALID))).protocol.id == "broken-example"
