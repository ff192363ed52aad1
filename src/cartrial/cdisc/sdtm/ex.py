"""EX, Exposure (SDTMIG 3.4 section 6.1.3): lymphodepletion and the CAR-T infusion.

Fludarabine and cyclophosphamide are protocol-specified study treatments, so EX,
not CM (SDTMIG 3.4 EX: "protocol-specified study treatment"). One record per
administration:

- lymphodepleting doses: EXDOSE the daily dose in mg as given (the renal- and
  BSA-adjusted dose the service recorded), EXSTDTC = EXENDTC the completion time;
- the CAR-T infusion: EXDOSE = viable CAR+ cells infused / body weight, in
  10^6 cells/kg (the protocol's dose unit; cells and weight as recorded),
  EXLOT the product lot (chain of identity), EXSTDTC = EXENDTC the infusion start.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_datetime, study_days

__all__ = ["CART_NAME", "EX_VARIABLES", "build_ex"]

CART_NAME = "ANTI-MESOTHELIN CAR-T CELLS"

EX_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("EXSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("EXLNKID", "Link ID", "Perm", origin="Assigned"),
    Var("EXTRT", "Name of Treatment", "Req", role="Topic"),
    Var("EXCAT", "Category of Treatment", "Perm", origin="Assigned"),
    Var("EXDOSE", "Dose", "Exp", "float"),
    Var("EXDOSU", "Dose Units", "Exp", codelist="UNIT"),
    Var("EXDOSFRM", "Dose Form", "Exp", origin="Protocol"),
    Var("EXROUTE", "Route of Administration", "Perm", codelist="ROUTE", origin="Protocol"),
    Var("EXLOT", "Lot Number", "Perm"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("EXSTDTC", "Start Date/Time of Treatment", "Exp", "datetime"),
    Var("EXENDTC", "End Date/Time of Treatment", "Perm", "datetime"),
    Var("EXSTDY", "Study Day of Start of Treatment", "Perm", "integer", "Derived"),
    Var("EXENDY", "Study Day of End of Treatment", "Perm", "integer", "Derived"),
)

ROUTES = {"IV": "INTRAVENOUS"}


def _route(ctx: Context, route: str) -> str | None:
    found = ROUTES.get(route)
    if found is None:
        ctx.log.add(
            "EX",
            table="protocol",
            field="route",
            value=route,
            expected="a route with a CDISC ROUTE value: " + ", ".join(ROUTES),
        )
    return found


def build_ex(ctx: Context) -> Dataset:
    """EX (module doc)."""
    t = ctx.source.tables
    protocol = ctx.source.protocol
    routes = {
        a.agent: a.route
        for a in (protocol.lymphodepletion.agents if protocol.lymphodepletion else [])
    }
    ld = ctx.subjects_of(t["lymphodepletion_dose"])
    ld_when = ctx.local(ld, "completed_at")
    lds = pd.DataFrame(
        {
            "USUBJID": ld["USUBJID"],
            "EXTRT": ld["agent"].str.upper(),
            "EXCAT": "LYMPHODEPLETING CHEMOTHERAPY",
            "EXDOSE": pd.to_numeric(ld["dose_mg"]).astype(float),
            "EXDOSU": "mg",
            "EXDOSFRM": "INJECTION",
            "EXROUTE": ld["agent"].map(lambda a: _route(ctx, routes.get(a, "IV"))),
            "EXLOT": None,
            "when": ld_when,
            "rfst": ld["rfst"],
            "ld_start": ld["ld_start"],
            "consent": ld["consent"],
        }
    )
    inf = ctx.subjects_of(t["infusion"])
    lots = t["product_lot"].set_index("id")["lot_number"]
    weights = ctx.source.subjects.set_index("id")["weight_kg"]
    weight = pd.to_numeric(inf["subject_id"].map(weights))
    cells = pd.to_numeric(inf["cells_infused"]).astype(float)
    infusion_route = protocol.infusion.route if protocol.infusion else "IV"
    cart = pd.DataFrame(
        {
            "USUBJID": inf["USUBJID"],
            "EXTRT": CART_NAME,
            "EXCAT": "CAR-T CELL THERAPY",
            "EXDOSE": (cells / weight.astype(float) / 1e6).round(4),
            "EXDOSU": "10^6 cells/kg",
            "EXDOSFRM": "SUSPENSION",
            "EXROUTE": _route(ctx, infusion_route),
            "EXLOT": inf["lot_id"].map(lots),
            "when": ctx.local(inf, "started_at"),
            "rfst": inf["rfst"],
            "ld_start": inf["ld_start"],
            "consent": inf["consent"],
        }
    )
    for _, row in inf[weight.isna()].iterrows():
        ctx.log.add(
            "EX",
            subject=row["code"],
            table="subject",
            record_id=row["subject_id"],
            field="weight_kg",
            value=None,
            expected="a body weight to express the cell dose per kg: EXDOSE left empty",
        )
    frame = pd.concat([lds, cart], ignore_index=True)
    frame = identifiers(ctx, frame, "EX")
    frame["EXSTDTC"] = iso_datetime(frame["when"])
    frame["EXENDTC"] = frame["EXSTDTC"]
    frame["EXSTDY"] = study_days(frame["when"], frame["rfst"])
    frame["EXENDY"] = frame["EXSTDY"]
    frame["EPOCH"] = ctx.epoch(frame, frame["when"])
    frame = sequence(frame, "EX", ["when", "EXTRT"])
    frame["EXLNKID"] = None
    return make_dataset(
        "EX",
        "Exposure",
        dataset_class="INTERVENTIONS",
        structure="One record per constant-dosing interval per subject",
        keys=("STUDYID", "USUBJID", "EXTRT", "EXSTDTC"),
        variables=EX_VARIABLES,
        frame=frame.drop(columns=["when", "rfst", "ld_start", "consent"]),
        notes=("CAR-T EXDOSE = viable CAR+ cells infused / weight (10^6 cells/kg).",),
    )
