"""CDISC Dataset-JSON v1.1 files of CDISC datasets: written, read back and validated.

Source: CDISC Dataset-JSON v1.1 specification (2024): one dataset per file, top-level
metadata (``datasetJSONCreationDateTime``, ``datasetJSONVersion``, ``itemGroupOID``,
``records``, ``name``, ``label``, ``columns``, optional ``studyOID``, ``metaDataRef``...),
one column object per variable (``itemOID``, ``name``, ``label``, ``dataType``,
``targetDataType``, ``length``, ``displayFormat``, ``keySequence``) and ``rows`` as arrays in
column order with ``null`` for missing. The item and item-group OIDs are define.xml's
(:mod:`cartrial.cdisc.define`), so ``metaDataRef`` can point at it.

Data types: text -> ``string``; integer -> ``integer``; float -> ``double``; an ADaM numeric
date (``datetime.date``) -> ``date`` written ISO 8601 with ``targetDataType`` ``integer``
(a SAS date when converted to XPORT) and ``displayFormat`` ``DATE9.``; SDTM ISO 8601 text
dates may be partial, so they stay ``string``. Written by hand (the json module) because the
format is a small JSON document; the shipped schema (``schema/dataset.schema.json``, see its
README) is checked with jsonschema.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from cartrial.cdisc.dataset import Dataset, Variable
from cartrial.cdisc.formats.limits import text_columns
from cartrial.errors import InputError
from cartrial.extras import require

__all__ = [
    "DATASET_JSON_VERSION",
    "dataset_json",
    "item_group_oid",
    "item_oid",
    "load_schema",
    "read_dataset_json",
    "validate_dataset_json",
    "write_dataset_json",
]

DATASET_JSON_VERSION = "1.1.0"
SOURCE_SYSTEM = {"name": "cartrial", "version": "0.1.0"}


def item_group_oid(dataset: Dataset) -> str:
    """The define.xml ItemGroupDef OID of a dataset: ``IG.<name>``."""
    return f"IG.{dataset.name}"


def item_oid(dataset: Dataset, variable: Variable) -> str:
    """The define.xml ItemDef OID of a variable: ``IT.<dataset>.<name>``."""
    return f"IT.{dataset.name}.{variable.name}"


def _is_date_objects(frame: pd.DataFrame, name: str) -> bool:
    values = frame[name].dropna()
    return len(values) > 0 and isinstance(values.iloc[0], dt.date)


def _column(dataset: Dataset, var: Variable, texts: set[str]) -> dict[str, Any]:
    column: dict[str, Any] = {
        "itemOID": item_oid(dataset, var),
        "name": var.name,
        "label": var.label,
    }
    if var.name in texts:
        column["dataType"] = "string"
        longest = dataset.frame[var.name].dropna().astype(str).str.len().max()
        length = var.length or (int(longest) if pd.notna(longest) and longest > 0 else 1)
        column["length"] = length
    elif var.data_type == "integer":
        column["dataType"] = "integer"
    elif var.data_type == "float":
        column["dataType"] = "double"
    elif var.data_type == "datetime":
        column.update(dataType="datetime", targetDataType="decimal", displayFormat="E8601DT.")
    else:
        column.update(dataType="date", targetDataType="integer", displayFormat="DATE9.")
    if var.name in dataset.keys:
        column["keySequence"] = dataset.keys.index(var.name) + 1
    return column


def _cell(value: Any, data_type: str) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if data_type == "string":
        return str(value)
    if data_type == "integer":
        return int(value)
    if data_type == "double":
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def dataset_json(
    dataset: Dataset,
    *,
    study_oid: str | None = None,
    created: dt.datetime | None = None,
    metadata_ref: str | None = "define.xml",
) -> dict[str, Any]:
    """The Dataset-JSON v1.1 document of ``dataset`` as a dict."""
    texts = set(text_columns(dataset))
    columns = [_column(dataset, v, texts) for v in dataset.variables]
    types = [c["dataType"] for c in columns]
    rows = [
        [_cell(value, t) for value, t in zip(record, types, strict=True)]
        for record in dataset.frame.itertuples(index=False, name=None)
    ]
    stamp = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    document: dict[str, Any] = {
        "datasetJSONCreationDateTime": stamp.isoformat(),
        "datasetJSONVersion": DATASET_JSON_VERSION,
        "fileOID": f"cartrial.{study_oid or 'study'}.{dataset.name}",
        "originator": "cartrial",
        "sourceSystem": dict(SOURCE_SYSTEM),
    }
    if study_oid is not None:
        document["studyOID"] = study_oid
    if metadata_ref is not None:
        document["metaDataRef"] = metadata_ref
    document.update(
        itemGroupOID=item_group_oid(dataset),
        isReferenceData=dataset.dataset_class == "TRIAL DESIGN",
        records=len(rows),
        name=dataset.name,
        label=dataset.label,
        columns=columns,
        rows=rows,
    )
    return document


def write_dataset_json(dataset: Dataset, directory: Path, *, study_oid: str | None = None) -> Path:
    """Write ``dataset`` as ``<directory>/<name lower>.json``; returns the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dataset.name.lower()}.json"
    document = dataset_json(dataset, study_oid=study_oid)
    path.write_text(json.dumps(document, ensure_ascii=False, allow_nan=False), encoding="utf-8")
    return path


def load_schema() -> dict[str, Any]:
    """The shipped Dataset-JSON v1.1 JSON Schema (``schema/dataset.schema.json``)."""
    text = resources.files("cartrial.cdisc.formats").joinpath("schema/dataset.schema.json")
    schema: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return schema


def validate_dataset_json(document: dict[str, Any]) -> None:
    """Check a document against the shipped schema and its row shape; the first problem is
    raised as an :class:`~cartrial.errors.InputError` naming where it is.

    The metadata goes through jsonschema; the rows (hundreds of thousands of cells in a
    lab dataset, slow through a generic validator) are checked here by the schema's own
    row rule, each row an array of strings, numbers, booleans or nulls, plus one value per
    column and ``records`` equal to the number of rows.
    """
    jsonschema = require("jsonschema")
    validator = jsonschema.Draft201909Validator(load_schema())
    head = {k: v for k, v in document.items() if k != "rows"}
    for error in validator.iter_errors(head):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        raise InputError(where, error.instance, f"Dataset-JSON v1.1: {error.message}")
    rows = document.get("rows", [])
    if not isinstance(rows, list):
        raise InputError("rows", type(rows).__name__, "an array of rows")
    width = len(document["columns"])
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            raise InputError(f"rows/{i}", row, f"an array of {width} values, one per column")
        for j, cell in enumerate(row):
            if cell is not None and not isinstance(cell, str | int | float | bool):
                raise InputError(
                    f"rows/{i}/{j}", cell, "a string, number, boolean or null (Dataset-JSON)"
                )
    if document["records"] != len(rows):
        raise InputError("records", document["records"], f"the number of rows, {len(rows)}")


def read_dataset_json(path: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """Read and validate a Dataset-JSON file: its metadata (without rows) and its frame;
    ``date`` columns come back as ``datetime.date``."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    validate_dataset_json(document)
    names = [c["name"] for c in document["columns"]]
    frame = pd.DataFrame(document.get("rows", []), columns=names, dtype=object)
    for column in document["columns"]:
        if column["dataType"] == "date":
            frame[column["name"]] = frame[column["name"]].map(
                lambda v: None if v is None else dt.date.fromisoformat(v)
            )
    meta = {k: v for k, v in document.items() if k != "rows"}
    return meta, frame
