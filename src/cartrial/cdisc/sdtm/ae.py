"""AE, Adverse Events (SDTMIG 3.4 section 6.2.1), with SUPPAE for the grading scale and DLT.

- AETERM: the term as reported; AEDECOD: the same CTCAE v5.0 term (CTCAE v5.0
  terms are MedDRA 20.1 Lowest Level Terms; no MedDRA dictionary is licensed
  here, so AEBODSYS is not derived and the gap is logged once).
- AETOXGR: the grade the safety engine derived and the service stored (ASTCT
  2019 consensus grade for cytokine release syndrome and ICANS, Lee et al.,
  Biol Blood Marrow Transplant 2019;25:625-638, from the stored observation
  series; CTCAE v5.0 otherwise), else the reported grade: the rule of
  :func:`cartrial.services.adjudication.patient_safety`. A derived grade of 0 (a
  CRS/ICANS series that does not meet the ASTCT definition) leaves AETOXGR empty
  and is logged: the record is kept as reported.
- The scale differs per record, which AETOXGR alone cannot say; SDTMIG 3.4 AE
  has no per-record scale variable, so SUPPAE QNAM ``AETOXGRS`` ("Toxicity Grading
  Scale", values ``CTCAE V5.0`` / ``ASTCT 2019``) carries it (SDTMIG 3.4 section
  8.4, supplemental qualifiers), and SUPPAE ``AEDLT`` = Y marks the AE a signed
  DLT adjudication names (the adjudication's ``adverse_event_id``, outcome yes).
- AESER from the reported seriousness; AESMIE = Y for a serious AE (the service
  records seriousness as one flag, the engine reads it as "important medical
  event"); AESDTH = Y for a grade 5 AE. AEOUT: FATAL for grade 5, else
  RECOVERED/RESOLVED with an end date, else NOT RECOVERED/NOT RESOLVED.
- AEREL: the investigator's causality as recorded, upper case (sponsor terms).
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, study_days, to_dates

__all__ = ["AE_VARIABLES", "SCALES", "build_ae"]

SCALES = {"ctcae_v5": "CTCAE V5.0", "astct_2019": "ASTCT 2019"}

AE_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("AESEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var(
        "AESPID",
        "Sponsor-Defined Identifier",
        "Perm",
        origin="Assigned",
        description="the stored adverse event id",
    ),
    Var("AETERM", "Reported Term for the Adverse Event", "Req", role="Topic"),
    Var(
        "AEDECOD",
        "Dictionary-Derived Term",
        "Req",
        origin="Assigned",
        description="the CTCAE v5.0 term (a MedDRA LLT)",
    ),
    Var("AEBODSYS", "Body System or Organ Class", "Exp", origin="Assigned"),
    Var("AESER", "Serious Event", "Exp", codelist="NY"),
    Var("AEACN", "Action Taken with Study Treatment", "Exp"),
    Var("AEREL", "Causality", "Exp"),
    Var("AEOUT", "Outcome of Adverse Event", "Perm", codelist="OUT", origin="Derived"),
    Var("AESDTH", "Results in Death", "Perm", codelist="NY", origin="Derived"),
    Var("AESMIE", "Other Medically Important Serious Event", "Perm", codelist="NY"),
    Var(
        "AETOXGR",
        "Standard Toxicity Grade",
        "Perm",
        codelist="TOXGR",
        origin="Derived",
        description="ASTCT 2019 for CRS/ICANS, CTCAE v5.0 otherwise (SUPPAE.AETOXGRS)",
    ),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("AESTDTC", "Start Date/Time of Adverse Event", "Exp", "date"),
    Var("AEENDTC", "End Date/Time of Adverse Event", "Exp", "date"),
    Var("AESTDY", "Study Day of Start of Adverse Event", "Perm", "integer", "Derived"),
    Var("AEENDY", "Study Day of End of Adverse Event", "Perm", "integer", "Derived"),
)


def build_ae(ctx: Context) -> tuple[Dataset, pd.DataFrame]:
    """AE (module doc) and its supplemental qualifiers as SUPP rows (QNAM, QLABEL, QVAL)."""
    t = ctx.source.tables
    ae = ctx.subjects_of(t["adverse_event"])
    derived = ae["derived_grade"].astype("Int64")
    reported = ae["reported_grade"].astype("Int64")
    grade = derived.where(derived.notna(), reported)
    for _, row in ae[derived == 0].iterrows():
        ctx.log.add(
            "AE",
            subject=row["code"],
            table="adverse_event",
            record_id=row["id"],
            field="derived_grade",
            value=0,
            expected="an ASTCT 2019 grade 1-5: the series does not meet the definition, "
            "AETOXGR left empty (record kept as reported)",
        )
    grade = grade.where(grade != 0)
    start = to_dates(ae["onset_date"])
    end = to_dates(ae["end_date"])
    frame = identifiers(ctx, ae, "AE")
    frame["AESPID"] = ae["id"]
    frame["AETERM"] = ae["term"]
    frame["AEDECOD"] = ae["term"]
    frame["AEBODSYS"] = None
    frame["AESER"] = ae["is_serious"].map({True: "Y", False: "N"})
    frame["AEACN"] = None
    frame["AEREL"] = ae["relatedness"].str.upper()
    outcome = pd.Series("NOT RECOVERED/NOT RESOLVED", index=ae.index, dtype=object)
    outcome[end.notna()] = "RECOVERED/RESOLVED"
    outcome[grade == 5] = "FATAL"
    frame["AEOUT"] = outcome
    frame["AESDTH"] = (grade == 5).map({True: "Y", False: "N"}).where(grade.notna(), "N")
    frame["AESMIE"] = ae["is_serious"].map({True: "Y", False: None})
    frame["AETOXGR"] = grade.astype(str).where(grade.notna(), None)
    frame["EPOCH"] = ctx.epoch(ae, start)
    frame["AESTDTC"] = iso_date(start)
    frame["AEENDTC"] = iso_date(end)
    frame["AESTDY"] = study_days(start, ae["rfst"])
    frame["AEENDY"] = study_days(end, ae["rfst"])
    frame["_start"] = start
    frame = sequence(frame, "AE", ["_start", "AETERM", "AESPID"])
    if not ae.empty:
        for field, why in (
            ("AEBODSYS", "no MedDRA dictionary: the CTCAE v5.0 term's SOC is not derived"),
            ("AEACN", "action taken with study treatment is not collected (single infusion)"),
        ):
            ctx.log.add(
                "AE", table="adverse_event", field=field, value=None, expected=f"{why}: left empty"
            )
    dlt = t["dlt_adjudication"]
    dlt_ids = set(
        dlt.loc[dlt["is_dlt"].astype(bool) & dlt["adverse_event_id"].notna(), "adverse_event_id"]
    )
    scale = frame["AESPID"].map(ae.set_index("id")["grading_scale"]).map(SCALES)
    supp = pd.concat(
        [
            pd.DataFrame(
                {
                    "USUBJID": frame["USUBJID"],
                    "IDVARVAL": frame["AESEQ"],
                    "QNAM": "AETOXGRS",
                    "QLABEL": "Toxicity Grading Scale",
                    "QVAL": scale,
                    "QORIG": "Assigned",
                }
            ),
            pd.DataFrame(
                {
                    "USUBJID": frame["USUBJID"],
                    "IDVARVAL": frame["AESEQ"],
                    "QNAM": "AEDLT",
                    "QLABEL": "Dose-Limiting Toxicity",
                    "QVAL": "Y",
                    "QORIG": "Derived",
                }
            )[frame["AESPID"].isin(dlt_ids)],
        ],
        ignore_index=True,
    )
    dataset = make_dataset(
        "AE",
        "Adverse Events",
        dataset_class="EVENTS",
        structure="One record per adverse event per subject",
        keys=("STUDYID", "USUBJID", "AEDECOD", "AESTDTC", "AESEQ"),
        variables=AE_VARIABLES,
        frame=frame.drop(
            columns=[c for c in frame.columns if c not in {v.name for v in AE_VARIABLES}]
        ),
        notes=("AETOXGR scale per record in SUPPAE.AETOXGRS; DLTs in SUPPAE.AEDLT.",),
    )
    return dataset, supp
