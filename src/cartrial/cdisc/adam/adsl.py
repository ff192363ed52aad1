"""ADSL: one record per subject with populations, dose level and key dates.

Sources: ADaMIG 1.3 section 3.2 (ADSL variables: TRT01P/TRT01A, TRTSDT, SAFFL...); the
project's population rules, each a protocol or project rule:

- SAFFL (safety): the CAR-T product was infused (an EX record of the product; the
  project's safety population, :mod:`cartrial.safety.tables` rule 1 counts infused subjects
  in the trial summary, ``services.trial_summary``).
- DLTEVLFL (DLT-evaluable, protocol ``dlt``; :mod:`cartrial.safety.dlt` step 4 and
  ``shared/design/CLINICAL_RULES.md`` section 2): infused and either a DLT in the window
  or followed through study day ``window_days`` (the later of the last contact and the
  death date at or after the end of the window; follow-up ends at a withdrawal).
- TUBLFL (tumour baseline): infused with a tumour assessment on or before the infusion
  date (TR/TU) - the efficacy population of PFS and OS (``services.trial_efficacy``
  rule 2).
- EFFFL (efficacy/response-evaluable): TUBLFL and >= 1 post-infusion overall response
  in RS (``services.trial_efficacy`` rule 4).
- LSTALVDT: the withdrawal date of a withdrawn subject, else the latest dated contact
  (SV, TR, RS, PC, LB, VS, AE start or end) on or before the data cut
  (``services.trial_efficacy`` rule 5); a dead subject has DTHDT instead.

Study days count from the infusion (TRTSDT) without a day 0 (ADaMIG 1.3 ADY).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.adam.exposure import exposures
from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.adam.source import SdtmSource, iso_date
from cartrial.cdisc.dataset import Dataset
from cartrial.protocol.model import Protocol

__all__ = ["CONTACT_DATES", "derive_adsl", "last_contacts"]

CONTACT_DATES: tuple[tuple[str, str], ...] = (
    ("SV", "SVSTDTC"),
    ("TR", "TRDTC"),
    ("RS", "RSDTC"),
    ("PC", "PCDTC"),
    ("LB", "LBDTC"),
    ("VS", "VSDTC"),
    ("AE", "AESTDTC"),
    ("AE", "AEENDTC"),
)
_COMPLETED = {"COMPLETED", "DEATH"}


def _flag(value: bool) -> str:
    return "Y" if value else "N"


def last_contacts(source: SdtmSource, data_cut: dt.date | None = None) -> dict[str, dt.date]:
    """The latest full date of any contact record per subject on or before the data cut
    (LSTALVDT's inputs)."""
    latest: dict[str, dt.date] = {}
    for domain, column in CONTACT_DATES:
        frame = source.frame(domain)
        if frame.empty or column not in frame.columns:
            continue
        for subject, value in zip(frame["USUBJID"], frame[column], strict=True):
            date = iso_date(value)
            if date is None or (data_cut is not None and date > data_cut):
                continue
            if subject not in latest or date > latest[subject]:
                latest[subject] = date
    return latest


def withdrawals(source: SdtmSource) -> dict[str, dt.date]:
    """The date of a disposition event other than completion or death, per subject."""
    ds = source.frame("DS")
    out: dict[str, dt.date] = {}
    if ds.empty or "DSCAT" not in ds.columns:
        return out
    events = ds[(ds["DSCAT"] == "DISPOSITION EVENT") & ~ds["DSDECOD"].isin(_COMPLETED)]
    for subject, value in zip(events["USUBJID"], events["DSSTDTC"], strict=True):
        date = iso_date(value)
        if date is not None:
            out.setdefault(str(subject), date)
    return out


def _baseline_and_followup(
    source: SdtmSource, infusion: dict[str, dt.date]
) -> tuple[set[str], set[str]]:
    baseline: set[str] = set()
    for domain, column in (("TR", "TRDTC"), ("TU", "TUDTC")):
        frame = source.frame(domain)
        if frame.empty or column not in frame.columns:
            continue
        for subject, value in zip(frame["USUBJID"], frame[column], strict=True):
            date = iso_date(value)
            day0 = infusion.get(subject)
            if date is not None and day0 is not None and date <= day0:
                baseline.add(subject)
    after: set[str] = set()
    rs = source.frame("RS")
    if not rs.empty:
        overall = rs[rs["RSTESTCD"] == "OVRLRESP"]
        for subject, value in zip(overall["USUBJID"], overall["RSDTC"], strict=True):
            date = iso_date(value)
            day0 = infusion.get(subject)
            if date is not None and day0 is not None and date > day0:
                after.add(subject)
    return baseline, after


def derive_adsl(
    source: SdtmSource,
    *,
    protocol: Protocol,
    dlt_dates: dict[str, dt.date],
    data_cut: dt.date | None = None,
) -> Dataset:
    """ADSL from DM, EX, DS and the dated records (module rules); ``dlt_dates`` is each
    subject's first DLT onset (:func:`cartrial.cdisc.adam.addlt.dlt_onsets`)."""
    dm = source.frame("DM", required=("STUDYID", "USUBJID", "ARM", "ACTARM"))
    exposed = exposures(source)
    infusion = {s: e.infusion for s, e in exposed.items() if e.infusion is not None}
    contacts = last_contacts(source, data_cut)
    left = withdrawals(source)
    baseline, after = _baseline_and_followup(source, infusion)
    window = protocol.dlt.window_days if protocol.dlt is not None else None
    rows: list[dict[str, object]] = []
    for _, row in dm.iterrows():
        subject = str(row["USUBJID"])
        day0 = infusion.get(subject)
        death = iso_date(row.get("DTHDTC"))
        alive: dt.date | None = contacts.get(subject)
        if subject in left:
            alive = left[subject] if data_cut is None else min(left[subject], data_cut)
        end = death if death is not None else alive
        evaluable = False
        if day0 is not None and window is not None:
            followed = end is not None and (end - day0).days >= window
            evaluable = subject in dlt_dates or followed
        exposure = exposed.get(subject)
        rows.append(
            {
                "STUDYID": row["STUDYID"],
                "USUBJID": subject,
                "SUBJID": row.get("SUBJID"),
                "SITEID": row.get("SITEID"),
                "AGE": None if pd.isna(row.get("AGE")) else int(row["AGE"]),
                "AGEU": row.get("AGEU"),
                "SEX": row.get("SEX"),
                "RACE": row.get("RACE"),
                "ETHNIC": row.get("ETHNIC"),
                "ARM": row["ARM"],
                "ACTARM": row["ACTARM"],
                "TRT01P": row["ARM"],
                "TRT01A": row["ACTARM"] if day0 is not None else None,
                "LDSTDT": exposure.lymphodepletion if exposure else None,
                "TRTSDT": day0,
                "TRTEDT": day0,
                "DOSEA": exposure.dose if exposure else None,
                "DOSEAU": exposure.dose_unit if exposure else None,
                "DTHDT": death,
                "DTHFL": "Y" if death is not None else None,
                "LSTALVDT": None if death is not None else alive,
                "SAFFL": _flag(day0 is not None),
                "DLTEVLFL": _flag(evaluable),
                "TUBLFL": _flag(day0 is not None and subject in baseline),
                "EFFFL": _flag(day0 is not None and subject in baseline and subject in after),
            }
        )
    variables = (
        predecessor("STUDYID", "Study Identifier", "DM.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "DM.USUBJID"),
        predecessor("SUBJID", "Subject Identifier for the Study", "DM.SUBJID"),
        predecessor("SITEID", "Study Site Identifier", "DM.SITEID"),
        predecessor("AGE", "Age", "DM.AGE", "integer"),
        predecessor("AGEU", "Age Units", "DM.AGEU"),
        predecessor("SEX", "Sex", "DM.SEX"),
        predecessor("RACE", "Race", "DM.RACE"),
        predecessor("ETHNIC", "Ethnicity", "DM.ETHNIC"),
        predecessor("ARM", "Description of Planned Arm", "DM.ARM"),
        predecessor("ACTARM", "Description of Actual Arm", "DM.ACTARM"),
        derived("TRT01P", "Planned Treatment for Period 01", "DM.ARM (planned dose level)"),
        derived("TRT01A", "Actual Treatment for Period 01", "DM.ACTARM when infused"),
        derived("LDSTDT", "Lymphodepletion Start Date", "first EX lymphodepletion EXSTDTC", "date"),
        derived("TRTSDT", "Date of First Exposure to Treatment", "CAR-T EX EXSTDTC", "date"),
        derived(
            "TRTEDT",
            "Date of Last Exposure to Treatment",
            "CAR-T EX EXSTDTC (single infusion)",
            "date",
        ),
        derived("DOSEA", "Actual Cell Dose", "CAR-T EX EXDOSE", "float"),
        derived("DOSEAU", "Actual Cell Dose Units", "CAR-T EX EXDOSU"),
        derived("DTHDT", "Date of Death", "DM.DTHDTC as a date", "date"),
        predecessor("DTHFL", "Subject Death Flag", "DM.DTHFL"),
        derived(
            "LSTALVDT",
            "Date Last Known Alive",
            "withdrawal date, else latest contact (module rule)",
            "date",
        ),
        derived(
            "SAFFL", "Safety Population Flag", "Y if the CAR-T product was infused", codelist="NY"
        ),
        derived(
            "DLTEVLFL",
            "DLT-Evaluable Population Flag",
            "Y if infused and a DLT or followed through the DLT window",
            codelist="NY",
        ),
        derived(
            "TUBLFL",
            "Tumour Baseline Population Flag",
            "Y if infused with a tumour assessment on or before infusion",
            codelist="NY",
        ),
        derived(
            "EFFFL",
            "Efficacy Population Flag",
            "Y if TUBLFL and >= 1 post-infusion overall response",
            codelist="NY",
        ),
    )
    return assemble(
        name="ADSL",
        label="Subject-Level Analysis Dataset",
        structure="One record per subject",
        dataset_class="SUBJECT LEVEL ANALYSIS DATASET",
        keys=("STUDYID", "USUBJID"),
        variables=variables,
        rows=rows,
        notes=(f"DLT window {window} days (protocol {protocol.id}, dlt.window_days)",),
    )
