"""SAS XPORT v5: a round trip through pyreadstat, and the v5 limits refused by name
(SAS TS-140: names <= 8, labels <= 40, character values <= 200)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cartrial.cdisc.dataset import Variable
from cartrial.cdisc.formats.xpt import read_xpt, write_xpt
from cartrial.errors import InputError
from tests.cdisc.formats_data import demographics, with_variable


def test_xpt_round_trip_returns_the_values_labels_and_member_name(tmp_path: Path) -> None:
    path = write_xpt(demographics(), tmp_path)
    assert path.name == "dm.xpt"
    frame, labels, member = read_xpt(path)
    assert member == "DM"
    assert labels["RFSTDTC"] == "Subject Reference Start Date/Time"
    assert list(frame.columns) == ["STUDYID", "USUBJID", "AGE", "HEIGHT", "RFSTDTC", "TRTSDT"]
    assert frame["USUBJID"].tolist() == ["UCLM802-01-001", "UCLM802-01-002", "UCLM802-02-003"]
    assert frame["AGE"].tolist() == [61.0, 47.0, 70.0]
    assert frame["HEIGHT"].iloc[0] == 172.5 and frame["HEIGHT"].iloc[2] == 160.25
    assert frame["HEIGHT"].isna().iloc[1]
    # partial ISO 8601 text stays text; a missing character value is blank in XPORT
    assert frame["RFSTDTC"].tolist() == ["2026-01-05", "2026-02", ""]
    # numeric dates come back as dates (SAS DATE9.)
    assert frame["TRTSDT"].iloc[0] == dt.date(2026, 1, 5)
    assert frame["TRTSDT"].iloc[2] == dt.date(2026, 3, 9)


def test_a_nine_character_variable_name_is_refused_naming_it(tmp_path: Path) -> None:
    bad = with_variable(
        demographics(), Variable("RFSTDTCXX", "Too long", "text", "Derived"), ["a", "b", "c"]
    )
    with pytest.raises(InputError) as info:
        write_xpt(bad, tmp_path)
    message = str(info.value)
    assert "dataset DM" in message and "'RFSTDTCXX'" in message
    assert "at most 8 characters" in message and "got 9" in message
    assert not (tmp_path / "dm.xpt").exists()


def test_a_41_character_label_is_refused_naming_variable_and_limit(tmp_path: Path) -> None:
    label = "A" * 41
    bad = with_variable(
        demographics(), Variable("COMMENT", label, "text", "Collected"), ["a", "b", "c"]
    )
    with pytest.raises(InputError) as info:
        write_xpt(bad, tmp_path)
    assert info.value.field == "label of COMMENT"
    assert info.value.value == label
    assert "at most 40 characters" in str(info.value) and "got 41" in str(info.value)


def test_a_201_character_value_is_refused_naming_row_value_and_limit(tmp_path: Path) -> None:
    value = "x" * 201
    bad = with_variable(
        demographics(), Variable("COMMENT", "Comment", "text", "Collected"), ["short", value, None]
    )
    with pytest.raises(InputError) as info:
        write_xpt(bad, tmp_path)
    assert info.value.field == "COMMENT[1]"
    assert info.value.value == value
    assert "dataset DM" in str(info.value)
    assert "at most 200 characters" in str(info.value) and "got 201" in str(info.value)


def test_a_200_character_value_is_written(tmp_path: Path) -> None:
    value = "y" * 200
    ok = with_variable(
        demographics(), Variable("COMMENT", "Comment", "text", "Collected"), [value, "", None]
    )
    frame, _, _ = read_xpt(write_xpt(ok, tmp_path))
    assert frame["COMMENT"].iloc[0] == value


def test_non_ascii_text_is_refused_as_the_fda_guide_asks(tmp_path: Path) -> None:
    bad = with_variable(
        demographics(),
        Variable("PCORRESU", "Original Units", "text", "Collected"),
        ["copies/µg", "", ""],
    )
    with pytest.raises(InputError, match="ASCII"):
        write_xpt(bad, tmp_path)
