"""DS, Disposition (SDTMIG 3.4 section 6.2.4): milestones and disposition events.

- PROTOCOL MILESTONE "INFORMED CONSENT OBTAINED" at the consent date;
- DISPOSITION EVENT, one per subject whose participation ended: SCREEN FAILURE
  (latest eligibility decision not eligible; dated at the decision), DEATH (the
  death date), withdrawal (initiated by the subject: WITHDRAWAL BY SUBJECT; by the
  investigator: PHYSICIAN DECISION; DSTERM is the recorded reason, e.g. a
  manufacturing failure), COMPLETED (status completed; dated RFPENDTC).
  A subject still on study has no disposition event yet.
DSDECOD values are CDISC NCOMPLT / PROTMLST submission values.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, study_days, to_dates, to_local

__all__ = ["DS_VARIABLES", "build_ds"]

WITHDRAWN_BY = {"subject": "WITHDRAWAL BY SUBJECT", "investigator": "PHYSICIAN DECISION"}

DS_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DSSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("DSTERM", "Reported Term for the Disposition Event", "Req", role="Topic"),
    Var("DSDECOD", "Standardized Disposition Term", "Req", codelist="DSDECOD", origin="Assigned"),
    Var("DSCAT", "Category for Disposition Event", "Exp", codelist="DSCAT", origin="Assigned"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("DSSTDTC", "Start Date/Time of Disposition Event", "Exp", "date"),
    Var("DSSTDY", "Study Day of Start of Disposition Event", "Perm", "integer", "Derived"),
)


def build_ds(ctx: Context, rfpendtc: pd.Series) -> Dataset:
    """DS (module doc); ``rfpendtc`` maps subject id -> DM.RFPENDTC (ISO date)."""
    t = ctx.source.tables
    subjects = ctx.source.subjects
    subjects = subjects[subjects["record"].notna()]
    parts = [
        pd.DataFrame(
            {
                "subject_id": subjects["id"],
                "DSTERM": "INFORMED CONSENT OBTAINED",
                "DSDECOD": "INFORMED CONSENT OBTAINED",
                "DSCAT": "PROTOCOL MILESTONE",
                "date": to_dates(subjects["consent_date"]),
            }
        )
    ]
    failed = subjects[subjects["status"] == "screen_failed"]
    if not failed.empty:
        screened = to_local(failed["screened_at"], failed["id"].map(ctx.ref["zone"]))
        parts.append(
            pd.DataFrame(
                {
                    "subject_id": failed["id"],
                    "DSTERM": "SCREEN FAILURE",
                    "DSDECOD": "SCREEN FAILURE",
                    "DSCAT": "DISPOSITION EVENT",
                    "date": screened.dt.normalize(),
                }
            )
        )
    death = t["death"]
    parts.append(
        pd.DataFrame(
            {
                "subject_id": death["subject_id"],
                "DSTERM": "DEATH: " + death["cause"].str.upper(),
                "DSDECOD": "DEATH",
                "DSCAT": "DISPOSITION EVENT",
                "date": to_dates(death["died_on"]),
            }
        )
    )
    wd = t["withdrawal"]
    parts.append(
        pd.DataFrame(
            {
                "subject_id": wd["subject_id"],
                "DSTERM": wd["reason"].str.upper(),
                "DSDECOD": wd["initiated_by"].map(WITHDRAWN_BY).fillna("OTHER"),
                "DSCAT": "DISPOSITION EVENT",
                "date": to_dates(wd["withdrawn_on"]),
            }
        )
    )
    done = subjects[(subjects["status"] == "completed") & ~subjects["id"].isin(death["subject_id"])]
    parts.append(
        pd.DataFrame(
            {
                "subject_id": done["id"],
                "DSTERM": "COMPLETED",
                "DSDECOD": "COMPLETED",
                "DSCAT": "DISPOSITION EVENT",
                "date": to_dates(done["id"].map(rfpendtc)),
            }
        )
    )
    rows = ctx.subjects_of(pd.concat(parts, ignore_index=True))
    frame = identifiers(ctx, rows, "DS")
    frame["EPOCH"] = ctx.epoch(rows, rows["date"])
    frame["DSSTDTC"] = iso_date(rows["date"])
    frame["DSSTDY"] = study_days(rows["date"], rows["rfst"])
    frame["_o"] = (frame["DSCAT"] == "DISPOSITION EVENT").astype(int)
    frame = sequence(frame, "DS", ["date", "_o", "DSDECOD"])
    names = {v.name for v in DS_VARIABLES}
    return make_dataset(
        "DS",
        "Disposition",
        dataset_class="EVENTS",
        structure="One record per disposition status or protocol milestone per subject",
        keys=("STUDYID", "USUBJID", "DSDECOD", "DSSTDTC"),
        variables=DS_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
