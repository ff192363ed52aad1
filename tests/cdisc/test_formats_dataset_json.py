"""Dataset-JSON v1.1: documents valid against the shipped schema, a round trip, and
malformed documents refused by name."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from jsonschema import Draft201909Validator

from cartrial.cdisc.formats.dataset_json import (
    dataset_json,
    load_schema,
    read_dataset_json,
    validate_dataset_json,
    write_dataset_json,
)
from cartrial.errors import InputError
from tests.cdisc.formats_data import demographics

CREATED = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.UTC)


def test_the_shipped_schema_names_dataset_json_1_1_and_its_required_attributes() -> None:
    schema = load_schema()
    assert schema["$schema"].endswith("2019-09/schema")
    assert set(schema["required"]) == {
        "datasetJSONCreationDateTime",
        "datasetJSONVersion",
        "itemGroupOID",
        "records",
        "name",
        "label",
        "columns",
    }


def test_document_is_valid_and_has_the_columns_written_by_hand() -> None:
    document = dataset_json(demographics(), study_oid="UCLM802", created=CREATED)
    validate_dataset_json(document)
    # the whole document, rows included, through jsonschema and the shipped schema
    Draft201909Validator(load_schema()).validate(document)
    assert document["datasetJSONVersion"] == "1.1.0"
    assert document["itemGroupOID"] == "IG.DM"
    assert document["records"] == 3
    columns = {c["name"]: c for c in document["columns"]}
    assert columns["USUBJID"] == {
        "itemOID": "IT.DM.USUBJID",
        "name": "USUBJID",
        "label": "Unique Subject Identifier",
        "dataType": "string",
        "length": 14,
        "keySequence": 2,
    }
    assert columns["AGE"]["dataType"] == "integer"
    assert columns["RFSTDTC"]["dataType"] == "string"  # partial dates are allowed in SDTM
    assert columns["TRTSDT"]["dataType"] == "date"
    assert columns["TRTSDT"]["targetDataType"] == "integer"
    assert document["rows"][1] == ["UCLM802", "UCLM802-01-002", 47, None, "2026-02", None]
    assert document["rows"][0][-1] == "2026-01-05"


def test_round_trip_through_a_file(tmp_path: Path) -> None:
    path = write_dataset_json(demographics(), tmp_path, study_oid="UCLM802")
    assert path.name == "dm.json"
    meta, frame = read_dataset_json(path)
    assert meta["name"] == "DM" and meta["studyOID"] == "UCLM802"
    assert frame["AGE"].tolist() == [61, 47, 70]
    assert frame["TRTSDT"].tolist() == [dt.date(2026, 1, 5), None, dt.date(2026, 3, 9)]
    assert frame["RFSTDTC"].tolist() == ["2026-01-05", "2026-02", None]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.pop("itemGroupOID"), "(document)"),
        (lambda d: d.update(datasetJSONVersion="1.0"), "datasetJSONVersion"),
        (lambda d: d["columns"][0].update(dataType="char"), "columns/0/dataType"),
        (lambda d: d["rows"][0].pop(), "rows/0"),
        (lambda d: d["rows"][1].__setitem__(2, {"age": 47}), "rows/1/2"),
        (lambda d: d.update(records=4), "records"),
    ],
)
def test_a_malformed_document_is_refused_naming_where(change: object, where: str) -> None:
    document = json.loads(json.dumps(dataset_json(demographics(), created=CREATED)))
    change(document)  # type: ignore[operator]
    with pytest.raises(InputError) as info:
        validate_dataset_json(document)
    assert info.value.field == where
