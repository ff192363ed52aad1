"""CM, Concomitant/Prior Medications (SDTMIG 3.4 section 6.1.2).

- Concomitant medications as recorded (tocilizumab, corticosteroids, antipyretics,
  ...): CMTRT the name (upper case), CMINDC the indication, CMDOSTXT the dose as
  written (the store keeps dose, unit and frequency as one text), CMSTDTC/CMENDTC.
  CMSPID is the stored id; RELREC relates a medication to the AE it treated.
- Prior anticancer therapies from the screening record: CMCAT "PRIOR CANCER
  THERAPY", CMTRT the agent, CMCLAS the therapy class as recorded.
The lymphodepleting agents are protocol-specified treatment, in EX.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, study_days, to_dates

__all__ = ["CM_VARIABLES", "build_cm"]

CM_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("CMSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("CMSPID", "Sponsor-Defined Identifier", "Perm", origin="Assigned"),
    Var("CMTRT", "Reported Name of Drug, Med, or Therapy", "Req", role="Topic"),
    Var("CMCAT", "Category for Medication", "Perm", origin="Assigned"),
    Var("CMCLAS", "Medication Class", "Perm"),
    Var("CMINDC", "Indication", "Perm"),
    Var("CMDOSTXT", "Dose Description", "Perm"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("CMSTDTC", "Start Date/Time of Medication", "Exp", "date"),
    Var("CMENDTC", "End Date/Time of Medication", "Exp", "date"),
    Var("CMSTDY", "Study Day of Start of Medication", "Perm", "integer", "Derived"),
    Var("CMENDY", "Study Day of End of Medication", "Perm", "integer", "Derived"),
)


def build_cm(ctx: Context) -> Dataset:
    """CM (module doc)."""
    cm = ctx.source.tables["con_med"]
    con = pd.DataFrame(
        {
            "subject_id": cm["subject_id"],
            "CMSPID": cm["id"],
            "CMTRT": cm["name"].str.upper(),
            "CMCAT": "CONCOMITANT MEDICATION",
            "CMCLAS": None,
            "CMINDC": cm["indication"],
            "CMDOSTXT": cm["dose"],
            "start": to_dates(cm["start_date"]),
            "stop": to_dates(cm["end_date"]),
        }
    )
    prior = []
    for sid, record in zip(ctx.source.subjects["id"], ctx.source.subjects["record"], strict=False):
        for i, therapy in enumerate((record or {}).get("prior_therapies") or [], start=1):
            prior.append(
                {
                    "subject_id": sid,
                    "CMSPID": f"PRIOR-{i}",
                    "CMTRT": str(therapy.get("agent") or therapy.get("therapy_class")).upper(),
                    "CMCAT": "PRIOR CANCER THERAPY",
                    "CMCLAS": str(therapy.get("therapy_class") or "").replace("_", " ").upper()
                    or None,
                    "CMINDC": "CANCER",
                    "CMDOSTXT": None,
                    "start": therapy.get("start_date"),
                    "stop": therapy.get("end_date"),
                }
            )
    before = pd.DataFrame(prior, columns=list(con.columns))
    before["start"], before["stop"] = to_dates(before["start"]), to_dates(before["stop"])
    rows = ctx.subjects_of(pd.concat([before, con], ignore_index=True))
    frame = identifiers(ctx, rows, "CM")
    frame["EPOCH"] = ctx.epoch(rows, rows["start"])
    frame["CMSTDTC"] = iso_date(rows["start"])
    frame["CMENDTC"] = iso_date(rows["stop"])
    frame["CMSTDY"] = study_days(rows["start"], rows["rfst"])
    frame["CMENDY"] = study_days(rows["stop"], rows["rfst"])
    frame = sequence(frame, "CM", ["start", "CMTRT", "CMSPID"])
    names = {v.name for v in CM_VARIABLES}
    return make_dataset(
        "CM",
        "Concomitant/Prior Medications",
        dataset_class="INTERVENTIONS",
        structure="One record per recorded intervention occurrence or constant-dosing interval "
        "per subject",
        keys=("STUDYID", "USUBJID", "CMTRT", "CMSTDTC", "CMSPID"),
        variables=CM_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
