"""IS, Immunogenicity Specimen Assessments (SDTMIG 3.4 section 6.3.6): anti-CAR antibodies.

Every anti-drug-antibody result on a serum sample: ISTESTCD ``CARADA`` (sponsor
test code: antibodies binding the CAR), ISBDAGNT the binding agent (the
anti-mesothelin CAR), ISORRES/ISSTRESC the qualitative result as recorded
(NEGATIVE / POSITIVE), ISREFID the sample id. ISLOBXFL = Y on the last result on or
before the first exposure. A quantitative result (value with a unit) keeps its
value in ISORRES with the unit.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_datetime, study_days
from cartrial.cdisc.sdtm.visit_match import visits_of

__all__ = ["ADA_TEST", "IS_VARIABLES", "build_is"]

ADA_TEST = "anti_car_antibody"
"""The stored test name of an anti-CAR antibody result."""

IS_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("ISSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("ISREFID", "Reference ID", "Perm"),
    Var("ISTESTCD", "Immunogenicity Test/Exam Short Name", "Req", role="Topic", origin="Assigned"),
    Var("ISTEST", "Immunogenicity Test or Examination Name", "Req", origin="Assigned"),
    Var("ISBDAGNT", "Binding Agent", "Perm", origin="Assigned"),
    Var("ISORRES", "Result or Finding in Original Units", "Exp"),
    Var("ISORRESU", "Original Units", "Exp", codelist="UNIT"),
    Var("ISSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
    Var("ISSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
    Var("ISSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
    Var("ISSPEC", "Specimen Type", "Perm", codelist="SPECTYPE"),
    Var(
        "ISLOBXFL", "Last Observation Before Exposure Flag", "Exp", codelist="NY", origin="Derived"
    ),
    Var("VISITNUM", "Visit Number", "Exp", "integer", "Derived"),
    Var("VISIT", "Visit Name", "Perm", origin="Derived"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("ISDTC", "Date/Time of Collection", "Exp", "datetime"),
    Var("ISDY", "Study Day of Visit/Collection/Exam", "Perm", "integer", "Derived"),
)


def build_is(ctx: Context) -> Dataset:
    """IS (module doc)."""
    t = ctx.source.tables
    samples = t["sample"]
    ada = samples[samples["analyte"] == "anti_drug_antibody"]
    res = t["assay_result"].merge(
        ada[["id", "sample_code", "matrix", "collected_at", "study_day"]].rename(
            columns={"id": "sample_id"}
        ),
        on="sample_id",
    )
    res = ctx.subjects_of(res)
    other = res["test"] != ADA_TEST
    for _, r in res[other].iterrows():
        ctx.log.add(
            "IS",
            subject=r["code"],
            table="assay_result",
            record_id=r["id"],
            field="test",
            value=r["test"],
            expected=f"{ADA_TEST} on an anti-drug antibody sample; not mapped",
        )
    res = res[~other]
    when = ctx.local(res, "collected_at")
    value = pd.to_numeric(res["value"], errors="coerce")
    text = res["result_text"].str.upper()
    frame = identifiers(ctx, res, "IS")
    frame["ISREFID"] = res["sample_code"]
    frame["ISTESTCD"] = "CARADA"
    frame["ISTEST"] = "Anti-CAR Antibody"
    frame["ISBDAGNT"] = "ANTI-MESOTHELIN CAR"
    frame["ISORRES"] = text.where(value.isna(), value.map(lambda v: f"{v:g}"))
    frame["ISORRESU"] = res["unit"].where(value.notna(), None)
    frame["ISSTRESC"] = frame["ISORRES"]
    frame["ISSTRESN"] = value
    frame["ISSTRESU"] = frame["ISORRESU"]
    frame["ISSPEC"] = res["matrix"].str.upper()
    exposure = res["ld_start"].where(res["ld_start"].notna(), res["rfst"])
    last = (
        res[when.le(exposure)].assign(_w=when).sort_values("_w").groupby("subject_id").tail(1).index
    )
    frame["ISLOBXFL"] = None
    frame.loc[last, "ISLOBXFL"] = "Y"
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, res["subject_id"], when, res["study_day"])
    frame["EPOCH"] = ctx.epoch(res, when)
    frame["ISDTC"] = iso_datetime(when)
    frame["ISDY"] = study_days(when, res["rfst"])
    frame["_w"] = when
    frame = sequence(frame, "IS", ["_w", "ISREFID"])
    names = {v.name for v in IS_VARIABLES}
    return make_dataset(
        "IS",
        "Immunogenicity Specimen Assessments",
        dataset_class="FINDINGS",
        structure="One record per test per visit per subject",
        keys=("STUDYID", "USUBJID", "ISTESTCD", "ISREFID"),
        variables=IS_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
