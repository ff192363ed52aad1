"""Malformed and absurd input to the CLI ends in exit 2 with one message, never a traceback
or a hang (issue 14: 18 of 251 malformed inputs gave a traceback and 2 hung)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError
from cartrial.jsontext import MAX_JSON_DEPTH, parse_json_text

runner = CliRunner()


def _fails_cleanly(args: list[str]) -> str:
    """Exit 2 with one message (no traceback); the message on one line."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return " ".join(result.output.split())


def test_json_nested_100000_deep_is_refused_without_recursion(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nesting 100000 deep" in _fails_cleanly(["screen", "--protocol", "uclm802", str(deep)])


def test_a_binary_file_is_refused_as_not_utf8(tmp_path: Path) -> None:
    binary = tmp_path / "records.json"
    binary.write_bytes(b"\xff\xfe\x00\x01 not text")
    assert "UTF-8 text file" in _fails_cleanly(["screen", "--protocol", "uclm802", str(binary)])


def test_duplicate_keys_and_nan_are_refused(tmp_path: Path) -> None:
    dup = tmp_path / "dup.json"
    dup.write_text('{"subject_id": "A", "subject_id": "B"}')
    message = _fails_cleanly(["screen", "--protocol", "uclm802", str(dup)])
    assert "subject_id" in message and "duplicate key" in message
    with pytest.raises(InputError, match="NaN and Infinity"):
        parse_json_text('{"anc": NaN}', "x.json")
    with pytest.raises(InputError, match="line 2, column"):
        parse_json_text('{\n "a": }', "x.json")
    assert parse_json_text(json.dumps({"a": [[1]]}), "x.json") == {"a": [[1]]}
    assert MAX_JSON_DEPTH >= 10


def test_billion_laughs_yaml_is_refused_at_its_first_alias(tmp_path: Path) -> None:
    """Nine levels of nine aliases: 387,420,489 strings if expanded."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("\n".join(lines) + "\n")
    message = _fails_cleanly(["protocol", "validate", str(laughs)])
    assert "laughs.yaml:2" in message and "YAML alias *a" in message
    assert "YAML alias" in _fails_cleanly(["screen", "--protocol", str(laughs), str(laughs)])


def test_absurd_schedule_inputs_name_the_field_and_the_range() -> None:
    base = ["schedule", "--protocol", "uclm802", "--height-cm", "170"]
    weight = _fails_cleanly([*base, "--weight-kg", "0.0001", "--infusion-date", "2026-01-10"])
    assert "weight_kg" in weight and "from 2 to 400 kg" in weight
    date = _fails_cleanly([*base, "--weight-kg", "70", "--infusion-date", "9999-12-31"])
    assert "infusion_date" in date and "2000-01-01 to 2100-12-31" in date


def test_a_database_that_does_not_exist_is_an_error_and_no_file_is_left(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    message = _fails_cleanly(["site", "add", "S01", "Site one", "--time-zone", "UTC",
                              "--url", f"sqlite:///{missing}"])  # fmt: skip
    assert "no such database file" in message and not missing.exists()
    nowhere = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    assert "cannot open the database" in _fails_cleanly(["db", "init", "--url", nowhere])
