"""VS, Vital Signs (SDTMIG 3.4 section 6.3.17): every stored vital sign.

VSTESTCD is :mod:`cartrial.vitals`' own SDTM code of the test (``SYSBP``,
``TEMP``, ...); the unit is the CDISC UNIT value of the stored spelling
(:mod:`cartrial.cdisc.sdtm.units`); VSSTRESN equals the value (each test is stored
in its canonical unit). Two results of one test at the same minute are kept
(both as entered), told apart by VSSEQ, which is why VSSEQ is a key. VSLOBXFL = Y
on the last result of each test on or before the first exposure (RFXSTDTC). A test
or unit with no mapping is logged and left out.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_datetime, study_days
from cartrial.cdisc.sdtm.units import cdisc_units
from cartrial.cdisc.sdtm.visit_match import visits_of
from cartrial.vitals import VITAL_SIGNS

__all__ = ["VS_TESTS", "VS_VARIABLES", "build_vs"]

VS_TESTS: dict[str, str] = {
    "SYSBP": "Systolic Blood Pressure",
    "DIABP": "Diastolic Blood Pressure",
    "PULSE": "Pulse Rate",
    "TEMP": "Temperature",
    "OXYSAT": "Oxygen Saturation",
    "RESP": "Respiratory Rate",
    "WEIGHT": "Weight",
    "HEIGHT": "Height",
}

VS_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("VSSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var(
        "VSTESTCD",
        "Vital Signs Test Short Name",
        "Req",
        codelist="VSTESTCD",
        role="Topic",
        origin="Assigned",
    ),
    Var("VSTEST", "Vital Signs Test Name", "Req", origin="Assigned"),
    Var("VSORRES", "Result or Finding in Original Units", "Exp"),
    Var("VSORRESU", "Original Units", "Exp", codelist="UNIT"),
    Var("VSSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
    Var("VSSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
    Var("VSSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
    Var(
        "VSLOBXFL", "Last Observation Before Exposure Flag", "Exp", codelist="NY", origin="Derived"
    ),
    Var("VISITNUM", "Visit Number", "Exp", "integer", "Derived"),
    Var("VISIT", "Visit Name", "Perm", origin="Derived"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("VSDTC", "Date/Time of Measurements", "Exp", "datetime"),
    Var("VSDY", "Study Day of Vital Signs", "Perm", "integer", "Derived"),
)


def build_vs(ctx: Context) -> Dataset:
    """VS (module doc)."""
    vs = ctx.subjects_of(ctx.source.tables["vital_sign"])
    codes = vs["test"].map({k: v.sdtm_code for k, v in VITAL_SIGNS.items()})
    unit = cdisc_units(vs["unit"])
    bad = codes.isna() | ~codes.isin(list(VS_TESTS)) | unit.isna()
    for _, r in vs[bad].iterrows():
        field, value = ("unit", r["unit"]) if r["test"] in VITAL_SIGNS else ("test", r["test"])
        ctx.log.add(
            "VS",
            subject=r["code"],
            table="vital_sign",
            record_id=r["id"],
            field=field,
            value=value,
            expected="a vital sign test and unit with a CDISC value "
            "(cartrial.vitals, CDISC UNIT); not mapped",
        )
    vs, codes, unit = vs[~bad].copy(), codes[~bad], unit[~bad]
    when = ctx.local(vs, "measured_at")
    value = pd.to_numeric(vs["value"]).astype(float)
    frame = identifiers(ctx, vs, "VS")
    frame["VSTESTCD"] = codes
    frame["VSTEST"] = codes.map(VS_TESTS)
    frame["VSORRES"] = value.map(lambda v: f"{v:g}")
    frame["VSORRESU"] = unit
    frame["VSSTRESC"] = frame["VSORRES"]
    frame["VSSTRESN"] = value
    frame["VSSTRESU"] = unit
    exposure = vs["ld_start"].where(vs["ld_start"].notna(), vs["rfst"])
    last = (
        vs[when.le(exposure)]
        .assign(_w=when)
        .sort_values("_w")
        .groupby(["subject_id", "test"])
        .tail(1)
        .index
    )
    frame["VSLOBXFL"] = None
    frame.loc[last, "VSLOBXFL"] = "Y"
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, vs["subject_id"], when)
    frame["EPOCH"] = ctx.epoch(vs, when)
    frame["VSDTC"] = iso_datetime(when)
    frame["VSDY"] = study_days(when, vs["rfst"])
    frame["_w"] = when
    frame = sequence(frame, "VS", ["_w", "VSTESTCD"])
    names = {v.name for v in VS_VARIABLES}
    return make_dataset(
        "VS",
        "Vital Signs",
        dataset_class="FINDINGS",
        structure="One record per vital sign measurement per time point per visit per subject",
        keys=("STUDYID", "USUBJID", "VSTESTCD", "VSDTC", "VSSEQ"),
        variables=VS_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
