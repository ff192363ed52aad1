"""IE, Inclusion/Exclusion Criteria Not Met (SDTMIG 3.4 section 6.3.4).

One record per criterion the subject's latest eligibility decision did not meet
(the stored verdicts of :mod:`cartrial.eligibility.screen`): an inclusion criterion
``not_met`` has IEORRES "N"; an exclusion criterion ``not_met`` (the excluding
condition holds, the subject is excluded) has IEORRES "Y" (SDTMIG 3.4 IE
assumptions: the answer to the criterion as worded). IETESTCD is the criterion id
as in TI; IEDTC the decision's time on the site's clock. A criterion left
``needs_review`` is not a criterion not met and is not in IE.
"""

from __future__ import annotations

import json

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset, to_ascii
from cartrial.cdisc.sdtm.timing import iso_datetime, study_days

__all__ = ["IE_VARIABLES", "build_ie"]

IE_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("IESEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("IESPID", "Sponsor-Defined Identifier", "Perm", origin="Assigned"),
    Var("IETESTCD", "Inclusion/Exclusion Criterion Short Name", "Req", role="Topic",
        origin="Protocol"),
    Var("IETEST", "Inclusion/Exclusion Criterion", "Req", origin="Protocol"),
    Var("IECAT", "Inclusion/Exclusion Category", "Req", origin="Protocol"),
    Var("IEORRES", "I/E Criterion Original Result", "Req", codelist="NY", origin="Derived"),
    Var("IESTRESC", "I/E Criterion Result in Std Format", "Req", codelist="NY",
        origin="Derived"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("IEDTC", "Date/Time of Collection", "Perm", "datetime"),
    Var("IEDY", "Study Day of Collection", "Perm", "integer", "Derived"),
)  # fmt: skip


def criterion_code(criterion_id: str) -> str:
    """The IETESTCD of a protocol criterion id (shared with TI).

    >>> criterion_code("inc04"), criterion_code("exc-26")
    ('INC04', 'EXC26')
    """
    return criterion_id.upper().replace("-", "").replace("_", "")[:8]


def build_ie(ctx: Context) -> Dataset:
    """IE (module doc)."""
    decisions = ctx.source.tables["eligibility_decision"]
    latest = decisions.sort_values(["decided_at", "id"]).drop_duplicates("subject_id", keep="last")
    rows = []
    for sid, did, at, verdicts in zip(
        latest["subject_id"],
        latest["id"],
        latest["decided_at"],
        latest["verdicts_json"],
        strict=True,
    ):
        for v in json.loads(verdicts):
            if v.get("verdict") != "not_met":
                continue
            inclusion = v.get("type") == "inclusion"
            rows.append(
                {
                    "subject_id": sid,
                    "IESPID": did,
                    "IETESTCD": criterion_code(str(v["id"])),
                    "IETEST": to_ascii(" ".join(str(v.get("text", "")).split()))[:200],
                    "IECAT": "INCLUSION" if inclusion else "EXCLUSION",
                    "IEORRES": "N" if inclusion else "Y",
                    "at": at,
                }
            )
    frame = pd.DataFrame(
        rows, columns=["subject_id", "IESPID", "IETESTCD", "IETEST", "IECAT", "IEORRES", "at"]
    )
    frame = ctx.subjects_of(frame)
    when = ctx.local(frame, "at")
    frame = identifiers(ctx, frame, "IE")
    frame["IESTRESC"] = frame["IEORRES"]
    frame["EPOCH"] = ctx.epoch(frame, when)
    frame["IEDTC"] = iso_datetime(when)
    frame["IEDY"] = study_days(when, frame["rfst"])
    frame = sequence(frame, "IE", ["IECAT", "IETESTCD"])
    names = {v.name for v in IE_VARIABLES}
    return make_dataset(
        "IE",
        "Inclusion/Exclusion Criteria Not Met",
        dataset_class="FINDINGS",
        structure="One record per inclusion/exclusion criterion not met per subject",
        keys=("STUDYID", "USUBJID", "IETESTCD"),
        variables=IE_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
