"""BE (Biospecimen Events) and BS (Biospecimen Findings), SDTMIG 3.4 sections 6.2.2 and 6.3.2.

The apheresis collection and the manufactured CAR-T lot are the biospecimens whose
chain of custody the trial records (ISBT 128 ST-028 chain of identity):

- BE: the leukapheresis collection (BEDECOD COLLECTING, BEREFID the collection
  id) and every custody hand-off of the collection or the lot (BEDECOD
  TRANSPORTING; BETERM says from whom to whom, where and in what condition;
  BEREFID the collection id or lot number). BECAT names the chain of identity id.
- BS: the product lot's release findings: viable CAR+ T cells (VIABCART, in
  10^6 cells) and the release status (RELSTAT), dated at release, BSREFID the lot.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset, to_ascii
from cartrial.cdisc.sdtm.timing import iso_datetime, study_days

__all__ = ["build_be", "build_bs"]

_ID = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
)

BE_VARIABLES = (
    *_ID,
    Var("BESEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("BEREFID", "Reference ID", "Exp"),
    Var("BETERM", "Reported Term for the Biospecimen Event", "Req", role="Topic"),
    Var("BEDECOD", "Dictionary-Derived Term", "Req", origin="Assigned"),
    Var("BECAT", "Category for Biospecimen Event", "Perm", origin="Assigned"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("BESTDTC", "Start Date/Time of Biospecimen Event", "Exp", "datetime"),
    Var("BEENDTC", "End Date/Time of Biospecimen Event", "Perm", "datetime"),
    Var("BESTDY", "Study Day of Start of Event", "Perm", "integer", "Derived"),
)

BS_VARIABLES = (
    *_ID,
    Var("BSSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("BSREFID", "Reference ID", "Exp"),
    Var("BSTESTCD", "Biospecimen Test Short Name", "Req", role="Topic", origin="Assigned"),
    Var("BSTEST", "Biospecimen Test Name", "Req", origin="Assigned"),
    Var("BSORRES", "Result or Finding in Original Units", "Exp"),
    Var("BSORRESU", "Original Units", "Exp", codelist="UNIT"),
    Var("BSSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
    Var("BSSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
    Var("BSSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
    Var("BSSPEC", "Specimen Material Type", "Exp", origin="Assigned"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("BSDTC", "Date/Time of Specimen Collection", "Exp", "datetime"),
    Var("BSDY", "Study Day of Specimen Collection", "Perm", "integer", "Derived"),
)


def build_be(ctx: Context) -> Dataset:
    """BE (module doc)."""
    t = ctx.source.tables
    aph = t["apheresis"]
    lots = t["product_lot"]
    collected = pd.DataFrame(
        {
            "subject_id": aph["subject_id"],
            "BEREFID": aph["collection_id"],
            "BETERM": "LEUKAPHERESIS COLLECTION",
            "BEDECOD": "COLLECTING",
            "coi": aph["chain_of_identity_id"],
            "at": aph["collected_at"],
        }
    )
    cust = ctx.source.custody
    owner = pd.concat(
        [
            lots[["id", "subject_id", "lot_number"]].rename(columns={"lot_number": "ref"}),
            aph[["id", "subject_id", "collection_id"]].rename(columns={"collection_id": "ref"}),
        ]
    ).set_index("id")
    key = cust["lot_id"].where(cust["lot_id"].notna(), cust["apheresis_id"])
    moved = pd.DataFrame(
        {
            "subject_id": key.map(owner["subject_id"]),
            "BEREFID": key.map(owner["ref"]),
            "BETERM": (
                "TRANSFER FROM "
                + cust["from_party"]
                + " TO "
                + cust["to_party"]
                + " BY "
                + cust["location"]
                + "; "
                + cust["condition"]
            )
            .str.upper()
            .map(to_ascii)
            .str[:200],
            "BEDECOD": "TRANSPORTING",
            "coi": cust["chain_of_identity_id"],
            "at": cust["at"],
        }
    )
    parts = [p for p in (collected, moved) if not p.empty] or [collected]
    rows = ctx.subjects_of(pd.concat(parts, ignore_index=True))
    when = ctx.local(rows, "at")
    frame = identifiers(ctx, rows, "BE")
    frame["BECAT"] = "CHAIN OF IDENTITY " + rows["coi"]
    frame["EPOCH"] = ctx.epoch(rows, when)
    frame["BESTDTC"] = iso_datetime(when)
    frame["BEENDTC"] = None
    frame["BESTDY"] = study_days(when, rows["rfst"])
    frame["_w"] = when
    frame = sequence(frame, "BE", ["_w", "BEREFID"])
    names = {v.name for v in BE_VARIABLES}
    return make_dataset(
        "BE",
        "Biospecimen Events",
        dataset_class="EVENTS",
        structure="One record per instance per biospecimen event per biospecimen identifier "
        "per subject",
        keys=("STUDYID", "USUBJID", "BEREFID", "BEDECOD", "BESTDTC"),
        variables=BE_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )


def build_bs(ctx: Context) -> Dataset:
    """BS (module doc)."""
    lots = ctx.subjects_of(ctx.source.tables["product_lot"])
    cells = pd.to_numeric(lots["viable_car_cells"], errors="coerce") / 1e6
    when = ctx.local(lots, "released_at")
    base = identifiers(ctx, lots, "BS")
    base["BSREFID"] = lots["lot_number"]
    base["BSSPEC"] = "CAR-T CELL PRODUCT"
    base["EPOCH"] = ctx.epoch(lots, when)
    base["BSDTC"] = iso_datetime(when)
    base["BSDY"] = study_days(when, lots["rfst"])
    base["_w"] = when
    viable = base.assign(
        BSTESTCD="VIABCART",
        BSTEST="Viable CAR+ T Cells",
        BSORRES=cells.map(lambda v: None if pd.isna(v) else f"{v:g}"),
        BSORRESU="10^6 cells",
        BSSTRESN=cells,
    )
    viable = viable[cells.notna()]
    status = base.assign(
        BSTESTCD="RELSTAT",
        BSTEST="Lot Release Status",
        BSORRES=lots["status"].str.upper(),
        BSORRESU=None,
        BSSTRESN=float("nan"),
    )
    frame = pd.concat([p for p in (viable, status) if not p.empty] or [status], ignore_index=True)
    frame["BSSTRESC"] = frame["BSORRES"]
    frame["BSSTRESU"] = frame["BSORRESU"]
    frame = sequence(frame, "BS", ["_w", "BSREFID", "BSTESTCD"])
    names = {v.name for v in BS_VARIABLES}
    return make_dataset(
        "BS",
        "Biospecimen Findings",
        dataset_class="FINDINGS",
        structure="One record per measurement per biospecimen identifier per subject",
        keys=("STUDYID", "USUBJID", "BSREFID", "BSTESTCD"),
        variables=BS_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
    )
