"""VISITNUM and VISIT of a dated record: the subject's visit done on that calendar day.

Findings domains (LB, VS, PC, IS, TR, TU, RS) expect VISITNUM (SDTMIG 3.4, Core
Exp). The store links samples to a planned study day and every other record to
nothing but its time, so the visit is derived: the stored visit of the same subject
whose actual date is the record's date on the site's clock (SV), else, for a
sample, the protocol visit planned on the sample's nominal day. A record matching
no visit has VISITNUM empty (an unscheduled assessment).
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.timing import to_dates

__all__ = ["visits_of"]


def _numbers(ctx: Context) -> dict[str, tuple[int, str, int]]:
    from cartrial.cdisc.sdtm.visits import visit_numbers

    return visit_numbers(ctx)


def visits_of(
    ctx: Context,
    subject_ids: pd.Series,
    when: pd.Series,
    nominal_day: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """(VISITNUM, VISIT) of each record (module doc), aligned with ``when``."""
    numbers = _numbers(ctx)
    visits = ctx.source.tables["visit"]
    done = visits[visits["actual_date"].notna() & visits["visit_code"].isin(list(numbers))]
    key = pd.DataFrame(
        {
            "subject_id": done["subject_id"].to_numpy(),
            "day": to_dates(done["actual_date"]).to_numpy(),
            "num": done["visit_code"].map(lambda c: numbers[c][0]).to_numpy(),
        }
    ).drop_duplicates(["subject_id", "day"], keep="first")
    probe = pd.DataFrame(
        {
            "subject_id": subject_ids.to_numpy(),
            "day": pd.to_datetime(when).dt.normalize().to_numpy(),
        }
    )
    num = pd.to_numeric(probe.merge(key, on=["subject_id", "day"], how="left")["num"]).astype(
        "Float64"
    )
    num.index = when.index
    if nominal_day is not None:
        by_day = {v.day: numbers[v.id][0] for v in ctx.source.protocol.visits}
        planned = pd.to_numeric(nominal_day, errors="coerce").map(by_day)
        num = num.fillna(pd.to_numeric(planned).astype("Float64"))
    visitnum: pd.Series = num.astype("Int64")
    labels = {n: label for n, label, _ in numbers.values()}
    visit = visitnum.map(lambda n: None if pd.isna(n) else labels[int(n)]).astype(object)
    return visitnum, visit
