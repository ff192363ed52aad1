"""The SAS XPORT version 5 limits, checked before anything is written.

Sources: SAS Institute, "The Record Layout of a Data Set in SAS Transport (XPORT) Format"
(TS-140): member and variable names at most 8 characters, labels at most 40, character
values at most 200 bytes; FDA Study Data Technical Conformance Guide (section 3.3.1, SAS
transport files) repeats these for submissions and asks for ASCII text; SDTMIG 3.4 section
2.2 / ADaMIG 1.3 section 3: names start with a letter and hold only letters, digits and
underscores. Every refusal is an :class:`~cartrial.errors.InputError` naming the dataset,
the variable, the value and the limit, so a mapping can be fixed where it is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.errors import InputError

__all__ = [
    "MAX_LABEL",
    "MAX_NAME",
    "MAX_TEXT",
    "check_dataset",
    "text_columns",
]

MAX_NAME = 8
MAX_LABEL = 40
MAX_TEXT = 200
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def _check_name(dataset: str, what: str, name: str) -> None:
    if len(name) > MAX_NAME:
        raise InputError(
            what,
            name,
            f"a name of at most {MAX_NAME} characters (SAS XPORT v5), got {len(name)}",
            source=f"dataset {dataset}",
        )
    if not _NAME.match(name):
        raise InputError(
            what,
            name,
            "an upper-case name: a letter, then letters, digits or underscores",
            source=f"dataset {dataset}",
        )


def _check_label(dataset: str, what: str, label: str) -> None:
    if len(label) > MAX_LABEL:
        raise InputError(
            what,
            label,
            f"a label of at most {MAX_LABEL} characters (SAS XPORT v5), got {len(label)}",
            source=f"dataset {dataset}",
        )
    if not label.isascii():
        raise InputError(what, label, "an ASCII label", source=f"dataset {dataset}")


def text_columns(dataset: Dataset) -> Iterable[str]:
    """The variables written as character columns (every data type but integer and float,
    and dates that are held as ISO 8601 text)."""
    for var in dataset.variables:
        if var.data_type == "text":
            yield var.name
        elif var.data_type in ("date", "datetime"):
            values = dataset.frame[var.name].dropna()
            if len(values) and isinstance(values.iloc[0], str):
                yield var.name


def _check_values(dataset: Dataset, name: str) -> None:
    column = dataset.frame[name]
    declared = dataset.variable(name).length
    limit = MAX_TEXT if declared is None else min(declared, MAX_TEXT)
    for row, value in column.items():
        if value is None or (isinstance(value, float) and pd.isna(value)):
            continue
        text = str(value)
        if not text.isascii():
            raise InputError(
                f"{name}[{row}]",
                text,
                "ASCII text (FDA Study Data Technical Conformance Guide, SAS transport)",
                source=f"dataset {dataset.name}",
            )
        if len(text.encode("ascii")) > limit:
            raise InputError(
                f"{name}[{row}]",
                text,
                f"a value of at most {limit} characters (SAS XPORT v5 allows {MAX_TEXT}), "
                f"got {len(text)}",
                source=f"dataset {dataset.name}",
            )


def check_dataset(dataset: Dataset) -> None:
    """Refuse a dataset XPORT v5 cannot hold: the first breach is raised with its dataset,
    variable, value and limit."""
    _check_name(dataset.name, "dataset name", dataset.name)
    _check_label(dataset.name, "dataset label", dataset.label)
    columns = list(dataset.frame.columns)
    names = [v.name for v in dataset.variables]
    if columns != names:
        raise InputError(
            "columns",
            columns,
            f"exactly the declared variables in order: {names}",
            source=f"dataset {dataset.name}",
        )
    for var in dataset.variables:
        _check_name(dataset.name, "variable name", var.name)
        _check_label(dataset.name, f"label of {var.name}", var.label)
    for name in text_columns(dataset):
        _check_values(dataset, name)
