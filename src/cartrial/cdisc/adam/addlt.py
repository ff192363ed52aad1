"""ADDLT: one record per infused subject with the DLT outcome in the protocol's window.

Sources: the protocol's DLT section (``dlt.window_days``; ``shared/design/CLINICAL_RULES.md``
section 2, "DLT definition template"): a DLT is an adverse event the investigator
adjudicated as dose-limiting, flagged in SDTM on the AE record (SUPPAE QNAM ``AEDLT`` = Y,
SDTMIG 3.4 section 8.4); a subject is DLT-evaluable when infused and either had a DLT or
was followed through the window (ADSL.DLTEVLFL). PARAMCD ``DLT``: AVALC Y/N, AVAL 1/0,
ADT the first DLT's onset; a subject who is not evaluable has no AVAL (ADaMIG 1.3 BDS).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.adam.source import SdtmSource, iso_date
from cartrial.cdisc.dataset import Dataset
from cartrial.protocol.model import Protocol

__all__ = ["DLT_QNAMS", "derive_addlt", "dlt_onsets"]

DLT_QNAMS = ("AEDLT", "DLTFL")


def dlt_onsets(source: SdtmSource, protocol: Protocol) -> dict[str, tuple[dt.date, str]]:
    """Each subject's first DLT onset date and term (AE records flagged DLT in SUPPAE)."""
    ae = source.with_supp("AE", required=("USUBJID", "AESEQ", "AESTDTC"))
    flag = next((q for q in DLT_QNAMS if q in ae.columns), None)
    out: dict[str, tuple[dt.date, str]] = {}
    if flag is None or ae.empty:
        return out
    for _, row in ae[ae[flag] == "Y"].iterrows():
        onset = iso_date(row["AESTDTC"])
        if onset is None:
            continue
        subject = str(row["USUBJID"])
        term = str(row.get("AEDECOD") or row.get("AETERM"))
        if subject not in out or onset < out[subject][0]:
            out[subject] = (onset, term)
    return out


def derive_addlt(
    adsl: pd.DataFrame, onsets: dict[str, tuple[dt.date, str]], protocol: Protocol
) -> Dataset:
    """ADDLT over the safety population of ``adsl`` (module rules)."""
    window = protocol.dlt.window_days if protocol.dlt is not None else None
    rows: list[dict[str, object]] = []
    for _, subject in adsl[adsl["SAFFL"] == "Y"].iterrows():
        usubjid = subject["USUBJID"]
        evaluable = subject["DLTEVLFL"] == "Y"
        first = onsets.get(usubjid)
        if first is not None:
            reason = f"DLT: {first[1]} from {first[0].isoformat()}"
        elif evaluable:
            reason = f"followed through the {window}-day DLT window without a DLT"
        else:
            reason = (
                f"not DLT-evaluable: neither a DLT nor followed through the {window}-day window"
            )
        rows.append(
            {
                "STUDYID": subject["STUDYID"],
                "USUBJID": usubjid,
                "TRT01A": subject["TRT01A"],
                "TRTSDT": subject["TRTSDT"],
                "DLTEVLFL": subject["DLTEVLFL"],
                "PARAMCD": "DLT",
                "PARAM": f"Dose-Limiting Toxicity within {window} Days",
                "AVALC": ("Y" if first else "N") if evaluable else None,
                "AVAL": (1 if first else 0) if evaluable else None,
                "ADT": first[0] if first else None,
                "ADTTERM": first[1] if first else None,
                "DLTREAS": reason,
            }
        )
    variables = (
        predecessor("STUDYID", "Study Identifier", "ADSL.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "ADSL.USUBJID"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        predecessor("TRTSDT", "Date of First Exposure to Treatment", "ADSL.TRTSDT", "date"),
        predecessor("DLTEVLFL", "DLT-Evaluable Population Flag", "ADSL.DLTEVLFL"),
        derived("PARAMCD", "Parameter Code", "DLT"),
        derived("PARAM", "Parameter", "DLT within the protocol's window"),
        derived(
            "AVALC",
            "Analysis Value (C)",
            "Y if an AE flagged DLT (SUPPAE.AEDLT), N if evaluable without one",
            codelist="NY",
        ),
        derived("AVAL", "Analysis Value", "1 if AVALC = Y, 0 if N", "integer"),
        derived("ADT", "Analysis Date", "onset of the first DLT (AE.AESTDTC)", "date"),
        derived("ADTTERM", "Dictionary-Derived Term of First DLT", "AE.AEDECOD of the first DLT"),
        derived("DLTREAS", "Reason for DLT Outcome", "the rule that decided AVALC"),
    )
    return assemble(
        name="ADDLT",
        label="DLT Analysis Dataset",
        structure="One record per subject per parameter",
        dataset_class="BASIC DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "PARAMCD"),
        variables=variables,
        rows=rows,
    )
