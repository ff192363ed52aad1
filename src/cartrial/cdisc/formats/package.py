"""A set of CDISC datasets written as files: XPORT and/or Dataset-JSON, with define.xml.

One call for the SDTM and the ADaM commands: when XPORT is asked for, every dataset is
checked against its limits before any file is written (a failing dataset leaves no
partial package; Dataset-JSON, UTF-8 without those limits, is not held to them),
then written in the chosen formats, then described in ``define.xml`` whose ``def:leaf``
points at the XPORT files (the submission format, FDA Study Data Technical Conformance
Guide section 3.3), or at the Dataset-JSON files when only those are written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.define import CodeListInfo, build_define, write_define
from cartrial.cdisc.formats.dataset_json import write_dataset_json
from cartrial.cdisc.formats.limits import check_dataset
from cartrial.cdisc.formats.xpt import write_xpt

__all__ = ["FileFormat", "WrittenPackage", "write_package"]

FileFormat = Literal["xpt", "json", "both"]


@dataclass(frozen=True)
class WrittenPackage:
    """What was written where."""

    directory: Path
    files: list[Path]
    define: Path


def write_package(
    datasets: Sequence[Dataset],
    directory: Path,
    *,
    study_oid: str,
    file_format: FileFormat = "both",
    codelists: Mapping[str, CodeListInfo] | None = None,
    ct_version: str | None = None,
    created: dt.datetime | None = None,
) -> WrittenPackage:
    """Write ``datasets`` and their define.xml into ``directory`` (module rules)."""
    if file_format in ("xpt", "both"):
        for dataset in datasets:
            check_dataset(dataset)
    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for dataset in datasets:
        if file_format in ("xpt", "both"):
            files.append(write_xpt(dataset, directory))
        if file_format in ("json", "both"):
            files.append(write_dataset_json(dataset, directory, study_oid=study_oid))
    tree = build_define(
        datasets,
        study_oid=study_oid,
        file_extension="json" if file_format == "json" else "xpt",
        codelists=codelists,
        ct_version=ct_version,
        created=created,
    )
    define = directory / "define.xml"
    write_define(tree, define)
    return WrittenPackage(directory, files, define)
