"""ADaMIG 1.3 structural rules on the derived datasets: keys unique, ADSL one record per
subject, population flags Y/N, ADTTE CNSR 0 with an event description and > 0 with a
censoring description, names and labels within the XPORT limits, every dataset written
as XPORT and as schema-valid Dataset-JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from cartrial.cdisc.adam import AdamBuild, build_adam
from cartrial.cdisc.define import build_define
from cartrial.cdisc.formats.dataset_json import (
    dataset_json,
    load_schema,
    validate_dataset_json,
)
from cartrial.cdisc.formats.limits import check_dataset
from cartrial.cdisc.formats.xpt import read_xpt, write_xpt
from cartrial.protocol.load import load_protocol
from tests.cdisc.adam_sdtm import sdtm

NAMES = ["ADSL", "ADAE", "ADLB", "ADRS", "ADTTE", "ADPC", "ADPP", "ADDLT"]


@pytest.fixture(scope="module")
def adam() -> AdamBuild:
    return build_adam(sdtm(), protocol=load_protocol("uclm802").protocol)


def test_every_dataset_of_the_issue_is_built(adam: AdamBuild) -> None:
    assert [d.name for d in adam.datasets] == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_keys_are_unique_and_within_xport_limits(adam: AdamBuild, name: str) -> None:
    dataset = adam.dataset(name)
    check_dataset(dataset)
    assert not dataset.frame.duplicated(list(dataset.keys)).any()
    assert {"STUDYID", "USUBJID"} <= set(dataset.frame.columns)


def test_adsl_one_record_per_dm_subject_with_y_n_flags(adam: AdamBuild) -> None:
    adsl = adam.dataset("ADSL").frame
    assert sorted(adsl["USUBJID"]) == sorted(sdtm().frames["DM"]["USUBJID"])
    for flag in ("SAFFL", "DLTEVLFL", "TUBLFL", "EFFFL"):
        assert set(adsl[flag]) <= {"Y", "N"}
    # populations nest: efficacy within tumour baseline within safety
    assert not ((adsl["EFFFL"] == "Y") & (adsl["TUBLFL"] != "Y")).any()
    assert not ((adsl["TUBLFL"] == "Y") & (adsl["SAFFL"] != "Y")).any()
    assert not ((adsl["DLTEVLFL"] == "Y") & (adsl["SAFFL"] != "Y")).any()


def test_adtte_censoring_variables_agree(adam: AdamBuild) -> None:
    adtte = adam.dataset("ADTTE").frame
    events = adtte[adtte["CNSR"] == 0]
    censored = adtte[adtte["CNSR"] > 0]
    assert events["EVNTDESC"].notna().all() and events["CNSDTDSC"].isna().all()
    assert censored["CNSDTDSC"].notna().all() and censored["EVNTDESC"].isna().all()
    assert ((adtte["ADT"] - adtte["STARTDT"]).map(lambda d: d.days) + 1 == adtte["AVAL"]).all()


def test_every_dataset_round_trips_xport_and_validates_as_dataset_json(
    adam: AdamBuild, tmp_path: Path
) -> None:
    for dataset in adam.datasets:
        frame, labels, member = read_xpt(write_xpt(dataset, tmp_path))
        assert member == dataset.name and len(frame) == len(dataset.frame)
        assert labels == {v.name: v.label for v in dataset.variables}
        document = dataset_json(dataset, study_oid="UCLM802")
        validate_dataset_json(document)
        Draft201909Validator(load_schema()).validate(document)
    tree = build_define(adam.datasets, study_oid="UCLM802")
    groups = {g.get("Name"): g for g in tree.getroot().findall(".//{*}ItemGroupDef")}
    assert list(groups) == NAMES
    # ADSL is the one non-repeating analysis dataset; ADTTE has one record per parameter
    assert {n for n, g in groups.items() if g.get("Repeating") == "No"} == {"ADSL"}
    assert {g.get("Purpose") for g in groups.values()} == {"Analysis"}
