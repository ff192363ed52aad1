"""Small shared steps of the domain builders: --SEQ and the identifier columns."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from cartrial.cdisc.sdtm.reference import Context

__all__ = ["identifiers", "sequence"]


def identifiers(ctx: Context, frame: pd.DataFrame, domain: str) -> pd.DataFrame:
    """STUDYID, DOMAIN and USUBJID of a frame already joined to the references."""
    out = frame.copy()
    out["STUDYID"] = ctx.studyid
    out["DOMAIN"] = domain
    return out


def sequence(frame: pd.DataFrame, prefix: str, order: Sequence[str]) -> pd.DataFrame:
    """Sort by USUBJID then ``order`` and number ``{prefix}SEQ`` 1.. within each subject.

    SDTMIG 3.4 section 4.1.2.3: --SEQ is unique per subject within a domain.
    """
    out = frame.sort_values(["USUBJID", *order], kind="mergesort").reset_index(drop=True)
    out[f"{prefix}SEQ"] = out.groupby("USUBJID").cumcount() + 1
    return out
