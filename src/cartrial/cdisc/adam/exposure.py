"""Which SDTM EX records are the CAR-T infusion and which the lymphodepletion.

SDTMIG 3.4 section 6.1 (EX): protocol-specified treatments, the CAR-T product and the
lymphodepleting chemotherapy (fludarabine, cyclophosphamide), are all exposure records.
A record is lymphodepletion when EXCAT says so or EXTRT names one of the two agents;
every other EX record is the cell product.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.adam.source import SdtmSource, iso_date, iso_datetime

__all__ = ["LYMPHODEPLETING_AGENTS", "Exposure", "exposures"]

LYMPHODEPLETING_AGENTS = frozenset({"FLUDARABINE", "CYCLOPHOSPHAMIDE"})


class Exposure:
    """One subject's infusion (date, date-time, dose) and first lymphodepleting dose."""

    __slots__ = ("dose", "dose_unit", "infusion", "infusion_at", "lymphodepletion")

    def __init__(self) -> None:
        self.infusion: dt.date | None = None
        self.infusion_at: dt.datetime | None = None
        self.lymphodepletion: dt.date | None = None
        self.dose: float | None = None
        self.dose_unit: str | None = None


def _is_lymphodepletion(row: pd.Series) -> bool:
    category = str(row.get("EXCAT") or "").upper()
    return "LYMPHODEPLET" in category or str(row["EXTRT"]).upper() in LYMPHODEPLETING_AGENTS


def exposures(source: SdtmSource) -> dict[str, Exposure]:
    """Each exposed subject's infusion and lymphodepletion dates from EX."""
    ex = source.frame("EX", required=("USUBJID", "EXTRT", "EXSTDTC"))
    out: dict[str, Exposure] = {}
    for _, row in ex.iterrows():
        exposure = out.setdefault(str(row["USUBJID"]), Exposure())
        start = iso_date(row["EXSTDTC"])
        if start is None:
            continue
        if _is_lymphodepletion(row):
            if exposure.lymphodepletion is None or start < exposure.lymphodepletion:
                exposure.lymphodepletion = start
        elif exposure.infusion is None or start < exposure.infusion:
            exposure.infusion = start
            exposure.infusion_at = iso_datetime(row["EXSTDTC"])
            dose = row.get("EXDOSE")
            exposure.dose = None if dose is None or pd.isna(dose) else float(dose)
            exposure.dose_unit = row.get("EXDOSU")
    return out
