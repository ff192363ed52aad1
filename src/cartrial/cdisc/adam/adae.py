"""ADAE: one record per SDTM AE record with analysis dates, the treatment-emergent flag,
grade and AESI.

Sources: ADaM Occurrence Data Structure (ADaM OCCDS v1.1) and ADaMIG 1.3 for the
variable names; the protocol's TEAE window (``windows.teae``, the CAR-T convention in
``shared/design/CLINICAL_RULES.md`` "Treatment-emergent AE windows",
:mod:`cartrial.safety.events` rule 2): TRTEMFL = Y when the onset date is on or after the
window's anchor (the first lymphodepleting dose, LDSTDT, or the infusion, TRTSDT) and on
or before TRTSDT + ``days_after_infusion`` (day 30 of a 30-day window in, day 31 out). An
AE without a full onset date or of a subject never infused is not flagged (no imputation).
Worsening of a pre-existing AE is a new SDTM AE record (SDTMIG 3.4 section 6.2 AE
assumptions), so the onset rule covers it.

ATOXGRN is AETOXGR as a number (CTCAE v5.0, CRS and ICANS by ASTCT 2019 as SDTM records
them); MAXGRFL flags each subject's worst-grade TEAE record per AEDECOD (first by onset on
ties). AESIFL: the AE term (AEDECOD or AETERM, any case) is on the protocol's AESI list,
or SUPPAE.AESI = Y.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.adam.source import SdtmSource, iso_date
from cartrial.cdisc.dataset import Dataset
from cartrial.protocol.model import Protocol

__all__ = ["derive_adae", "study_day"]


def study_day(date: dt.date | None, reference: dt.date | None) -> int | None:
    """ADaM relative day: date - reference + 1 on or after it, date - reference before it
    (no day 0; SDTMIG 3.4 section 4.4.4, ADaMIG 1.3 ADY).

    >>> day0 = dt.date(2026, 1, 1)
    >>> study_day(day0, day0), study_day(dt.date(2025, 12, 31), day0)
    (1, -1)
    """
    if date is None or reference is None:
        return None
    days = (date - reference).days
    return days + 1 if days >= 0 else days


def _grade(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def derive_adae(source: SdtmSource, adsl: pd.DataFrame, protocol: Protocol) -> Dataset:
    """ADAE from AE (+SUPPAE) and ADSL (module rules)."""
    ae = source.with_supp(
        "AE", required=("USUBJID", "AESEQ", "AETERM", "AEDECOD", "AESTDTC", "AETOXGR")
    )
    subjects = adsl.set_index("USUBJID")
    teae = protocol.windows.teae if protocol.windows is not None else None
    aesi_terms = {a.term.lower(): a.category for a in protocol.aesi}
    rows: list[dict[str, object]] = []
    for _, row in ae.iterrows():
        usubjid = row["USUBJID"]
        sl = subjects.loc[usubjid] if usubjid in subjects.index else None
        trtsdt = sl["TRTSDT"] if sl is not None else None
        ldstdt = sl["LDSTDT"] if sl is not None else None
        start = iso_date(row["AESTDTC"])
        end = iso_date(row.get("AEENDTC"))
        emergent = False
        if teae is not None and start is not None and trtsdt is not None:
            anchor = ldstdt if teae.anchor == "first_lymphodepletion" and ldstdt else trtsdt
            last = trtsdt + dt.timedelta(days=teae.days_after_infusion)
            emergent = anchor <= start <= last
        terms = {str(row["AEDECOD"]).lower(), str(row["AETERM"]).lower()}
        category = next((aesi_terms[t] for t in terms if t in aesi_terms), None)
        is_aesi = category is not None or row.get("AESI") == "Y"
        rows.append(
            {
                "STUDYID": row["STUDYID"],
                "USUBJID": usubjid,
                "AESEQ": int(row["AESEQ"]),
                "TRT01A": sl["TRT01A"] if sl is not None else None,
                "SAFFL": sl["SAFFL"] if sl is not None else None,
                "AETERM": row["AETERM"],
                "AEDECOD": row["AEDECOD"],
                "AEBODSYS": row.get("AEBODSYS"),
                "AESER": row.get("AESER"),
                "AETOXGR": row["AETOXGR"],
                "ATOXGRN": _grade(row["AETOXGR"]),
                "ASTDT": start,
                "AENDT": end,
                "ASTDY": study_day(start, trtsdt),
                "AENDY": study_day(end, trtsdt),
                "TRTEMFL": "Y" if emergent else None,
                "AESIFL": "Y" if is_aesi else None,
                "AESICAT": category,
            }
        )
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["MAXGRFL"] = None
        worst = frame[frame["TRTEMFL"] == "Y"].copy()
        worst["_g"] = worst["ATOXGRN"].fillna(-1)
        worst = worst.sort_values(
            ["USUBJID", "AEDECOD", "_g", "ASTDT"], ascending=[True, True, False, True]
        )
        picked = worst.drop_duplicates(["USUBJID", "AEDECOD"]).index
        frame.loc[picked, "MAXGRFL"] = "Y"
    window = (
        f"{teae.anchor} to infusion + {teae.days_after_infusion} days"
        if teae
        else "none in the protocol"
    )
    variables = (
        predecessor("STUDYID", "Study Identifier", "AE.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "AE.USUBJID"),
        predecessor("AESEQ", "Sequence Number", "AE.AESEQ", "integer"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        predecessor("SAFFL", "Safety Population Flag", "ADSL.SAFFL"),
        predecessor("AETERM", "Reported Term for the Adverse Event", "AE.AETERM"),
        predecessor("AEDECOD", "Dictionary-Derived Term", "AE.AEDECOD"),
        predecessor("AEBODSYS", "Body System or Organ Class", "AE.AEBODSYS"),
        predecessor("AESER", "Serious Event", "AE.AESER"),
        predecessor("AETOXGR", "Standard Toxicity Grade", "AE.AETOXGR"),
        derived("ATOXGRN", "Analysis Toxicity Grade (N)", "AE.AETOXGR as a number", "integer"),
        derived("ASTDT", "Analysis Start Date", "AE.AESTDTC (full dates only)", "date"),
        derived("AENDT", "Analysis End Date", "AE.AEENDTC (full dates only)", "date"),
        derived(
            "ASTDY", "Analysis Start Relative Day", "ASTDT - TRTSDT (+1 on or after)", "integer"
        ),
        derived("AENDY", "Analysis End Relative Day", "AENDT - TRTSDT (+1 on or after)", "integer"),
        derived(
            "TRTEMFL",
            "Treatment Emergent Analysis Flag",
            f"onset in the TEAE window ({window})",
            codelist="NY",
        ),
        derived(
            "AESIFL",
            "AE of Special Interest Flag",
            "term on the protocol's AESI list or SUPPAE.AESI",
            codelist="NY",
        ),
        derived("AESICAT", "AESI Category", "the protocol's AESI category of the term"),
        derived(
            "MAXGRFL",
            "Maximum Grade per Subject and Term Flag",
            "worst-grade TEAE per USUBJID and AEDECOD",
            codelist="NY",
        ),
    )
    return assemble(
        name="ADAE",
        label="Adverse Events Analysis Dataset",
        structure="One record per subject per adverse event",
        dataset_class="OCCURRENCE DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "AESEQ"),
        variables=variables,
        rows=frame if len(frame) else [],
        notes=(f"TEAE window: {window} (protocol {protocol.id}, windows.teae)",),
    )
