"""Structural rules of SDTMIG 3.4, written independently of the builders, for the tests.

Each check returns a list of violations (empty when the rule holds) so a failing
test prints what broke.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.spec import core_of
from cartrial.cdisc.terminology import load_codelists

# ISO 8601 forms SDTMIG 3.4 section 4.4.2 allows for a complete or partial --DTC.
ISO_8601 = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?)?)?$")
TESTCD = re.compile(r"^[A-Z][A-Z0-9_]{0,7}$")


def required_missing(d: Dataset) -> list[str]:
    out = []
    for v in d.variables:
        if core_of(d.name, v.name) == "Req":
            nulls = int(d.frame[v.name].isna().sum())
            if nulls:
                out.append(f"{d.name}.{v.name}: {nulls} empty")
    return out


def duplicate_keys(d: Dataset) -> int:
    return int(d.frame.duplicated(list(d.keys)).sum())


def seq_duplicates(d: Dataset) -> int:
    seq = [c for c in d.frame.columns if c.endswith("SEQ") and len(c) == 5]
    if not seq:
        return 0
    within = "USUBJID" if "USUBJID" in d.frame.columns else "TSPARMCD"
    return int(d.frame.duplicated([within, seq[0]]).sum())


def bad_dates(d: Dataset) -> list[str]:
    out = []
    for col in d.frame.columns:
        if not (col.endswith("DTC") or col.endswith("DTM")):
            continue
        for value in d.frame[col].dropna():
            if not ISO_8601.match(value):
                out.append(f"{col}={value}")
                continue
            if len(value) >= 10:
                dt.datetime.fromisoformat(value)
    return out


def study_day(dtc: str, rfstdtc: str) -> int:
    """SDTMIG 3.4 section 4.4.4, by hand: no day 0."""
    day = dt.date.fromisoformat(dtc[:10])
    ref = dt.date.fromisoformat(rfstdtc[:10])
    n = (day - ref).days
    return n + 1 if n >= 0 else n


def inconsistent_days(d: Dataset, dm: Dataset) -> list[str]:
    rf = dict(zip(dm.frame["USUBJID"], dm.frame["RFSTDTC"], strict=False))
    out = []
    for col in d.frame.columns:
        if not col.endswith("DY") or col == "DY":
            continue
        dtc = col[:-2] + "DTC"
        if dtc not in d.frame.columns:
            continue
        for u, when, day in zip(d.frame["USUBJID"], d.frame[dtc], d.frame[col], strict=False):
            ref = rf.get(u)
            if when is None or ref is None or len(when) < 10:
                if not pd.isna(day):
                    out.append(f"{col}={day} without a full date and RFSTDTC for {u}")
                continue
            if pd.isna(day) or int(day) != study_day(when, ref):
                out.append(f"{u} {dtc}={when} {col}={day} RFSTDTC={ref}")
    return out


def codelist_violations(d: Dataset) -> list[str]:
    lists = load_codelists()
    out = []
    for v in d.variables:
        if v.codelist is None:
            continue
        allowed = lists[v.codelist].values
        bad = set(d.frame[v.name].dropna().astype(str)) - allowed
        if bad:
            out.append(f"{d.name}.{v.name} ({v.codelist}): {sorted(bad)}")
    return out
