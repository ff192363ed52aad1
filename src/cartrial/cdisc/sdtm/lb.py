"""LB, Laboratory Test Results (SDTMIG 3.4 section 6.3.5), cytokines included.

- Routine labs: every stored lab result. LBTOXGR is the CTCAE v5.0 grade the
  service stored when it recorded the value (:func:`cartrial.services.followup.record_lab`
  through :func:`cartrial.safety.ctcae.grade_lab_record`), LBTOX its CTCAE term;
  LBORNRLO/LBORNRHI the LLN/ULN graded against; LBNRIND LOW/HIGH/NORMAL against them.
- Cytokines (IL-6, IFN-gamma, ...) are endogenous analytes measured on serum, not
  concentrations of the administered product, so they are LB with LBCAT
  CYTOKINES (SDTMIG 3.4: PC holds concentrations of the study drug or its
  metabolites; LB holds analytes in specimens otherwise); the CAR transgene is PC.
- LBSTRESC/N/U equal the original result in its CDISC unit (each test is stored in
  one unit; no conversion is made). LBLOBXFL (SDTMIG 3.4, replacing --BLFL) = Y on
  the last non-missing result of each test on or before RFXSTDTC (first exposure).
- A test with no LBTESTCD here, or a unit with no CDISC equivalent, is logged and
  left out.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_datetime, study_days
from cartrial.cdisc.sdtm.units import cdisc_units

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
        }
    )


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
        }
    )


def build_lb(ctx: Context) -> Dataset:
    """LB (module doc)."""
    rows = pd.concat([_routine(ctx), _cytokines(ctx)], ignore_index=True)
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
    frame["LBSTRESC"] = frame["LBORRES"]
    frame["LBSTRESN"] = number
    frame["LBSTRESU"] = unit
    low = pd.to_numeric(frame["LBORNRLO"], errors="coerce")
    high = pd.to_numeric(frame["LBORNRHI"], errors="coerce")
    ind = pd.Series(None, index=rows.index, dtype=object)
    has_range = low.notna() | high.notna()
    ind[has_range & number.notna()] = "NORMAL"
    ind[low.notna() & (number < low)] = "LOW"
    ind[high.notna() & (number > high)] = "HIGH"
    frame["LBNRIND"] = ind
    frame["LBSPEC"] = rows["spec"]
    frame["LBTOX"] = rows["tox"]
    frame["LBTOXGR"] = rows["grade"].astype(str).where(rows["grade"].notna(), None)
    frame["EPOCH"] = ctx.epoch(rows, rows["when"])
    frame["LBDTC"] = iso_datetime(rows["when"])
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
