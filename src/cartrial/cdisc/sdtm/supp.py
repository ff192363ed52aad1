"""SUPP-- (SDTMIG 3.4 section 8.4): supplemental qualifiers of a parent domain.

One record per parent record and qualifier: RDOMAIN, IDVAR (--SEQ) and IDVARVAL
identify the parent; QNAM/QLABEL/QVAL/QORIG/QEVAL as the IG defines them.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset

__all__ = ["SUPP_VARIABLES", "build_supp"]

SUPP_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("RDOMAIN", "Related Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("IDVAR", "Identifying Variable", "Exp", role="Identifier", origin="Assigned"),
    Var("IDVARVAL", "Identifying Variable Value", "Exp", role="Identifier", origin="Assigned"),
    Var("QNAM", "Qualifier Variable Name", "Req", role="Topic", origin="Assigned"),
    Var("QLABEL", "Qualifier Variable Label", "Req", origin="Assigned"),
    Var("QVAL", "Data Value", "Req"),
    Var("QORIG", "Origin", "Req", origin="Assigned"),
    Var("QEVAL", "Evaluator", "Exp", origin="Assigned"),
)


def build_supp(ctx: Context, parent: str, rows: pd.DataFrame) -> Dataset:
    """SUPP<parent> from rows of USUBJID, IDVARVAL (parent --SEQ), QNAM, QLABEL, QVAL, QORIG."""
    frame = rows[rows["QVAL"].notna()].copy()
    frame["STUDYID"] = ctx.studyid
    frame["RDOMAIN"] = parent
    frame["IDVAR"] = f"{parent}SEQ"
    frame["IDVARVAL"] = frame["IDVARVAL"].astype(int).astype(str)
    frame["QEVAL"] = None
    frame = frame.sort_values(["USUBJID", "QNAM", "IDVARVAL"], key=_natural)
    return make_dataset(
        f"SUPP{parent}",
        f"Supplemental Qualifiers for {parent}",
        dataset_class="RELATIONSHIP",
        structure="One record per IDVAR, IDVARVAL, and QNAM value per subject",
        keys=("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
        variables=SUPP_VARIABLES,
        frame=frame,
    )


def _natural(column: pd.Series) -> pd.Series:
    if column.name == "IDVARVAL":
        return column.astype(int)
    return column
