"""The SDTM input of the ADaM derivations: datasets by name, SUPP-- qualifiers merged back,
ISO 8601 text read as dates.

ADaM takes SDTM as it is submitted (ADaMIG 1.3 section 3.1: traceability to SDTM); this
module is the one place the derivations read it. Partial ISO 8601 dates are not imputed
(ADaMIG 1.3 section 3.1.4 allows imputation with a flag; none is done here): an incomplete
date becomes a missing analysis date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.errors import InputError

__all__ = ["SdtmSource", "iso_date", "iso_datetime", "read_sdtm_directory"]


def iso_date(value: object) -> dt.date | None:
    """The date of an ISO 8601 text value with at least year, month and day; else None.

    >>> iso_date("2026-03-04T10:15"), iso_date("2026-03"), iso_date(None)
    (datetime.date(2026, 3, 4), None, None)
    """
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def iso_datetime(value: object) -> dt.datetime | None:
    """The date and time of an ISO 8601 value with hours and minutes (naive); else None.

    >>> iso_datetime("2026-03-04T10:15"), iso_datetime("2026-03-04")
    (datetime.datetime(2026, 3, 4, 10, 15), None)
    """
    if not isinstance(value, str) or len(value) < 16 or value[10] != "T":
        return None
    try:
        return dt.datetime.fromisoformat(value[:19]).replace(tzinfo=None)
    except ValueError:
        return None


@dataclass(frozen=True)
class SdtmSource:
    """SDTM datasets by name (upper case), as frames."""

    frames: Mapping[str, pd.DataFrame]

    @classmethod
    def of(cls, datasets: Iterable[Dataset]) -> SdtmSource:
        return cls({d.name.upper(): d.frame for d in datasets})

    def has(self, name: str) -> bool:
        return name in self.frames and len(self.frames[name]) > 0

    def frame(self, name: str, *, required: Iterable[str] = ()) -> pd.DataFrame:
        """The rows of ``name`` (an empty frame when it is absent); ``required`` columns
        must be there when it has rows, else an error names dataset and variable."""
        frame = self.frames.get(name)
        if frame is None:
            return pd.DataFrame(columns=list(required))
        missing = [c for c in required if c not in frame.columns]
        if missing and len(frame):
            raise InputError(
                f"{name}.{missing[0]}",
                sorted(frame.columns),
                f"SDTM {name} with the variable {missing[0]}",
            )
        return frame

    def with_supp(self, name: str, *, required: Iterable[str] = ()) -> pd.DataFrame:
        """``name`` with its SUPP-- qualifiers as columns named by QNAM (SDTMIG 3.4 section
        8.4: IDVAR/IDVARVAL point at the parent record; blank IDVAR = subject level)."""
        frame = self.frame(name, required=required).copy()
        supp = self.frames.get(f"SUPP{name}")
        if supp is None or supp.empty or frame.empty:
            return frame
        for (idvar, qnam), rows in supp.groupby([supp["IDVAR"].fillna(""), "QNAM"], sort=False):
            if idvar == "":
                values = rows.drop_duplicates("USUBJID").set_index("USUBJID")["QVAL"]
                frame[qnam] = frame["USUBJID"].map(values)
                continue
            keys = (
                frame["USUBJID"].astype(str)
                + "|"
                + frame[idvar].astype(str).str.replace(r"\.0$", "", regex=True)
            )
            lookup = dict(
                zip(
                    rows["USUBJID"].astype(str) + "|" + rows["IDVARVAL"].astype(str),
                    rows["QVAL"],
                    strict=True,
                )
            )
            frame[qnam] = keys.map(lookup)
        return frame


def read_sdtm_directory(directory: Path) -> SdtmSource:
    """SDTM datasets from a directory of ``*.json`` (Dataset-JSON) or ``*.xpt`` files;
    Dataset-JSON is preferred when both are there."""
    from cartrial.cdisc.formats.dataset_json import read_dataset_json
    from cartrial.cdisc.formats.xpt import read_xpt

    if not directory.is_dir():
        raise InputError("--sdtm", str(directory), "a directory of SDTM .json or .xpt files")
    frames: dict[str, pd.DataFrame] = {}
    for path in sorted(directory.glob("*.json")):
        meta, frame = read_dataset_json(path)
        frames[str(meta["name"]).upper()] = frame
    for path in sorted(directory.glob("*.xpt")):
        name = path.stem.upper()
        if name in frames:
            continue
        frame, _, _ = read_xpt(path)
        text = frame.select_dtypes(include="object").columns
        frame[text] = frame[text].replace("", None)
        frames[name] = frame
    if "DM" not in frames:
        raise InputError("--sdtm", str(directory), "a directory holding dm.json or dm.xpt")
    return SdtmSource(frames)
