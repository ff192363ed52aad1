"""TU, TR and RS (SDTMIG 3.4 sections 6.3.13-6.3.15; the SDTM Oncology domains).

- TU (Tumor/Lesion Identification): one record per lesion of a subject, at its
  first appearance: TUORRES TARGET / NON-TARGET / NEW (RECIST 1.1, Eisenhauer et
  al., Eur J Cancer 2009;45:228-247, sections 3.3 and 4.3), TULNKID the lesion code,
  TULOC the organ, TUMETHOD from the assessment (CT SCAN).
- TR (Tumor/Lesion Results): one record per lesion per assessment. A measured
  lesion is LDIAM (longest diameter) or, for a lymph node, SAXIS (short axis,
  RECIST 1.1 section 3.2), in mm; a lesion recorded by status is TUMSTATE
  (PRESENT, ABSENT, UNEQUIVOCAL PROGRESSION, TOO SMALL TO MEASURE; not evaluated:
  TRSTAT NOT DONE). SUMDIAM: the sum of the target diameters at baseline and at
  each follow-up as the response engine computed it (Derived).
- RS (Disease Response): per follow-up assessment the target (TRGRESP), non-target
  (NTRGRESP) and overall (OVRLRESP) responses, and one BESTRSP per subject, from
  :func:`cartrial.response.assess.assess_recist` on the stored assessments (the
  service wiring, :mod:`cartrial.services.cdisc_source`); RSCAT names the criteria,
  BESTRSP is confirmed per the protocol's response settings.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.common import identifiers, sequence
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset
from cartrial.cdisc.sdtm.timing import iso_date, study_days, to_dates
from cartrial.cdisc.sdtm.visit_match import visits_of

__all__ = ["build_rs", "build_tr", "build_tu"]

METHODS = {"ct": "CT SCAN", "mri": "MRI", "pet_ct": "PET/CT SCAN"}
ROLES = {"target": "TARGET", "non_target": "NON-TARGET", "new": "NEW"}
STATES = {
    "present": "PRESENT",
    "absent": "ABSENT",
    "disappeared": "ABSENT",
    "unequivocal_progression": "UNEQUIVOCAL PROGRESSION",
    "too_small": "TOO SMALL TO MEASURE",
}
CRITERIA = {"recist11": "RECIST 1.1", "mrecist11": "MODIFIED RECIST 1.1", "irecist": "IRECIST"}

_ID = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
    Var("USUBJID", "Unique Subject Identifier", "Req", role="Identifier", origin="Assigned"),
)


def _vars(p: str, extra: tuple[Var, ...], tail: tuple[Var, ...]) -> tuple[Var, ...]:
    return (
        *_ID,
        Var(f"{p}SEQ", "Sequence Number", "Req", "integer", "Derived", role="Identifier"),
        *extra,
        *tail,
    )


def _timing(p: str) -> tuple[Var, ...]:
    return (
        Var("VISITNUM", "Visit Number", "Exp", "integer", "Derived"),
        Var("VISIT", "Visit Name", "Perm", origin="Derived"),
        Var("EPOCH", "Epoch", "Perm", codelist="EPOCH", origin="Derived"),
        Var(
            f"{p}DTC",
            "Date/Time of Tumor Measurement" if p != "RS" else "Date/Time of Response Assessment",
            "Exp",
            "date",
        ),
        Var(
            f"{p}DY",
            "Study Day of Measurement" if p != "RS" else "Study Day of Assessment",
            "Perm",
            "integer",
            "Derived",
        ),
    )


TU_VARIABLES = _vars(
    "TU",
    (
        Var("TULNKID", "Link ID", "Exp"),
        Var("TUTESTCD", "Tumor/Lesion ID Short Name", "Req", role="Topic", origin="Assigned"),
        Var("TUTEST", "Tumor/Lesion ID Test Name", "Req", origin="Assigned"),
        Var("TUORRES", "Tumor/Lesion ID Result", "Exp"),
        Var("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "Exp", origin="Derived"),
        Var("TULOC", "Location of the Tumor/Lesion", "Exp"),
        Var("TUMETHOD", "Method of Identification", "Exp"),
        Var("TUEVAL", "Evaluator", "Perm", origin="Assigned"),
    ),
    _timing("TU"),
)

TR_VARIABLES = _vars(
    "TR",
    (
        Var("TRGRPID", "Group ID", "Perm", origin="Assigned"),
        Var("TRLNKID", "Link ID", "Exp"),
        Var(
            "TRTESTCD", "Tumor/Lesion Assessment Short Name", "Req", role="Topic", origin="Assigned"
        ),
        Var("TRTEST", "Tumor/Lesion Assessment Test Name", "Req", origin="Assigned"),
        Var("TRORRES", "Result or Finding in Original Units", "Exp"),
        Var("TRORRESU", "Original Units", "Exp", codelist="UNIT"),
        Var("TRSTRESC", "Character Result/Finding in Std Format", "Exp", origin="Derived"),
        Var("TRSTRESN", "Numeric Result/Finding in Standard Units", "Exp", "float", "Derived"),
        Var("TRSTRESU", "Standard Units", "Exp", codelist="UNIT", origin="Derived"),
        Var("TRSTAT", "Completion Status", "Perm"),
        Var("TRMETHOD", "Method used to Identify the Tumor/Lesion", "Exp"),
        Var("TREVAL", "Evaluator", "Perm", origin="Assigned"),
    ),
    _timing("TR"),
)

RS_VARIABLES = _vars(
    "RS",
    (
        Var("RSTESTCD", "Assessment Short Name", "Req", role="Topic", origin="Assigned"),
        Var("RSTEST", "Assessment Name", "Req", origin="Assigned"),
        Var("RSCAT", "Category for Assessment", "Exp", origin="Assigned"),
        Var(
            "RSORRES",
            "Result or Finding in Original Units",
            "Exp",
            codelist="ONCRSR",
            origin="Derived",
        ),
        Var(
            "RSSTRESC",
            "Character Result/Finding in Std Format",
            "Exp",
            codelist="ONCRSR",
            origin="Derived",
        ),
        Var("RSEVAL", "Evaluator", "Exp", origin="Assigned"),
        Var("RSACPTFL", "Accepted Record Flag", "Perm", codelist="NY", origin="Assigned"),
    ),
    _timing("RS"),
)


def _lesions(ctx: Context) -> pd.DataFrame:
    t = ctx.source.tables
    ta = t["tumour_assessment"][["id", "assessed_on", "method"]].rename(
        columns={"id": "assessment_id"}
    )
    les = t["lesion_measurement"].merge(ta, on="assessment_id")
    les = ctx.subjects_of(les)
    les["date"] = to_dates(les["assessed_on"])
    return les


def build_tu(ctx: Context) -> Dataset:
    """TU (module doc)."""
    les = _lesions(ctx).sort_values(["subject_id", "date", "lesion_code"])
    first = les.drop_duplicates(["subject_id", "lesion_code"]).copy()
    frame = identifiers(ctx, first, "TU")
    frame["TULNKID"] = first["lesion_code"]
    frame["TUTESTCD"] = "TUMIDENT"
    frame["TUTEST"] = "Tumor Identification"
    frame["TUORRES"] = first["kind"].map(ROLES)
    frame["TUSTRESC"] = frame["TUORRES"]
    frame["TULOC"] = first["location"].str.upper()
    frame["TUMETHOD"] = _methods(ctx, first, "TU")
    frame["TUEVAL"] = "INVESTIGATOR"
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, first["subject_id"], first["date"])
    frame["EPOCH"] = ctx.epoch(first, first["date"])
    frame["TUDTC"] = iso_date(first["date"])
    frame["TUDY"] = study_days(first["date"], first["rfst"])
    frame = sequence(frame, "TU", ["TUDTC", "TULNKID"])
    return _dataset(
        "TU",
        "Tumor/Lesion Identification",
        TU_VARIABLES,
        frame,
        "One record per identified tumor per subject per assessor",
        ("STUDYID", "USUBJID", "TULNKID", "TUEVAL"),
    )


def _methods(ctx: Context, frame: pd.DataFrame, domain: str) -> pd.Series:
    found = frame["method"].map(METHODS)
    for method in sorted(set(frame.loc[found.isna(), "method"].dropna())):
        ctx.log.add(
            domain,
            table="tumour_assessment",
            field="method",
            value=method,
            expected="an imaging method cartrial maps: "
            + ", ".join(METHODS)
            + "; --METHOD left empty",
        )
    return found.astype(object).where(found.notna(), None)


def build_tr(ctx: Context) -> Dataset:
    """TR (module doc); a non-target or new lesion without a status where it first
    appears was identified there, so its state is PRESENT."""
    les = _lesions(ctx).sort_values(["subject_id", "date", "lesion_code"]).reset_index(drop=True)
    measured = les["diameter_mm"].notna()
    frame = identifiers(ctx, les, "TR")
    frame["TRGRPID"] = None
    frame["TRLNKID"] = les["lesion_code"]
    node = les["is_nodal"].astype(bool)
    frame["TRTESTCD"] = "TUMSTATE"
    frame["TRTEST"] = "Tumor State"
    frame.loc[measured & ~node, ["TRTESTCD", "TRTEST"]] = ["LDIAM", "Longest Diameter"]
    frame.loc[measured & node, ["TRTESTCD", "TRTEST"]] = ["SAXIS", "Short Axis"]
    size = pd.to_numeric(les["diameter_mm"], errors="coerce")
    frame["TRORRES"] = size.map(lambda v: None if pd.isna(v) else f"{v:g}")
    frame.loc[~measured, "TRORRES"] = les.loc[~measured, "status"].map(STATES)
    first = ~les.duplicated(["subject_id", "lesion_code"]) & les["status"].isna() & ~measured
    frame.loc[first & (les["kind"] != "target"), "TRORRES"] = "PRESENT"
    frame["TRORRESU"] = None
    frame.loc[measured, "TRORRESU"] = "mm"
    frame["TRSTRESC"] = frame["TRORRES"]
    frame["TRSTRESN"] = size
    frame["TRSTRESU"] = frame["TRORRESU"]
    not_done = ~measured & frame["TRORRES"].isna()
    frame["TRSTAT"] = None
    frame.loc[not_done, "TRSTAT"] = "NOT DONE"
    frame["TRMETHOD"] = _methods(ctx, les, "TR")
    frame["TREVAL"] = "INVESTIGATOR"
    frame["date"] = les["date"]
    sums = _sums(ctx, les)
    frame = pd.concat([frame, sums], ignore_index=True)
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, frame["subject_id"], frame["date"])
    frame["EPOCH"] = ctx.epoch(frame, frame["date"])
    frame["TRDTC"] = iso_date(frame["date"])
    frame["TRDY"] = study_days(frame["date"], frame["rfst"])
    frame = sequence(frame, "TR", ["TRDTC", "TRLNKID", "TRTESTCD"])
    return _dataset(
        "TR",
        "Tumor/Lesion Results",
        TR_VARIABLES,
        frame,
        "One record per tumor measurement/assessment per visit per subject per assessor",
        ("STUDYID", "USUBJID", "TRTESTCD", "TRLNKID", "TRDTC"),
    )


def _sums(ctx: Context, lesions: pd.DataFrame) -> pd.DataFrame:
    rows = []
    reference = pd.Series(
        {sid: pd.Timestamp(r.reference_date) for sid, r in ctx.source.recist.items()},
        dtype="datetime64[ns]",
    )
    dated = lesions[["subject_id", "date"]].copy()
    dated["ref"] = dated["subject_id"].map(reference)
    baseline = dated[dated["date"] <= dated["ref"]].groupby("subject_id")["date"].max()
    for sid, result in ctx.source.recist.items():
        points = [(baseline[sid], result.baseline_sum_mm)] if sid in baseline.index else []
        points += [(pd.Timestamp(tp.date), tp.target_sum_mm) for tp in result.timepoints]
        for when, total in points:
            if total is None:
                continue
            rows.append(
                {
                    "subject_id": sid,
                    "date": when,
                    "TRORRES": f"{float(total):g}",
                    "TRSTRESN": float(total),
                }
            )
    frame = pd.DataFrame(rows, columns=["subject_id", "date", "TRORRES", "TRSTRESN"])
    frame = ctx.subjects_of(frame)
    frame = identifiers(ctx, frame, "TR")
    frame["TRTESTCD"] = "SUMDIAM"
    frame["TRTEST"] = "Sum of Diameter"
    frame["TRORRESU"] = "mm"
    frame["TRSTRESC"] = frame["TRORRES"]
    frame["TRSTRESU"] = "mm"
    frame["TRLNKID"] = None
    frame["TREVAL"] = "INVESTIGATOR"
    return frame


def build_rs(ctx: Context) -> Dataset:
    """RS (module doc)."""
    rows = []
    for sid, result in ctx.source.recist.items():
        category = CRITERIA.get(result.criteria, result.criteria.upper())
        for tp in result.timepoints:
            for code, name, value in (
                ("TRGRESP", "Target Response", tp.target),
                ("NTRGRESP", "Non-target Response", tp.non_target),
                ("OVRLRESP", "Overall Response", tp.overall),
            ):
                if value is not None:
                    rows.append(
                        {
                            "subject_id": sid,
                            "RSTESTCD": code,
                            "RSTEST": name,
                            "RSCAT": category,
                            "RSORRES": value,
                            "date": pd.Timestamp(tp.date),
                        }
                    )
        bor = result.best_overall_response
        rows.append(
            {
                "subject_id": sid,
                "RSTESTCD": "BESTRSP",
                "RSTEST": "Best Overall Response",
                "RSCAT": category,
                "RSORRES": bor.response,
                "date": pd.Timestamp(bor.date) if bor.date else pd.NaT,
            }
        )
    frame = pd.DataFrame(
        rows, columns=["subject_id", "RSTESTCD", "RSTEST", "RSCAT", "RSORRES", "date"]
    )
    frame = ctx.subjects_of(frame)
    frame = identifiers(ctx, frame, "RS")
    frame["RSSTRESC"] = frame["RSORRES"]
    frame["RSEVAL"] = "INVESTIGATOR"
    frame["RSACPTFL"] = None
    frame["VISITNUM"], frame["VISIT"] = visits_of(ctx, frame["subject_id"], frame["date"])
    frame["EPOCH"] = ctx.epoch(frame, frame["date"])
    frame["RSDTC"] = iso_date(frame["date"])
    frame["RSDY"] = study_days(frame["date"], frame["rfst"])
    order = {"TRGRESP": 0, "NTRGRESP": 1, "OVRLRESP": 2, "BESTRSP": 3}
    frame["_o"] = frame["RSTESTCD"].map(order)
    frame["_d"] = frame["date"].fillna(pd.Timestamp.max)
    frame = sequence(frame, "RS", ["_d", "_o"])
    return _dataset(
        "RS",
        "Disease Response",
        RS_VARIABLES,
        frame,
        "One record per response assessment per visit per subject per assessor",
        ("STUDYID", "USUBJID", "RSTESTCD", "RSDTC", "RSEVAL"),
    )


def _dataset(
    name: str,
    label: str,
    variables: tuple[Var, ...],
    frame: pd.DataFrame,
    structure: str,
    keys: tuple[str, ...],
) -> Dataset:
    names = {v.name for v in variables}
    return make_dataset(
        name,
        label,
        dataset_class="FINDINGS",
        structure=structure,
        keys=keys,
        variables=variables,
        frame=frame[[c for c in frame.columns if c in names]],
    )
