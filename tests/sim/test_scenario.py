"""Scenario files: bundled ones load; bad ones are refused naming file, line, path, expectation."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from cartrial.errors import NotFoundError, ProtocolError
from cartrial.protocol.load import bundled_ids
from cartrial.sim.scenario import (
    bundled_scenario,
    bundled_scenario_ids,
    load_scenario,
    load_scenario_file,
)

TEXT = resources.files("cartrial.sim.scenarios").joinpath("uclm802.yaml").read_text("utf-8")


def _line_of(text: str, fragment: str) -> int:
    """1-based line of the only line containing ``fragment`` (computed from the text itself)."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if fragment in line]
    assert len(hits) == 1, (fragment, hits)
    return hits[0]


def _broken(tmp_path: Path, old: str, new: str) -> tuple[ProtocolError, str, Path]:
    assert TEXT.count(old) == 1, old
    text = TEXT.replace(old, new)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProtocolError) as info:
        load_scenario(str(path))
    assert info.value.file == str(path)
    return info.value, text, path


def test_every_bundled_protocol_has_a_scenario() -> None:
    assert bundled_scenario_ids() == bundled_ids()
    assert bundled_scenario_ids() == ["msk-m28z1xxpd1dnr", "szugh-msln-2024", "uclm802"]
    for protocol_id in bundled_scenario_ids():
        assert bundled_scenario(protocol_id).protocol_id == protocol_id


def test_a_scenario_loads_by_path_and_by_id_alike(tmp_path: Path) -> None:
    path = tmp_path / "copy.yaml"
    path.write_text(TEXT, encoding="utf-8")
    assert load_scenario(str(path)) == load_scenario("uclm802")
    assert load_scenario_file(path).kinetics.reference.tmax_days.typical.value == 9.3


def test_an_unknown_protocol_id_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="unknown scenario 'nope'; known: msk-m28z1xxpd1dnr"):
        load_scenario("nope")


def test_a_probability_above_one_is_refused_with_line_and_path(tmp_path: Path) -> None:
    old = "manufacturing_failure: {value: 0.05,"
    error, text, path = _broken(tmp_path, old, "manufacturing_failure: {value: 1.2,")
    line = _line_of(text, "manufacturing_failure: {value: 1.2,")
    assert str(error) == (
        f"{path}:{line}: operations.manufacturing_failure.value: "
        "Input should be less than or equal to 1"
    )


def test_a_negative_rate_is_refused(tmp_path: Path) -> None:
    old = "withdrawal_hazard_per_day: {value: 0.0003,"
    error, text, _ = _broken(tmp_path, old, "withdrawal_hazard_per_day: {value: -0.0003,")
    assert error.problems == [
        (
            "survival.withdrawal_hazard_per_day.value",
            _line_of(text, "withdrawal_hazard_per_day"),
            "Input should be greater than or equal to 0",
        )
    ]


def test_a_negative_variance_is_refused(tmp_path: Path) -> None:
    old = 'omega2: {value: 0.38, source: "Stein 2019 Table 1, omega^2 Tmax'
    error, text, _ = _broken(tmp_path, old, old.replace("0.38", "-0.38"))
    assert error.problems == [
        (
            "kinetics.reference.tmax_days.omega2.value",
            _line_of(text, "omega^2 Tmax"),
            "Input should be greater than or equal to 0",
        )
    ]


def test_a_value_without_source_or_assumption_is_refused(tmp_path: Path) -> None:
    old = 'n_sites: {value: 1, source: "uclm802.yaml sites: one site listed"}'
    error, text, _ = _broken(tmp_path, old, "n_sites: {value: 1}")
    assert error.problems == [
        (
            "operations.n_sites",
            _line_of(text, "n_sites: {value: 1}"),
            "a value needs 'source' (a citation) or 'assumed: true' with a 'reason'",
        )
    ]


def test_an_assumed_value_needs_a_reason(tmp_path: Path) -> None:
    old = next(line for line in TEXT.splitlines() if line.startswith("  late_visit:"))
    error, text, _ = _broken(tmp_path, old, "  late_visit: {value: 0.15, assumed: true}")
    assert error.problems == [
        (
            "visits.late_visit",
            _line_of(text, "late_visit: {value: 0.15, assumed: true}"),
            "an assumed value needs a one-line 'reason'",
        )
    ]


def test_an_unknown_key_is_refused_with_its_line(tmp_path: Path) -> None:
    error, text, _ = _broken(tmp_path, "\nvisits:\n", "\nvisits:\n  skipped_visit: 3\n")
    assert error.problems == [
        ("visits.skipped_visit", _line_of(text, "skipped_visit"), "Extra inputs are not permitted")
    ]


def test_a_number_written_as_text_is_refused(tmp_path: Path) -> None:
    error, _, _ = _broken(tmp_path, "n_sites: {value: 1,", 'n_sites: {value: "1",')
    assert error.problems[0][0] == "operations.n_sites.value"
    assert error.problems[0][2] == "Input should be a valid integer"


def test_tumour_mix_weights_must_sum_to_one(tmp_path: Path) -> None:
    old = "    mesothelioma: {value: 0.20, assumed: true"
    error, text, _ = _broken(tmp_path, old, old.replace("0.20", "0.30"))
    assert error.problems == [
        (
            "population",
            _line_of(text, "population:"),
            "the tumour_mix weights must sum to 1 (they sum to 1.1)",
        )
    ]


def test_crs_thresholds_must_fall_with_grade(tmp_path: Path) -> None:
    old = '- {value: -3.5, assumed: true, reason: "Grade 4 rare in MSLN'
    error, _, _ = _broken(tmp_path, old, old.replace("-3.5", "-1.0"))
    assert error.problems[0][0] == "crs"
    assert "'theta' must decrease with grade" in error.problems[0][2]


def test_an_unknown_screen_failure_reason_is_refused(tmp_path: Path) -> None:
    old = "    hbv_positive: {value: 0.01,"
    error, _, _ = _broken(tmp_path, old, "    hcv_positive: {value: 0.01,")
    assert error.problems[0][0] == "screening"
    assert "unknown screen-failure reasons ['hcv_positive']" in error.problems[0][2]


def test_a_duplicate_key_is_refused(tmp_path: Path) -> None:
    error, text, _ = _broken(
        tmp_path,
        "  n_sites: {value: 1,",
        "  n_sites: {value: 2, assumed: true, reason: x}\n  n_sites: {value: 1,",
    )
    assert error.problems[0][0] == "operations.n_sites"
    assert error.problems[0][1] == _line_of(text, "n_sites: {value: 1,")
    assert "duplicate key 'n_sites'" in error.problems[0][2]
