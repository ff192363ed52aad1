"""RELREC, Related Records (SDTMIG 3.4 section 8.2).

- An AE and the concomitant medication given for it (the medication's stored
  ``adverse_event_id``): one RELID per pair, AESEQ and CMSEQ (subject level).
- PP and PC: a dataset-level relationship through the group ids (SDTMIG 3.4
  section 6.3.11.1, relating PP to PC records): every PP record of a profile
  (PPGRPID, RELTYPE ONE) derives from the PC records of that subject with the same
  PCGRPID (RELTYPE MANY).
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset

__all__ = ["RELREC_VARIABLES", "build_relrec"]

RELREC_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("RDOMAIN", "Related Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Exp", role="Identifier", origin="Assigned"),
    Var("IDVAR", "Identifying Variable", "Req", role="Identifier", origin="Assigned"),
    Var("IDVARVAL", "Identifying Variable Value", "Exp", role="Identifier", origin="Assigned"),
    Var("RELTYPE", "Relationship Type", "Exp", origin="Assigned"),
    Var("RELID", "Relationship Identifier", "Req", origin="Assigned"),
)


def build_relrec(ctx: Context, ae: Dataset, cm: Dataset, pc: Dataset, pp: Dataset) -> Dataset:
    """RELREC (module doc)."""
    meds = ctx.source.tables["con_med"]
    treated = meds[meds["adverse_event_id"].notna()]
    ae_seq = ae.frame.set_index("AESPID")["AESEQ"]
    cm_seq = cm.frame.dropna(subset=["CMSPID"]).set_index("CMSPID")
    rows: list[dict[str, object]] = []
    for i, (cm_id, ae_id) in enumerate(
        zip(treated["id"], treated["adverse_event_id"], strict=False), 1
    ):
        if ae_id not in ae_seq.index or cm_id not in cm_seq.index:
            continue
        usubjid = cm_seq.loc[cm_id, "USUBJID"]
        rid = f"AECM{i}"
        rows.append(
            {
                "RDOMAIN": "AE",
                "USUBJID": usubjid,
                "IDVAR": "AESEQ",
                "IDVARVAL": str(int(ae_seq[ae_id])),
                "RELID": rid,
            }
        )
        rows.append(
            {
                "RDOMAIN": "CM",
                "USUBJID": usubjid,
                "IDVAR": "CMSEQ",
                "IDVARVAL": str(int(cm_seq.loc[cm_id, "CMSEQ"])),
                "RELID": rid,
            }
        )
    if not pc.frame["PCGRPID"].dropna().empty and not pp.frame.empty:
        rows.append({"RDOMAIN": "PC", "IDVAR": "PCGRPID", "RELTYPE": "MANY", "RELID": "PCPP"})
        rows.append({"RDOMAIN": "PP", "IDVAR": "PPGRPID", "RELTYPE": "ONE", "RELID": "PCPP"})
    frame = pd.DataFrame(rows, columns=[v.name for v in RELREC_VARIABLES])
    frame["STUDYID"] = ctx.studyid
    return make_dataset(
        "RELREC",
        "Related Records",
        dataset_class="RELATIONSHIP",
        structure="One record per related record, group of records or dataset",
        keys=("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "RELID"),
        variables=RELREC_VARIABLES,
        frame=frame,
    )
