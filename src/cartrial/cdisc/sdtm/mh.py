"""MH, Medical History (SDTMIG 3.4 section 6.2.5): the cancer under study and prior cancers.

From each subject's screening record: the primary diagnosis (MHCAT "PRIMARY
DIAGNOSIS", MHTERM the tumour type with its AJCC 8th edition stage and extent as
recorded) and each prior malignancy listed (MHCAT "PRIOR MALIGNANCY"). MHDTC is the
screening date (when the history was taken); no onset date is collected.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, study_days, to_local

__all__ = ["MH_VARIABLES", "build_mh"]

MH_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("MHSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("MHTERM", "Reported Term for the Medical History", "Req", role="Topic"),
    Var("MHCAT", "Category for Medical History", "Perm", origin="Assigned"),
    Var("MHPRESP", "Medical History Event Pre-Specified", "Perm", codelist="NY", origin="Assigned"),
    Var("MHOCCUR", "Medical History Occurrence", "Perm", codelist="NY"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("MHDTC", "Date/Time of History Collection", "Perm", "date"),
    Var("MHDY", "Study Day of History Collection", "Perm", "integer", "Derived"),
)


def _diagnosis(record: dict[str, object]) -> str | None:
    d = record.get("diagnosis")
    if not isinstance(d, dict) or not d.get("tumour_type"):
        return None
    words = [str(d["tumour_type"]).replace("_", " ").upper()]
    if d.get("ajcc8_stage"):
        words.append(f"AJCC 8TH EDITION STAGE {d['ajcc8_stage']}")
    if d.get("extent"):
        words.append(str(d["extent"]).upper())
    return ", ".join(words)


def build_mh(ctx: Context) -> Dataset:
    """MH (module doc)."""
    rows = []
    subjects = ctx.source.subjects
    for sid, record, screened in zip(
        subjects["id"], subjects["record"], subjects["screened_at"], strict=False
    ):
        if not record:
            continue
        term = _diagnosis(record)
        if term:
            rows.append(
                {
                    "subject_id": sid,
                    "MHTERM": term,
                    "MHCAT": "PRIMARY DIAGNOSIS",
                    "MHPRESP": "Y",
                    "MHOCCUR": "Y",
                    "at": screened,
                }
            )
        history = record.get("history") or {}
        for prior in history.get("prior_malignancies") or []:
            text = (
                prior
                if isinstance(prior, str)
                else (prior.get("type") or prior.get("term") or str(prior))
            )
            rows.append(
                {
                    "subject_id": sid,
                    "MHTERM": str(text).replace("_", " ").upper(),
                    "MHCAT": "PRIOR MALIGNANCY",
                    "MHPRESP": None,
                    "MHOCCUR": None,
                    "at": screened,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["subject_id", "MHTERM", "MHCAT", "MHPRESP", "MHOCCUR", "at"]
    )
    frame = ctx.subjects_of(frame)
    when = to_local(frame["at"], frame["zone"]).dt.normalize()
    frame = identifiers(ctx, frame, "MH")
    frame["EPOCH"] = ctx.epoch(frame, when)
    frame["MHDTC"] = iso_date(when)
    frame["MHDY"] = study_days(when, frame["rfst"])
    frame = sequence(frame, "MH", ["MHCAT", "MHTERM"])
    names = {v.name for v in MH_VARIABLES}
    return make_dataset(
        "MH",
        "Medical History",
        dataset_class="EVENTS",
        structure="One record per medical history event per subject",
        keys=("STUDYID", "USUBJID", "MHCAT", "MHTERM"),
        variables=MH_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
