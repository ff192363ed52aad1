"""LB, Laboratory Test Results (SDTMIG 3.4 section 6.3.5), cytokines included.

- Routine labs: every stored lab result. LBTOXGR is the CTCAE v5.0 grade the
  service stored when it recorded the value (:func:`cartrial.services.followup.record_lab`
  through :func:`cartrial.safety.ctcae.grade_lab_record`), LBTOX its CTCAE term;
  LBORNRLO/LBORNRHI the LLN/ULN graded against; LBNRIND LOW/HIGH/NORMAL against them.
- Cytokines (IL-6, IFN-gamma, ...) are endogenous analytes measured on serum, not
  concentrations of the administered product, so they are LB with LBCAT
  CYTOKINES (SDTMIG 3.4: PC holds concentrations of the study drug or its
  metabolites; LB holds analytes in specimens otherwise); the CAR transgene is PC.
- The labs of the screening record (the eligibility labs, entered with the units the
  site uses) are LB too, dated with the date collected (date precision).
- LBSTRESN/LBSTRESU: the result in the test's canonical unit by
  :mod:`cartrial.units`' explicit factors (``/uL`` -> 10^9/L, ``umol/L`` bilirubin ->
  mg/dL, ``g/dL`` -> g/L); a test without a unit table (CRP, ferritin, cytokines)
  keeps its unit. LBLOBXFL (SDTMIG 3.4, replacing --BLFL) = Y on
  the last non-missing result of each test on or before RFXSTDTC (first exposure).
- A test with no LBTESTCD here, or a unit with no CDISC equivalent, is logged and
  left out.
"""

from __future__ import annotations

from typing import cast

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, iso_datetime, study_days, to_dates
from cartrial.cdisc.sdtm.units import cdisc_units
from cartrial.cdisc.sdtm.visit_match import visits_of
from cartrial.units import ANALYTES

__all__ = ["LB_TESTS", "LB_VARIABLES", "build_lb"]

#: stored test -> (LBTESTCD, LBTEST, LBCAT)
LB_TESTS: dict[str, tuple[str, str, str]] = {
    "alt": ("ALT", "Alanine Aminotransferase", "CHEMISTRY"),
    "ast": ("AST", "Aspartate Aminotransferase", "CHEMISTRY"),
    "total_bilirubin": ("BILI", "Bilirubin", "CHEMISTRY"),
    "creatinine": ("CREAT", "Creatinine", "CHEMISTRY"),
    "crp": ("CRP", "C Reactive Protein", "CHEMISTRY"),
    "ferritin": ("FERRITIN", "Ferritin", "CHEMISTRY"),
    "hemoglobin": ("HGB", "Hemoglobin", "HEMATOLOGY"),
    "platelets": ("PLAT", "Platelets", "HEMATOLOGY"),
    "anc": ("NEUT", "Neutrophils", "HEMATOLOGY"),
    "wbc": ("WBC", "Leukocytes", "HEMATOLOGY"),
    "alc": ("LYM", "Lymphocytes", "HEMATOLOGY"),
    "direct_bilirubin": ("BILDIR", "Direct Bilirubin", "CHEMISTRY"),
    "albumin": ("ALB", "Albumin", "CHEMISTRY"),
    "alkaline_phosphatase": ("ALP", "Alkaline Phosphatase", "CHEMISTRY"),
    "ggt": ("GGT", "Gamma Glutamyl Transferase", "CHEMISTRY"),
    "sodium": ("SODIUM", "Sodium", "CHEMISTRY"),
    "potassium": ("K", "Potassium", "CHEMISTRY"),
    "phosphate": ("PHOS", "Phosphate", "CHEMISTRY"),
    "inr": ("INR", "Prothrombin Intl. Normalized Ratio", "COAGULATION"),
    "aptt": ("APTT", "Activated Partial Thromboplastin Time", "COAGULATION"),
    "fibrinogen": ("FIBRINO", "Fibrinogen", "COAGULATION"),
    "IL-6": ("IL6", "Interleukin 6", "CYTOKINES"),
    "IL-10": ("IL10", "Interleukin 10", "CYTOKINES"),
    "IFN-γ": ("IFNG", "Interferon Gamma", "CYTOKINES"),
    "TNF-α": ("TNFA", "Tumor Necrosis Factor Alpha", "CYTOKINES"),
    "GM-CSF": ("GMCSF", "Granulocyte Macrophage Colony Stim Factor", "CYTOKINES"),
    "IP-10": ("IP10", "Interferon Gamma-Induced Protein 10", "CYTOKINES"),
}

SPECIMENS = {"blood": "BLOOD", "serum": "SERUM", "bone_marrow": "BONE MARROW"}

LB_VARIABLES = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("LBSEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
    Var("LBREFID", "Specimen ID", "Perm"),
    Var(
        "LBTESTCD",
        "Lab Test or Examination Short Name",
        "Req",
        codelist="LBTESTCD",
        role="Topic",
        origin="Assigned",
    ),
    Var("LBTEST", "Lab Test or Examination Name", "Req", origin="Assigned"),
    Var("LBCAT", "Category for Lab Test", "Exp", origin="Assigned"),
    Var("LBORRES", "Result or Finding in Original Units", "Exp"),
    Var("LBORRESU", "Original Units", "Exp", codelist="UNIT"),
    Var("LBORNRLO", "Reference Range Lower Limit in Orig Unit", "Exp"),
    Var("LBORNRHI", "Reference Range Upper Limit in Orig Unit", "Exp"),
    Var("LBSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
    Var("LBSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
    Var("LBSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
    Var("LBSTNRLO", "Reference Range Lower Limit-Std Units", "Exp", "float", "Derived"),
    Var("LBSTNRHI", "Reference Range Upper Limit-Std Units", "Exp", "float", "Derived"),
    Var("LBNRIND", "Reference Range Indicator", "Exp", origin="Derived"),
    Var("LBSPEC", "Specimen Type", "Perm", codelist="SPECTYPE"),
    Var(
        "LBLOBXFL", "Last Observation Before Exposure Flag", "Exp", codelist="NY", origin="Derived"
    ),
    Var("LBTOX", "Toxicity", "Perm", origin="Derived"),
    Var(
        "LBTOXGR",
        "Standard Toxicity Grade",
        "Perm",
        codelist="TOXGR",
        origin="Derived",
        description="CTCAE v5.0 grade stored by the safety engine",
    ),
    Var("VISITNUM", "Visit Number", "Exp", "integer", "Derived"),
    Var("VISIT", "Visit Name", "Perm", origin="Derived"),
    Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
    Var("LBDTC", "Date/Time of Specimen Collection", "Exp", "datetime"),
    Var("LBDY", "Study Day of Specimen Collection", "Perm", "integer", "Derived"),
)


def _text(values: pd.Series) -> pd.Series:
    """Stored decimals as plain text without trailing zeros."""

    def one(v: object) -> str | None:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return None
        text = format(v, "f") if not isinstance(v, str) else v
        return text.rstrip("0").rstrip(".") if "." in text else text

    return values.map(one).astype(object)


def _routine(ctx: Context) -> pd.DataFrame:
    lab = ctx.subjects_of(ctx.source.tables["lab_result"])
    grade = lab["derived_grade"].astype("Int64")
    return pd.DataFrame(
        {
            "subject_id": lab["subject_id"],
            "record_id": lab["id"],
            "table": "lab_result",
            "test": lab["test"],
            "value": lab["value"],
            "unit": lab["unit"],
            "lln": lab["lln"],
            "uln": lab["uln"],
            "spec": "BLOOD",
            "refid": None,
            "tox": lab["ctcae_term"].where(grade > 0),
            "grade": grade,
            "when": ctx.local(lab, "collected_at"),
            "date_only": False,
        }
    )


def _screening(ctx: Context) -> pd.DataFrame:
    """The labs of each subject's screening record (eligibility labs), date precision."""
    entries = ctx.source.tables["screening"].sort_values("entered_at")
    entry_of = entries.drop_duplicates("subject_id", keep="last").set_index("subject_id")["id"]
    rows = [
        {
            "subject_id": sid,
            "record_id": entry_of.get(sid),
            "table": "screening",
            "test": lab.get("test"),
            "value": lab.get("value"),
            "unit": lab.get("unit"),
            "lln": lab.get("lln"),
            "uln": lab.get("uln"),
            "spec": "BLOOD",
            "refid": None,
            "tox": None,
            "date": lab.get("date"),
        }
        for sid, record in zip(
            ctx.source.subjects["id"], ctx.source.subjects["record"], strict=True
        )
        for lab in ((record or {}).get("labs") or [])
    ]
    frame = pd.DataFrame(rows, columns=[*_COLUMNS[:-2], "date"])
    frame["grade"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["when"] = to_dates(frame.pop("date"))
    frame["date_only"] = True
    return frame


_COLUMNS = [
    "subject_id",
    "record_id",
    "table",
    "test",
    "value",
    "unit",
    "lln",
    "uln",
    "spec",
    "refid",
    "tox",
    "grade",
    "when",
]


def _standard(tests: pd.Series, units: pd.Series, values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """LBSTRESN and LBSTRESU: the value in the test's canonical unit (:mod:`cartrial.units`,
    its explicit factors), as a CDISC unit; a test without a unit table keeps its unit."""
    factor = pd.Series(1.0, index=tests.index)
    target = units.copy()
    pairs = pd.DataFrame({"test": tests, "unit": units.fillna("")})
    for key, idx in pairs.groupby(["test", "unit"]).groups.items():
        test, spelled = (str(k) for k in cast(tuple[object, object], key))
        spec = ANALYTES.get(test)
        if spec is None or spec.find(spelled) is None:
            continue
        factor[idx] = float(spec.factor_for(spelled, field="unit"))
        target[idx] = spec.canonical_unit
    number = pd.to_numeric(values, errors="coerce") * factor
    return number.round(10), cdisc_units(target.fillna(""))


def _cytokines(ctx: Context) -> pd.DataFrame:
    t = ctx.source.tables
    samples = t["sample"]
    cyto = samples[samples["analyte"] == "cytokines"]
    res = t["assay_result"].merge(
        cyto[["id", "sample_code", "matrix", "collected_at"]].rename(columns={"id": "sample_id"}),
        on="sample_id",
    )
    res = ctx.subjects_of(res)
    value = res["value"].where(res["value"].notna(), res["result_text"])
    return pd.DataFrame(
        {
            "subject_id": res["subject_id"],
            "record_id": res["id"],
            "table": "assay_result",
            "test": res["test"],
            "value": value,
            "unit": res["unit"],
            "lln": None,
            "uln": None,
            "spec": res["matrix"].map(SPECIMENS),
            "refid": res["sample_code"],
            "tox": None,
            "grade": pd.Series(pd.NA, index=res.index, dtype="Int64"),
            "when": ctx.local(res, "collected_at"),
            "date_only": False,
        }
    )


def build_lb(ctx: Context) -> Dataset:
    """LB (module doc)."""
    parts = [_screening(ctx), _routine(ctx), _cytokines(ctx)]
    rows = pd.concat([p for p in parts if not p.empty], ignore_index=True)
    rows["date_only"] = rows["date_only"].astype("boolean").fillna(False).astype(bool)
    rows = ctx.subjects_of(rows)
    known = rows["test"].isin(list(LB_TESTS))
    unit = cdisc_units(rows["unit"].fillna(""))
    for _, r in rows[~known].iterrows():
        ctx.log.add(
            "LB",
            subject=r["code"],
            table=r["table"],
            record_id=r["record_id"],
            field="test",
            value=r["test"],
            expected="a laboratory test with an LBTESTCD: " + ", ".join(LB_TESTS) + "; not mapped",
        )
    bad_unit = known & unit.isna() & rows["unit"].notna()
    for _, r in rows[bad_unit].iterrows():
        ctx.log.add(
            "LB",
            subject=r["code"],
            table=r["table"],
            record_id=r["record_id"],
            field="unit",
            value=r["unit"],
            expected="a unit with a CDISC UNIT equivalent; not mapped",
        )
    keep = known & ~bad_unit
    rows, unit = rows[keep].copy(), unit[keep]
    codes = rows["test"].map(LB_TESTS)
    frame = identifiers(ctx, rows, "LB")
    frame["LBREFID"] = rows["refid"]
    frame["LBTESTCD"] = codes.str[0]
    frame["LBTEST"] = codes.str[1]
    frame["LBCAT"] = codes.str[2]
    frame["LBORRES"] = _text(rows["value"])
    frame["LBORRESU"] = unit
    frame["LBORNRLO"] = _text(rows["lln"])
    frame["LBORNRHI"] = _text(rows["uln"])
    number = pd.to_numeric(frame["LBORRES"], errors="coerce")
    stresn, stresu = _standard(rows["test"], rows["unit"], number)
    frame["LBSTRESC"] = stresn.map(lambda v: None if pd.isna(v) else f"{v:.10g}").astype(object)
    frame.loc[stresn.isna(), "LBSTRESC"] = frame.loc[stresn.isna(), "LBORRES"]
    frame["LBSTRESN"] = stresn
    frame["LBSTRESU"] = stresu.where(frame["LBSTRESC"].notna(), None)
    low = pd.to_numeric(frame["LBORNRLO"], errors="coerce")
    high = pd.to_numeric(frame["LBORNRHI"], errors="coerce")
    frame["LBSTNRLO"] = _standard(rows["test"], rows["unit"], low)[0]
    frame["LBSTNRHI"] = _standard(rows["test"], rows["unit"], high)[0]
    ind = pd.Series(None, index=rows.index, dtype=object)
    has_range = low.notna() | high.notna()
    ind[has_range & number.notna()] = "NORMAL"
    ind[low.notna() & (number < low)] = "LOW"
    ind[high.notna() & (number > high)] = "HIGH"
    frame["LBNRIND"] = ind
    frame["LBSPEC"] = rows["spec"]
    frame["LBTOX"] = rows["tox"]
    frame["LBTOXGR"] = rows["grade"].astype(str).where(rows["grade"].notna(), None)
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, rows["subject_id"], rows["when"])
    frame["EPOCH"] = ctx.epoch(rows, rows["when"])
    frame["LBDTC"] = iso_datetime(rows["when"]).where(~rows["date_only"], iso_date(rows["when"]))
    frame["LBDY"] = study_days(rows["when"], rows["rfst"])
    exposure = rows["ld_start"].where(rows["ld_start"].notna(), rows["rfst"])
    before = rows["when"].le(exposure) & number.notna()
    last = rows[before].sort_values("when").groupby(["subject_id", "test"]).tail(1).index
    frame["LBLOBXFL"] = None
    frame.loc[last, "LBLOBXFL"] = "Y"
    frame["_when"] = rows["when"]
    frame = sequence(frame, "LB", ["_when", "LBCAT", "LBTESTCD"])
    names = {v.name for v in LB_VARIABLES}
    return make_dataset(
        "LB",
        "Laboratory Test Results",
        dataset_class="FINDINGS",
        structure="One record per lab test per time point per visit per subject",
        keys=("STUDYID", "USUBJID", "LBCAT", "LBTESTCD", "LBDTC"),
        variables=LB_VARIABLES,
        frame=frame[[c for c in frame.columns if c in names]],
        notes=("Cytokines are LB (LBCAT CYTOKINES); the CAR transgene is PC.",),
    )
