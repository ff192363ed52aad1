"""ADPC and ADPP: cellular-kinetics concentrations and their NCA parameters.

Sources: ADaMIG 1.3 BDS and the ADaM Implementation Guide's pharmacokinetic examples
(ADPC: AFRLT actual relative time from first dose, BLQ records kept; ADPP: one record per
subject and parameter from SDTM PP), the pharmaverse admiral ADPC/ADPP templates (rules
only). Time is in days from the CAR-T infusion (the unit of the project's NCA,
:mod:`cartrial.kinetics`), from PCDTC and the product's EXSTDTC when both carry a time,
else from the dates. A result below the LLOQ (PCSTRESC starting ``<`` or ``BLQ``, or no
PCSTRESN with a PCLLOQ) has AVAL 0 and BLQFL Y, PKNCA's convention.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.adam.exposure import exposures
from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.adam.source import SdtmSource, iso_date, iso_datetime
from cartrial.cdisc.dataset import Dataset

__all__ = ["derive_adpc", "derive_adpp"]

DAY_SECONDS = 86400.0


def _blq(row: pd.Series) -> bool:
    text = str(row.get("PCSTRESC") or "").strip().upper()
    if text.startswith("<") or text.startswith("BLQ"):
        return True
    value = row.get("PCSTRESN")
    return (value is None or pd.isna(value)) and text == "" and row.get("PCLLOQ") is not None


def derive_adpc(source: SdtmSource, adsl: pd.DataFrame) -> Dataset:
    """ADPC from PC, EX and ADSL (module rules); infused subjects only."""
    pc = source.frame(
        "PC", required=("USUBJID", "PCSEQ", "PCTESTCD", "PCTEST", "PCSTRESN", "PCDTC")
    )
    exposed = exposures(source)
    treatment = dict(zip(adsl["USUBJID"], adsl["TRT01A"], strict=True))
    rows: list[dict[str, object]] = []
    for _, row in pc.iterrows():
        usubjid = row["USUBJID"]
        exposure = exposed.get(usubjid)
        if exposure is None or exposure.infusion is None or usubjid not in treatment:
            continue
        when = iso_datetime(row["PCDTC"])
        on = iso_date(row["PCDTC"])
        if when is not None and exposure.infusion_at is not None:
            days = (when - exposure.infusion_at).total_seconds() / DAY_SECONDS
        elif on is not None:
            days = float((on - exposure.infusion).days)
        else:
            days = None
        blq = _blq(row)
        value = row["PCSTRESN"]
        rows.append(
            {
                "STUDYID": row["STUDYID"],
                "USUBJID": usubjid,
                "PCSEQ": int(row["PCSEQ"]),
                "TRT01A": treatment[usubjid],
                "PARAMCD": row["PCTESTCD"],
                "PARAM": row["PCTEST"],
                "AVAL": 0.0 if blq else (None if value is None or pd.isna(value) else float(value)),
                "AVALU": row.get("PCSTRESU"),
                "BLQFL": "Y" if blq else None,
                "ADT": on,
                "AFRLT": days,
                "RRLTU": "DAYS",
            }
        )
    variables = (
        predecessor("STUDYID", "Study Identifier", "PC.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "PC.USUBJID"),
        predecessor("PCSEQ", "Sequence Number", "PC.PCSEQ", "integer"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        predecessor("PARAMCD", "Parameter Code", "PC.PCTESTCD"),
        predecessor("PARAM", "Parameter", "PC.PCTEST"),
        derived("AVAL", "Analysis Value", "PC.PCSTRESN; 0 when below the LLOQ", "float"),
        predecessor("AVALU", "Analysis Value Unit", "PC.PCSTRESU"),
        derived(
            "BLQFL",
            "Below Lower Limit of Quantitation Flag",
            "PC.PCSTRESC < LLOQ or BLQ",
            codelist="NY",
        ),
        derived("ADT", "Analysis Date", "PC.PCDTC (full dates only)", "date"),
        derived(
            "AFRLT",
            "Actual Relative Time from First Dose",
            "(PCDTC - CAR-T EXSTDTC) in days",
            "float",
        ),
        derived("RRLTU", "Relative Time Unit", "DAYS"),
    )
    return assemble(
        name="ADPC",
        label="PK Concentrations Analysis Dataset",
        structure="One record per subject per parameter per sample",
        dataset_class="BASIC DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "PARAMCD", "PCSEQ"),
        variables=variables,
        rows=rows,
    )


def derive_adpp(source: SdtmSource, adsl: pd.DataFrame) -> Dataset:
    """ADPP from PP and ADSL: one record per subject and NCA parameter.

    Only the whole-profile parameters (PPENINT empty) are carried: ADaMIG 1.3 section
    3.3.4 wants PARAM one-to-one with PARAMCD, and the partial-interval rows of PP
    (AUC0-7d ... 0-90d) share their PPTESTCD with the whole profile's. They stay in
    SDTM PP with their interval in PPSTINT/PPENINT.
    """
    pp = source.frame("PP", required=("USUBJID", "PPSEQ", "PPTESTCD", "PPTEST", "PPSTRESN"))
    treatment = dict(zip(adsl["USUBJID"], adsl["TRT01A"], strict=True))
    if "PPENINT" in pp.columns:
        pp = pp[pp["PPENINT"].isna()]
    rows: list[dict[str, object]] = []
    for _, row in pp.iterrows():
        usubjid = row["USUBJID"]
        value = row["PPSTRESN"]
        rows.append(
            {
                "STUDYID": row["STUDYID"],
                "USUBJID": usubjid,
                "PPSEQ": int(row["PPSEQ"]),
                "TRT01A": treatment.get(usubjid),
                "PARCAT1": row.get("PPCAT"),
                "PARAMCD": row["PPTESTCD"],
                "PARAM": row["PPTEST"],
                "AVAL": None if value is None or pd.isna(value) else float(value),
                "AVALU": row.get("PPSTRESU"),
            }
        )
    variables = (
        predecessor("STUDYID", "Study Identifier", "PP.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "PP.USUBJID"),
        predecessor("PPSEQ", "Sequence Number", "PP.PPSEQ", "integer"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        predecessor("PARCAT1", "Parameter Category 1", "PP.PPCAT"),
        predecessor("PARAMCD", "Parameter Code", "PP.PPTESTCD"),
        predecessor("PARAM", "Parameter", "PP.PPTEST"),
        predecessor("AVAL", "Analysis Value", "PP.PPSTRESN", "float"),
        predecessor("AVALU", "Analysis Value Unit", "PP.PPSTRESU"),
    )
    return assemble(
        name="ADPP",
        label="PK Parameters Analysis Dataset",
        structure="One record per subject per parameter",
        dataset_class="BASIC DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "PARCAT1", "PARAMCD"),
        variables=variables,
        rows=rows,
    )
