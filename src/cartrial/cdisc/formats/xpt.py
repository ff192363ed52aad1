"""SAS XPORT version 5 files of CDISC datasets, through pyreadstat (ReadStat).

Why a library: the transport format (SAS TS-140: 80-byte records, IBM hexadecimal floats)
is ReadStat's, kept by its authors and used by R haven; we only check the v5 limits first
(:mod:`cartrial.cdisc.formats.limits`), so a too-long name, label or value is refused with
the dataset, variable, value and limit named instead of being truncated by the writer.

Conventions (FDA Study Data Technical Conformance Guide, section 3.3.1): one dataset per
file, the file named after the dataset in lower case (``dm.xpt``); missing character values
are blank; ADaM numeric dates (held as ``datetime.date``) are SAS dates with the ``DATE9.``
format, ISO 8601 text dates stay text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.formats.limits import check_dataset, text_columns
from cartrial.extras import require

__all__ = ["read_xpt", "write_xpt", "xpt_frame"]


def _is_date_column(dataset: Dataset, name: str) -> bool:
    values = dataset.frame[name].dropna()
    return len(values) > 0 and isinstance(values.iloc[0], dt.date)


def xpt_frame(dataset: Dataset) -> pd.DataFrame:
    """The frame as it is written: character columns as text with blanks for missing."""
    frame = dataset.frame.copy()
    for name in text_columns(dataset):
        frame[name] = frame[name].map(lambda v: "" if v is None or pd.isna(v) else str(v))
    return frame


def write_xpt(dataset: Dataset, directory: Path) -> Path:
    """Write ``dataset`` as ``<directory>/<name lower>.xpt`` (XPORT v5); returns the path.

    Raises :class:`~cartrial.errors.InputError` on the first breach of the v5 limits."""
    pyreadstat = require("pyreadstat")
    check_dataset(dataset)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dataset.name.lower()}.xpt"
    formats = {
        v.name: "DATE9."
        for v in dataset.variables
        if v.data_type == "date" and _is_date_column(dataset, v.name)
    }
    pyreadstat.write_xport(
        xpt_frame(dataset),
        str(path),
        file_label=dataset.label,
        column_labels={v.name: v.label for v in dataset.variables},
        table_name=dataset.name,
        file_format_version=5,
        variable_format=formats or None,
    )
    return path


def read_xpt(path: Path) -> tuple[pd.DataFrame, dict[str, str], str]:
    """Read an XPORT file back: its frame, variable labels and dataset (member) name."""
    pyreadstat = require("pyreadstat")
    frame, meta = pyreadstat.read_xport(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    return frame, labels, str(meta.table_name)
