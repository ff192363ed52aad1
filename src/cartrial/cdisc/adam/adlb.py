"""ADLB: one record per subject, parameter and analysis date, with baseline, change,
CTCAE grades and grade shifts.

Sources: ADaMIG 1.3 BDS (PARAMCD, AVAL, BASE, CHG, ABLFL, ATOXGR, BTOXGR) and the
pharmaverse admiral lab-grading template's shift convention (rules only). Rules:

1. PARAMCD/PARAM/AVAL/AVALU from LBTESTCD/LBTEST/LBSTRESN/LBSTRESU; ATOXGR from LBTOXGR
   (CTCAE v5.0, graded by the project's engine before SDTM).
2. Baseline (ABLFL = Y): the record SDTM marks LBLOBXFL = Y (last observation before
   exposure, SDTMIG 3.4) or, in older data, LBBLFL = Y; BASE and BTOXGR are its values;
   CHG = AVAL - BASE for post-baseline records.
3. SHIFT1 = "BTOXGR to ATOXGR" on post-baseline records ("0 to 3"); WGRFL flags the
   worst-grade post-baseline record per subject and parameter (first by date on ties).
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.adam.adae import study_day
from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.adam.source import SdtmSource, iso_date
from cartrial.cdisc.dataset import Dataset

__all__ = ["derive_adlb"]


def _number(value: object) -> float | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return float(value)  # type: ignore[arg-type]


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return None
    return str(value)


def derive_adlb(source: SdtmSource, adsl: pd.DataFrame) -> Dataset:
    """ADLB from LB and ADSL (module rules)."""
    lb = source.frame(
        "LB", required=("USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBSTRESN", "LBDTC")
    )
    treatment = dict(zip(adsl["USUBJID"], adsl["TRT01A"], strict=True))
    infusion = dict(zip(adsl["USUBJID"], adsl["TRTSDT"], strict=True))
    baseline_flag = next((c for c in ("LBLOBXFL", "LBBLFL") if c in lb.columns), None)
    adt = [iso_date(v) for v in lb["LBDTC"]]
    units = [_text(v) for v in (lb["LBSTRESU"] if "LBSTRESU" in lb.columns else [None] * len(lb))]
    grades = [_text(v) for v in (lb["LBTOXGR"] if "LBTOXGR" in lb.columns else [None] * len(lb))]
    records = {
        "STUDYID": lb["STUDYID"].tolist(),
        "USUBJID": lb["USUBJID"].tolist(),
        "LBSEQ": [int(v) for v in lb["LBSEQ"]],
        "TRT01A": [treatment.get(s) for s in lb["USUBJID"]],
        "PARAMCD": lb["LBTESTCD"].tolist(),
        "PARAM": [
            f"{test} ({unit})" if unit else str(test)
            for test, unit in zip(lb["LBTEST"], units, strict=True)
        ],
        "AVAL": [_number(v) for v in lb["LBSTRESN"]],
        "AVALU": units,
        "ADT": adt,
        "ADY": [study_day(d, infusion.get(s)) for d, s in zip(adt, lb["USUBJID"], strict=True)],
        "ABLFL": ["Y" if v == "Y" else None for v in lb[baseline_flag]]
        if baseline_flag
        else [None] * len(lb),
        "ATOXGR": grades,
    }
    frame = pd.DataFrame(records)
    if len(frame):
        base = frame[frame["ABLFL"] == "Y"].drop_duplicates(["USUBJID", "PARAMCD"], keep="last")
        keyed = base.set_index(["USUBJID", "PARAMCD"])
        index = pd.MultiIndex.from_frame(frame[["USUBJID", "PARAMCD"]])
        frame["BASE"] = keyed["AVAL"].reindex(index).to_numpy(dtype=float)
        frame["BTOXGR"] = keyed["ATOXGR"].reindex(index).to_numpy()
        after = pd.Series(
            [
                flag != "Y" and day is not None and day > 0
                for flag, day in zip(frame["ABLFL"], frame["ADY"], strict=True)
            ],
            index=frame.index,
        )
        aval = frame["AVAL"].astype(float)
        frame["CHG"] = (aval - frame["BASE"]).where(after & frame["BASE"].notna())
        frame["SHIFT1"] = (
            frame["BTOXGR"].fillna("missing") + " to " + frame["ATOXGR"].fillna("missing")
        ).where(after & frame["ATOXGR"].notna())
        graded = frame[after & frame["ATOXGR"].notna()].copy()
        graded["_g"] = graded["ATOXGR"].astype(int)
        graded = graded.sort_values(
            ["USUBJID", "PARAMCD", "_g", "ADT"], ascending=[True, True, False, True]
        )
        frame["WGRFL"] = None
        frame.loc[graded.drop_duplicates(["USUBJID", "PARAMCD"]).index, "WGRFL"] = "Y"
    variables = (
        predecessor("STUDYID", "Study Identifier", "LB.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "LB.USUBJID"),
        predecessor("LBSEQ", "Sequence Number", "LB.LBSEQ", "integer"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        predecessor("PARAMCD", "Parameter Code", "LB.LBTESTCD"),
        derived("PARAM", "Parameter", "LB.LBTEST with LB.LBSTRESU"),
        predecessor("AVAL", "Analysis Value", "LB.LBSTRESN", "float"),
        predecessor("AVALU", "Analysis Value Unit", "LB.LBSTRESU"),
        derived("ADT", "Analysis Date", "LB.LBDTC (full dates only)", "date"),
        derived("ADY", "Analysis Relative Day", "ADT - TRTSDT (+1 on or after)", "integer"),
        derived("ABLFL", "Baseline Record Flag", "LB.LBLOBXFL (or LB.LBBLFL) = Y", codelist="NY"),
        predecessor("ATOXGR", "Analysis Toxicity Grade", "LB.LBTOXGR"),
        derived("BASE", "Baseline Value", "AVAL of the baseline record", "float"),
        derived("BTOXGR", "Baseline Toxicity Grade", "ATOXGR of the baseline record"),
        derived("CHG", "Change from Baseline", "AVAL - BASE after infusion", "float"),
        derived("SHIFT1", "Shift 1", "BTOXGR to ATOXGR after infusion"),
        derived(
            "WGRFL",
            "Worst Post-Baseline Grade Flag",
            "highest ATOXGR after infusion per subject and parameter",
            codelist="NY",
        ),
    )
    return assemble(
        name="ADLB",
        label="Laboratory Analysis Dataset",
        structure="One record per subject per parameter per analysis date",
        dataset_class="BASIC DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "PARAMCD", "LBSEQ"),
        variables=variables,
        rows=frame if len(frame) else [],
    )
