"""DM, Demographics (SDTMIG 3.4 section 5.2): one record per consented subject.

- Every subject with a screening record is included; screen failures have
  ARMNRS "SCREEN FAILURE" and no ARM (SDTMIG 3.4 DM assumption on ARMNRS).
- ARMCD/ARM: the dose level assigned at enrolment (``DL<n>``, the protocol's
  dose-level label); ACTARMCD/ACTARM: the level of the infusion given. An
  enrolled subject without a level is "NOT ASSIGNED"; one assigned but never
  infused is "ASSIGNED, NOT TREATED" (ACTARMCD empty).
- RFSTDTC/RFENDTC: the CAR-T infusion (a single infusion; module
  :mod:`~cartrial.cdisc.sdtm.reference`); RFXSTDTC/RFXENDTC: first and last EX
  exposure (first lymphodepleting dose, infusion); RFICDTC: the consent date;
  RFPENDTC: the last date of participation (death, withdrawal, else the latest
  dated record of the subject).
- AGE: whole years from birth to informed consent (protocol inclusion 1 counts
  age at consent); AGEU YEARS. SEX from the screening record.
- RACE and ETHNIC are not collected by the screening record: left empty, logged.
- COUNTRY: the ISO 3166-1 alpha-3 code of the protocol's site country; a
  protocol that does not state it leaves COUNTRY empty, logged.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, iso_datetime, study_days, to_dates, to_local

__all__ = ["DM_VARIABLES", "build_dm", "last_dates"]

COUNTRIES = {"China": "CHN", "United States": "USA", "United Kingdom": "GBR"}
SEXES = {"female": "F", "male": "M"}

DM_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("SUBJID", "Subject Identifier for the Study", "Req", role="Topic"),
    Var(
        "RFSTDTC",
        "Subject Reference Start Date/Time",
        "Exp",
        "datetime",
        "Derived",
        description="CAR-T infusion start, site clock",
    ),
    Var(
        "RFENDTC",
        "Subject Reference End Date/Time",
        "Exp",
        "datetime",
        "Derived",
        description="CAR-T infusion (single infusion)",
    ),
    Var(
        "RFXSTDTC",
        "Date/Time of First Study Treatment",
        "Exp",
        "datetime",
        "Derived",
        description="earliest EXSTDTC (first lymphodepleting dose)",
    ),
    Var(
        "RFXENDTC",
        "Date/Time of Last Study Treatment",
        "Exp",
        "datetime",
        "Derived",
        description="latest EXENDTC (CAR-T infusion)",
    ),
    Var("RFICDTC", "Date/Time of Informed Consent", "Exp", "date"),
    Var(
        "RFPENDTC",
        "Date/Time of End of Participation",
        "Exp",
        "date",
        "Derived",
        description="death, withdrawal, else the latest dated record",
    ),
    Var("DTHDTC", "Date/Time of Death", "Exp", "date"),
    Var("DTHFL", "Subject Death Flag", "Exp", codelist="NY", origin="Derived"),
    Var("SITEID", "Study Site Identifier", "Req", origin="Assigned"),
    Var("BRTHDTC", "Date/Time of Birth", "Perm", "date"),
    Var(
        "AGE", "Age", "Exp", "integer", "Derived", description="whole years from BRTHDTC to RFICDTC"
    ),
    Var("AGEU", "Age Units", "Exp", codelist="AGEU", origin="Assigned"),
    Var("SEX", "Sex", "Req", codelist="SEX"),
    Var("RACE", "Race", "Exp"),
    Var("ETHNIC", "Ethnicity", "Perm"),
    Var("ARMCD", "Planned Arm Code", "Exp", origin="Assigned"),
    Var("ARM", "Description of Planned Arm", "Exp", origin="Assigned"),
    Var("ACTARMCD", "Actual Arm Code", "Exp", origin="Derived"),
    Var("ACTARM", "Description of Actual Arm", "Exp", origin="Derived"),
    Var(
        "ARMNRS",
        "Reason Arm and/or Actual Arm is Null",
        "Exp",
        codelist="ARMNULRS",
        origin="Derived",
    ),
    Var("COUNTRY", "Country", "Req", codelist="COUNTRY", origin="Protocol"),
    Var("DMDTC", "Date/Time of Collection", "Perm", "datetime"),
    Var("DMDY", "Study Day of Collection", "Perm", "integer", "Derived"),
)


def arm_labels(ctx: Context) -> dict[int, tuple[str, str]]:
    """Dose level -> (ARMCD, ARM) from the protocol's dose levels."""
    out = {}
    for level in ctx.source.protocol.dose_levels:
        label = level.label or f"{level.cells_per_kg} cells/kg"
        out[level.level] = (f"DL{level.level}", f"Dose level {level.level}: {label} CAR-T cells")
    return out


def last_dates(ctx: Context) -> pd.Series:
    """Per subject id, the latest calendar date of any stored record (site clock)."""
    t = ctx.source.tables
    parts: list[pd.Series] = []
    for name, column, instant in (
        ("visit", "actual_date", False),
        ("adverse_event", "onset_date", False),
        ("adverse_event", "end_date", False),
        ("tumour_assessment", "assessed_on", False),
        ("lab_result", "collected_at", True),
        ("vital_sign", "measured_at", True),
        ("sample", "collected_at", True),
        ("infusion", "started_at", True),
        ("withdrawal", "withdrawn_on", False),
        ("death", "died_on", False),
    ):
        frame = t[name]
        if frame.empty:
            continue
        joined = ctx.subjects_of(frame)
        when = to_local(joined[column], joined["zone"]) if instant else to_dates(joined[column])
        parts.append(pd.Series(when.dt.normalize().to_numpy(), index=joined["subject_id"]))
    if not parts:
        return pd.Series(dtype="datetime64[ns]")
    every = pd.concat(parts)
    latest: pd.Series = every.groupby(level=0).max()
    return latest


def _age(birth: pd.Series, consent: pd.Series) -> pd.Series:
    b, c = to_dates(birth), to_dates(consent)
    years = c.dt.year - b.dt.year
    before_birthday = (c.dt.month < b.dt.month) | (
        (c.dt.month == b.dt.month) & (c.dt.day < b.dt.day)
    )
    age: pd.Series = (years - before_birthday.astype(int)).astype("Int64")
    return age.where(b.notna() & c.notna())


def build_dm(ctx: Context) -> Dataset:
    """DM (module doc)."""
    s = ctx.source.subjects.set_index("id")
    s = s[s["record"].notna()]
    ref = ctx.ref.loc[s.index]
    t = ctx.source.tables
    arms = arm_labels(ctx)
    inf = t["infusion"].set_index("subject_id")
    died = t["death"].set_index("subject_id")["died_on"]
    withdrawn = t["withdrawal"].set_index("subject_id")["withdrawn_on"]
    ids = s.index.to_series()
    frame = pd.DataFrame(index=s.index)
    frame["STUDYID"] = ctx.studyid
    frame["DOMAIN"] = "DM"
    frame["USUBJID"] = ref["USUBJID"]
    frame["SUBJID"] = ref["SUBJID"]
    rfst = iso_datetime(ref["rfst"])
    frame["RFSTDTC"] = rfst
    frame["RFENDTC"] = rfst
    frame["RFXSTDTC"] = iso_datetime(ref["ld_start"].where(ref["ld_start"].notna(), ref["rfst"]))
    frame["RFXENDTC"] = rfst.where(rfst.notna(), iso_datetime(ref["ld_start"]))
    frame["RFICDTC"] = iso_date(to_dates(s["consent_date"]))
    end = to_dates(ids.map(died)).fillna(to_dates(ids.map(withdrawn)))
    end = end.fillna(ids.map(last_dates(ctx)))
    frame["RFPENDTC"] = iso_date(end)
    frame["DTHDTC"] = iso_date(to_dates(ids.map(died)))
    frame["DTHFL"] = ids.map(lambda i: "Y" if i in died.index else None)
    frame["SITEID"] = ref["SITEID"]
    frame["BRTHDTC"] = iso_date(to_dates(s["birth_date"]))
    frame["AGE"] = _age(s["birth_date"], s["consent_date"])
    frame["AGEU"] = frame["AGE"].map(lambda a: None if pd.isna(a) else "YEARS")
    frame["SEX"] = s["sex"].map(SEXES).fillna("U")
    failed = s["status"] == "screen_failed"
    level = s["dose_level"].astype("Int64")
    frame["ARMCD"] = level.map(lambda v: arms[v][0] if pd.notna(v) and v in arms else None)
    frame["ARM"] = level.map(lambda v: arms[v][1] if pd.notna(v) and v in arms else None)
    given = ids.map(inf["dose_level"]).astype("Int64")
    frame["ACTARMCD"] = given.map(lambda v: arms[v][0] if pd.notna(v) and v in arms else None)
    frame["ACTARM"] = given.map(lambda v: arms[v][1] if pd.notna(v) and v in arms else None)
    nrs = pd.Series(None, index=s.index, dtype=object)
    nrs[frame["ARMCD"].notna() & frame["ACTARMCD"].isna()] = "ASSIGNED, NOT TREATED"
    nrs[frame["ARMCD"].isna()] = "NOT ASSIGNED"
    nrs[failed] = "SCREEN FAILURE"
    frame["ARMNRS"] = nrs
    frame["COUNTRY"] = _country(ctx)
    screened = to_local(s["screened_at"], ref["zone"])
    frame["DMDTC"] = iso_datetime(screened)
    frame["DMDY"] = study_days(screened, ref["rfst"])
    for field in ("RACE", "ETHNIC"):
        ctx.log.add(
            "DM",
            table="screening",
            field=field,
            value=None,
            expected=f"{field} is not collected by the screening record: left empty",
        )
    return make_dataset(
        "DM",
        "Demographics",
        dataset_class="SPECIAL PURPOSE",
        structure="One record per subject",
        keys=("STUDYID", "USUBJID"),
        variables=DM_VARIABLES,
        frame=frame.sort_values("USUBJID"),
        notes=(
            "RFSTDTC is the CAR-T infusion start (protocol day 0 = study day 1).",
            "AGE at informed consent (protocol inclusion 1).",
        ),
    )


def _country(ctx: Context) -> str | None:
    sites = ctx.source.protocol.sites
    country = sites[0].country if sites else None
    code = COUNTRIES.get(country or "")
    if code is None:
        ctx.log.add(
            "DM",
            table="protocol",
            field="sites[0].country",
            value=country,
            expected="a site country the protocol states (ISO 3166-1 alpha-3 known to cartrial: "
            + ", ".join(f"{k} -> {v}" for k, v in COUNTRIES.items())
            + "); COUNTRY left empty",
        )
    return code
