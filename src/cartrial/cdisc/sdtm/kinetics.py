"""PC and PP (SDTMIG 3.4 sections 6.3.10 and 6.3.11): CAR-T cellular kinetics.

- PC: every CAR transgene result by qPCR (copies per ug genomic DNA, blood), the
  cellular-kinetics analogue of a drug concentration: the administered product's
  level in the subject (cytokines are LB, :mod:`cartrial.cdisc.sdtm.lb`). PCSTRESC
  of a result below the LLOQ is ``<LLOQ`` text with PCSTRESN empty and PCLLOQ set
  (SDTMIG 3.4 PC assumptions on BLQ). PCTPTREF is the infusion, PCRFTDTC its time,
  PCTPT/PCTPTNUM/PCELTM the nominal day of the sample.
- PP: the long table of :func:`cartrial.services.trial_kinetics.kinetics_long_table`
  (PKNCA 0.12 rules, the trial summary's wiring): one record per parameter per
  interval per profile, PPTESTCD from CDISC PKPARMCD (NCI codelist C85493: CMAX,
  TMAX, CLST, TLST, AUCLST, AUCALL, AUCINT, AUCIFO, AUCPEO, LAMZ, LAMZHL, R2ADJ and
  the rest of :data:`cartrial.kinetics.intervals.PARAMETER_CODES`); time in DAYS
  from the infusion. A parameter of a finite interval (AUC0-7d, 0-14d, 0-28d,
  0-90d) carries the interval as ISO 8601 durations from the reference time in
  PPSTINT/PPENINT (SDTMIG 3.4 section 6.3.11, PP timing variables); a parameter
  of the whole profile [0, inf) has both empty. A parameter the NCA could not
  estimate has PPSTAT NOT DONE and the engine's reason in PPREASND; samples
  excluded from the analysis are named, with their reasons, in PPREASND too.
- RELREC relates PP to PC at dataset level through PPGRPID/PCGRPID (SDTMIG 3.4
  section 6.3.11.1, "relating PP records to PC records"): the samples after the
  infusion form the profile of each subject.
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
from cartrial.cdisc.terminology import codelist
from cartrial.kinetics.intervals import PARAMETER_CODES
from cartrial.services.trial_kinetics import CONC_UNIT

__all__ = ["GROUP", "PP_PARAMETERS", "PP_UNITS", "build_pc", "build_pp"]

TESTCD, TEST = "MSLNCAR", "Anti-MSLN CAR Transgene"
QPCR_TEST = "car_transgene"
"""The stored test name of a CAR transgene result (``cartrial.sim.observations``)."""
GROUP = "CAR-TRANSGENE-BLOOD"
CONC = "copies/ug gDNA"
AUC = "day*copies/ug gDNA"

#: PPTESTCD -> PPTEST: the decodes of the shipped PKPARMCD codelist (CDISC CT, NCI
#: C85493), in the order of :data:`cartrial.kinetics.intervals.PARAMETER_CODES`.
PP_PARAMETERS: dict[str, str] = {
    code: next(t.decode or code for t in codelist("PKPARMCD").terms if t.value == code)
    for code in PARAMETER_CODES
}

#: The long table's unit pattern -> the SDTM unit (None: unitless).
PP_UNITS: dict[str, str | None] = {
    "{c}": CONC,
    "{t}": "DAYS",
    "{c}*{t}": AUC,
    "1/{t}": "/day",
    "%": "%",
    "count": None,
    "": None,
}

_ID = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
)

PC_VARIABLES = (
    *_ID,
    Var("PCSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("PCGRPID", "Group ID", "Perm", origin="Assigned"),
    Var("PCREFID", "Reference ID", "Perm"),
    Var("PCTESTCD", "Pharmacokinetic Test Short Name", "Req", role="Topic", origin="Assigned"),
    Var("PCTEST", "Pharmacokinetic Test Name", "Req", origin="Assigned"),
    Var("PCCAT", "Test Category", "Perm", origin="Assigned"),
    Var("PCORRES", "Result or Finding in Original Units", "Exp"),
    Var("PCORRESU", "Original Units", "Exp", codelist="UNIT"),
    Var("PCSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
    Var("PCSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
    Var("PCSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
    Var("PCSTAT", "Completion Status", "Perm"),
    Var("PCSPEC", "Specimen Material Type", "Exp", codelist="SPECTYPE"),
    Var("PCMETHOD", "Method of Test or Examination", "Perm", origin="Assigned"),
    Var("PCLLOQ", "Lower Limit of Quantitation", "Exp", "float"),
    Var("VISITNUM", "Visit Number", "Exp", "integer", "Derived"),
    Var("VISIT", "Visit Name", "Perm", origin="Derived"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("PCDTC", "Date/Time of Specimen Collection", "Exp", "datetime"),
    Var("PCDY", "Actual Study Day of Specimen Collection", "Perm", "integer", "Derived"),
    Var("PCTPT", "Planned Time Point Name", "Perm", origin="Protocol"),
    Var("PCTPTNUM", "Planned Time Point Number", "Perm", "integer", "Protocol"),
    Var("PCELTM", "Planned Elapsed Time from Time Point Ref", "Perm", origin="Protocol"),
    Var("PCTPTREF", "Time Point Reference", "Perm", origin="Protocol"),
    Var("PCRFTDTC", "Date/Time of Reference Time Point", "Perm", "datetime", "Derived"),
)

PP_VARIABLES = (
    *_ID,
    Var("PPSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("PPGRPID", "Group ID", "Perm", origin="Assigned"),
    Var(
        "PPTESTCD",
        "Parameter Short Name",
        "Req",
        codelist="PKPARMCD",
        role="Topic",
        origin="Assigned",
    ),
    Var("PPTEST", "Parameter Name", "Req", origin="Assigned"),
    Var("PPCAT", "Parameter Category", "Exp", origin="Assigned"),
    Var("PPORRES", "Result or Finding in Original Units", "Exp", origin="Derived"),
    Var("PPORRESU", "Original Units", "Exp", codelist="UNIT", origin="Derived"),
    Var("PPSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
    Var("PPSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
    Var("PPSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
    Var("PPSTAT", "Completion Status", "Perm", origin="Derived"),
    Var("PPREASND", "Reason Parameter Not Calculated", "Perm", origin="Derived"),
    Var("PPSPEC", "Specimen Material Type", "Exp", codelist="SPECTYPE", origin="Assigned"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("PPRFTDTC", "Date/Time of Reference Point", "Exp", "datetime", "Derived"),
    Var("PPSTINT", "Planned Start of Assessment Interval", "Perm", origin="Protocol"),
    Var("PPENINT", "Planned End of Assessment Interval", "Perm", origin="Protocol"),
)


def _elapsed(days: pd.Series) -> pd.Series:
    return days.map(lambda d: None if pd.isna(d) else ("-" if d < 0 else "") + f"P{abs(int(d))}D")


def build_pc(ctx: Context) -> Dataset:
    """PC (module doc)."""
    t = ctx.source.tables
    samples = t["sample"]
    qpcr = samples[samples["analyte"] == "car_transgene_qpcr"]
    res = t["assay_result"].merge(
        qpcr[["id", "sample_code", "matrix", "collected_at", "study_day"]].rename(
            columns={"id": "sample_id"}
        ),
        on="sample_id",
    )
    res = ctx.subjects_of(res)
    other = res["test"] != QPCR_TEST
    for _, r in res[other].iterrows():
        ctx.log.add(
            "PC",
            subject=r["code"],
            table="assay_result",
            record_id=r["id"],
            field="test",
            value=r["test"],
            expected=f"{QPCR_TEST} on a CAR transgene qPCR sample; not mapped",
        )
    res = res[~other]
    unit = cdisc_units(res["unit"].fillna(CONC_UNIT))
    bad = unit.isna()
    for _, r in res[bad].iterrows():
        ctx.log.add(
            "PC",
            subject=r["code"],
            table="assay_result",
            record_id=r["id"],
            field="unit",
            value=r["unit"],
            expected=f"the qPCR unit {CONC_UNIT}; not mapped",
        )
    res, unit = res[~bad].copy(), unit[~bad]
    when = ctx.local(res, "collected_at")
    value = pd.to_numeric(res["value"], errors="coerce")
    lloq = pd.to_numeric(res["lloq"], errors="coerce")
    text = res["result_text"].fillna("").str.strip()
    blq = (value.isna() & text.str.startswith("<")) | (
        value.notna() & lloq.notna() & (value < lloq)
    )
    frame = identifiers(ctx, res, "PC")
    after = when >= res["rfst"]
    frame["PCGRPID"] = None
    frame.loc[after, "PCGRPID"] = GROUP
    frame["PCREFID"] = res["sample_code"]
    frame["PCTESTCD"] = TESTCD
    frame["PCTEST"] = TEST
    frame["PCCAT"] = "CELLULAR KINETICS"
    orres = value.map(lambda v: None if pd.isna(v) else f"{v:g}").astype(object)
    frame["PCORRES"] = orres.where(value.notna(), text.replace("", None))
    frame["PCORRESU"] = unit
    stresc = frame["PCORRES"].copy()
    stresc[blq] = lloq[blq].map(lambda v: None if pd.isna(v) else f"<{v:g}")
    frame["PCSTRESC"] = stresc
    frame["PCSTRESN"] = value.where(~blq)
    frame["PCSTRESU"] = unit
    frame["PCSTAT"] = None
    frame.loc[frame["PCORRES"].isna(), "PCSTAT"] = "NOT DONE"
    frame["PCSPEC"] = res["matrix"].str.upper()
    frame["PCMETHOD"] = "QPCR"
    frame["PCLLOQ"] = lloq
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, res["subject_id"], when, res["study_day"])
    frame["EPOCH"] = ctx.epoch(res, when)
    frame["PCDTC"] = iso_datetime(when)
    frame["PCDY"] = study_days(when, res["rfst"])
    nominal = pd.to_numeric(res["study_day"], errors="coerce").astype("Int64")
    frame["PCTPT"] = nominal.map(lambda d: None if pd.isna(d) else f"DAY {int(d)}")
    frame["PCTPTNUM"] = nominal
    frame["PCELTM"] = _elapsed(nominal)
    frame["PCTPTREF"] = "CAR-T INFUSION"
    frame["PCRFTDTC"] = iso_datetime(res["rfst"])
    frame["_w"] = when
    frame = sequence(frame, "PC", ["_w", "PCREFID"])
    names = {v.name for v in PC_VARIABLES}
    return make_dataset(
        "PC",
        "Pharmacokinetics Concentrations",
        dataset_class="FINDINGS",
        structure="One record per sample characteristic or time-point concentration per "
        "reference time point or per analyte per subject",
        keys=("STUDYID", "USUBJID", "PCTESTCD", "PCREFID"),
        variables=PC_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
        notes=("CAR transgene copies/ug gDNA by qPCR (cellular kinetics); cytokines in LB.",),
    )


def _duration(days: pd.Series) -> pd.Series:
    """Days from the reference time as ISO 8601 durations; None for an open end."""
    return days.map(
        lambda d: None if pd.isna(d) or d == float("inf") else f"P{float(d):g}D"
    ).astype(object)


def build_pp(ctx: Context) -> Dataset:
    """PP (module doc)."""
    table = ctx.source.nca
    columns = [v.name for v in PP_VARIABLES]
    if table is None or table.empty:
        return _pp(pd.DataFrame(columns=columns))
    patterns = {code: spec.unit for code, spec in PARAMETER_CODES.items()}
    long = table.rename(columns={"subject": "code"}).reset_index(drop=True)
    long = long.join(ctx.ref.reset_index().set_index("code"), on="code")
    values = pd.to_numeric(long["value"], errors="coerce")
    units = long["parameter"].map(lambda c: PP_UNITS[patterns[c]])
    frame = identifiers(ctx, long, "PP")
    frame["PPGRPID"] = GROUP
    frame["PPTESTCD"] = long["parameter"]
    frame["PPTEST"] = long["parameter"].map(PP_PARAMETERS)
    frame["PPCAT"] = TEST.upper()
    text = values.map(lambda v: None if pd.isna(v) else f"{v:.6g}").astype(object)
    frame["PPORRES"] = text
    frame["PPORRESU"] = units.where(values.notna(), None)
    frame["PPSTRESC"] = text
    frame["PPSTRESN"] = values
    frame["PPSTRESU"] = frame["PPORRESU"]
    missing = values.isna()
    frame["PPSTAT"] = None
    frame.loc[missing, "PPSTAT"] = "NOT DONE"
    reason = long["reason"].fillna("").astype(str)
    reason = reason.where(reason != "", "not estimable by the NCA rules")
    excluded = long["exclusion"].fillna("").astype(str)
    frame["PPREASND"] = [
        "; ".join(part for part in ((r if m else ""), e) if part) or None
        for r, m, e in zip(reason, missing, excluded, strict=True)
    ]
    frame["PPSPEC"] = long["matrix"].str.upper()
    frame["EPOCH"] = ctx.epoch(long, long["rfst"])
    frame["PPRFTDTC"] = iso_datetime(long["rfst"])
    finite = long["end"] != float("inf")
    frame["PPSTINT"] = _duration(long["start"].where(finite))
    frame["PPENINT"] = _duration(long["end"].where(finite))
    order = {code: i for i, code in enumerate(PP_PARAMETERS)}
    frame["_i"] = long["end"].where(finite, -1.0)
    frame["_o"] = frame["PPTESTCD"].map(order)
    frame = sequence(frame, "PP", ["_i", "_o"])
    return _pp(frame[[c for c in frame.columns if c in set(columns)]])


def _pp(frame: pd.DataFrame) -> Dataset:
    return make_dataset(
        "PP",
        "Pharmacokinetics Parameters",
        dataset_class="FINDINGS",
        structure="One record per PK parameter per time-concentration profile per subject",
        keys=(
            "STUDYID",
            "USUBJID",
            "PPTESTCD",
            "PPCAT",
            "PPSPEC",
            "PPRFTDTC",
            "PPSTINT",
            "PPENINT",
        ),
        variables=PP_VARIABLES,
        frame=frame,
        notes=(
            "NCA of PC by PKNCA 0.12 rules (cartrial.kinetics); time unit DAYS; "
            "PPSTINT/PPENINT give the interval of a partial-interval parameter.",
        ),
    )
