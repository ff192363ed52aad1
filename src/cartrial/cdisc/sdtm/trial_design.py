"""Trial design datasets (SDTMIG 3.4 section 7): TE, TA, TV, TI and TS.

All from the protocol the subjects were enrolled under (the latest registered
version), never from subject data except TS's actual enrolment and data cut.

- TE (7.2.2): four elements, each with its EPOCH: SCRN screening (consent to the
  first lymphodepleting dose), LD lymphodepletion (to the infusion), CART CAR-T
  infusion and the DLT observation window (protocol ``dlt.window_days``, 28 days
  when not stated), FU follow-up.
- TA (7.2.1): one arm per dose level (``DL<n>``, the dose-level label), each the
  same four elements in order; no branches.
- TV (7.3.1): the protocol's visit schedule, VISITNUM in day order, VISITDY the
  planned study day (no day 0).
- TI (7.4.1): every inclusion and exclusion criterion, its id (upper case) as
  IETESTCD, its text as IETEST (cut at 200 characters, the full text is the
  protocol's).
- TS (7.6.1): study parameters; REGID carries each registry identifier the
  protocol lists (ClinicalTrials.gov NCT05783089 for uclm802); a registry id the
  protocol does not have is TSVALNF "NA"; REGID's TSVALCD is the registry id itself
  with TSVCDREF "ClinicalTrials.gov" (SDTMIG 3.4 TS examples). Other TSVALCD codes are
  left empty where the CT code is not known exactly.
"""

from __future__ import annotations

import pandas as pd

from cartrial.cdisc.dataset import Dataset
from cartrial.cdisc.sdtm.dm import arm_labels
from cartrial.cdisc.sdtm.ex import CART_NAME
from cartrial.cdisc.sdtm.ie import criterion_code
from cartrial.cdisc.sdtm.reference import Context
from cartrial.cdisc.sdtm.spec import Var, make_dataset, to_ascii
from cartrial.cdisc.sdtm.timing import iso_date
from cartrial.cdisc.sdtm.visits import visit_numbers
from cartrial.protocol.criteria import AgeRule

__all__ = ["ELEMENTS", "build_ta", "build_te", "build_ti", "build_ts", "build_tv"]

#: (ETCD, ELEMENT, EPOCH, TESTRL, TEENRL)
ELEMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("SCRN", "Screening", "SCREENING", "Informed consent", "First lymphodepleting dose"),
    ("LD", "Lymphodepletion", "LYMPHODEPLETION", "First lymphodepleting dose", "CAR-T infusion"),
    (
        "CART",
        "CAR-T infusion and DLT observation",
        "TREATMENT",
        "CAR-T infusion",
        "End of the DLT observation window",
    ),
    (
        "FU",
        "Follow-up",
        "FOLLOW-UP",
        "End of the DLT observation window",
        "End of participation (death, withdrawal or end of study)",
    ),
)

_SD = (
    Var("STUDYID", "Study Identifier", "Req", role="Identifier", origin="Assigned"),
    Var("DOMAIN", "Domain Abbreviation", "Req", role="Identifier", origin="Assigned"),
)


def _make(
    name: str,
    label: str,
    variables: tuple[Var, ...],
    rows: list[dict[str, object]],
    structure: str,
    keys: tuple[str, ...],
    ctx: Context,
) -> Dataset:
    frame = pd.DataFrame(rows, columns=[v.name for v in variables])
    frame["STUDYID"] = ctx.studyid
    frame["DOMAIN"] = name
    return make_dataset(
        name,
        label,
        dataset_class="TRIAL DESIGN",
        structure=structure,
        keys=keys,
        variables=variables,
        frame=frame,
    )


TE_VARIABLES = (
    *_SD,
    Var("ETCD", "Element Code", "Req", role="Topic", origin="Protocol"),
    Var("ELEMENT", "Description of Element", "Req", origin="Protocol"),
    Var("TESTRL", "Rule for Start of Element", "Req", origin="Protocol"),
    Var("TEENRL", "Rule for End of Element", "Perm", origin="Protocol"),
    Var("TEDUR", "Planned Duration of Element", "Perm", origin="Protocol"),
)


def build_te(ctx: Context) -> Dataset:
    """TE (module doc)."""
    rows: list[dict[str, object]] = [
        {
            "ETCD": code,
            "ELEMENT": element,
            "TESTRL": start,
            "TEENRL": end,
            "TEDUR": f"P{ctx.window_days}D" if code == "CART" else None,
        }
        for code, element, _, start, end in ELEMENTS
    ]
    return _make(
        "TE",
        "Trial Elements",
        TE_VARIABLES,
        rows,
        "One record per planned Element",
        ("STUDYID", "ETCD"),
        ctx,
    )


TA_VARIABLES = (
    *_SD,
    Var("ARMCD", "Planned Arm Code", "Req", role="Topic", origin="Protocol"),
    Var("ARM", "Description of Planned Arm", "Req", origin="Protocol"),
    Var("TAETORD", "Planned Order of Element within Arm", "Req", "integer", "Protocol"),
    Var("ETCD", "Element Code", "Req", origin="Protocol"),
    Var("ELEMENT", "Description of Element", "Perm", origin="Protocol"),
    Var("TABRANCH", "Branch", "Exp", origin="Protocol"),
    Var("TATRANS", "Transition Rule", "Exp", origin="Protocol"),
    Var("EPOCH", "Epoch", "Req", codelist="EPOCH", origin="Protocol"),
)


def build_ta(ctx: Context) -> Dataset:
    """TA (module doc)."""
    rows: list[dict[str, object]] = []
    for armcd, arm in arm_labels(ctx).values():
        for order, (code, element, epoch, _, _) in enumerate(ELEMENTS, start=1):
            rows.append(
                {
                    "ARMCD": armcd,
                    "ARM": arm,
                    "TAETORD": order,
                    "ETCD": code,
                    "ELEMENT": element,
                    "EPOCH": epoch,
                }
            )
    return _make(
        "TA",
        "Trial Arms",
        TA_VARIABLES,
        rows,
        "One record per planned Element per Arm",
        ("STUDYID", "ARMCD", "TAETORD"),
        ctx,
    )


TV_VARIABLES = (
    *_SD,
    Var("VISITNUM", "Visit Number", "Req", "integer", "Protocol", role="Topic"),
    Var("VISIT", "Visit Name", "Perm", origin="Protocol"),
    Var("VISITDY", "Planned Study Day of Visit", "Perm", "integer", "Protocol"),
    Var("TVSTRL", "Visit Start Rule", "Req", origin="Protocol"),
    Var("TVENRL", "Visit End Rule", "Perm", origin="Protocol"),
)


def build_tv(ctx: Context) -> Dataset:
    """TV (module doc)."""
    visits = {v.id: v for v in ctx.source.protocol.visits}
    rows: list[dict[str, object]] = []
    for code, (num, label, day) in visit_numbers(ctx).items():
        v = visits[code]
        rows.append(
            {
                "VISITNUM": num,
                "VISIT": label,
                "VISITDY": day,
                "TVSTRL": f"Protocol day {v.day} relative to the CAR-T infusion (day 0), window "
                f"-{v.window_before_days}/+{v.window_after_days} days",
            }
        )
    return _make(
        "TV",
        "Trial Visits",
        TV_VARIABLES,
        rows,
        "One record per planned Visit",
        ("STUDYID", "VISITNUM"),
        ctx,
    )


TI_VARIABLES = (
    *_SD,
    Var("IETESTCD", "Incl/Excl Criterion Short Name", "Req", role="Topic", origin="Protocol"),
    Var("IETEST", "Inclusion/Exclusion Criterion", "Req", origin="Protocol"),
    Var("IECAT", "Inclusion/Exclusion Category", "Req", origin="Protocol"),
    Var("TIVERS", "Protocol Criteria Versions", "Perm", origin="Protocol"),
)


def build_ti(ctx: Context) -> Dataset:
    """TI (module doc)."""
    e = ctx.source.protocol.eligibility
    rows: list[dict[str, object]] = []
    for category, criteria in (("INCLUSION", e.inclusion), ("EXCLUSION", e.exclusion)):
        for c in criteria:
            rows.append(
                {
                    "IETESTCD": criterion_code(c.id),
                    "IETEST": to_ascii(" ".join(c.text.split()))[:200],
                    "IECAT": category,
                    "TIVERS": to_ascii(ctx.source.protocol_version)[:200],
                }
            )
    return _make(
        "TI",
        "Trial Inclusion/Exclusion Criteria",
        TI_VARIABLES,
        rows,
        "One record per I/E criterion",
        ("STUDYID", "IETESTCD"),
        ctx,
    )


TS_VARIABLES = (
    *_SD,
    Var("TSSEQ", "Sequence Number", "Req", "integer", "Assigned", role="Identifier"),
    Var("TSGRPID", "Group ID", "Perm", origin="Assigned"),
    Var("TSPARMCD", "Trial Summary Parameter Short Name", "Req", role="Topic", origin="Assigned"),
    Var("TSPARM", "Trial Summary Parameter", "Req", origin="Assigned"),
    Var("TSVAL", "Parameter Value", "Exp", origin="Protocol"),
    Var("TSVALNF", "Parameter Null Flavor", "Perm", origin="Assigned"),
    Var("TSVALCD", "Parameter Value Code", "Exp", origin="Assigned"),
    Var("TSVCDREF", "Name of the Reference Terminology", "Exp", origin="Assigned"),
    Var("TSVCDVER", "Version of the Reference Terminology", "Exp", origin="Assigned"),
)

PHASES = {
    ("1",): "PHASE I TRIAL",
    ("1", "2"): "PHASE I/II TRIAL",
    ("2",): "PHASE II TRIAL",
    ("3",): "PHASE III TRIAL",
}


def build_ts(ctx: Context, dm: Dataset) -> Dataset:
    """TS (module doc); ``dm`` gives the actual number of subjects and the first consent."""
    p = ctx.source.protocol
    params: list[tuple[str, str, str | None, str | None]] = []

    def add(code: str, name: str, value: object, ref: str | None = None) -> None:
        params.append((code, name, None if value is None else str(value), ref))

    add("TITLE", "Trial Title", p.official_title or p.title)
    registry = [i for i in p.identifiers if i.system == "ClinicalTrials.gov"]
    for ident in registry:
        add("REGID", "Registry Identifier", ident.value, "ClinicalTrials.gov")
    if not registry:
        params.append(("REGID", "Registry Identifier", None, None))
    add("SPONSOR", "Clinical Study Sponsor", p.sponsor)
    add("TPHASE", "Trial Phase Classification", PHASES.get(tuple(sorted(p.phase))))
    add("STYPE", "Study Type", "INTERVENTIONAL")
    add("INTMODEL", "Intervention Model", "SINGLE GROUP")
    add("TBLIND", "Trial Blinding Schema", "OPEN LABEL")
    add("RANDOM", "Trial is Randomized", "N")
    add("TTYPE", "Trial Type", "SAFETY")
    add("TRT", "Investigational Therapy or Treatment", CART_NAME)
    add("ROUTE", "Route of Administration", "INTRAVENOUS")
    add("NARMS", "Planned Number of Arms", len(p.dose_levels) or len(p.arms))
    add("PLANSUB", "Planned Number of Subjects", p.planned_enrolment)
    treated = dm.frame["ACTARMCD"].notna().sum()
    add("ACTSUB", "Actual Number of Subjects", int(treated))
    ages = [c.rule for c in p.eligibility.inclusion if isinstance(c.rule, AgeRule)]
    if ages and ages[0].min_years is not None:
        add("AGEMIN", "Planned Minimum Age of Subjects", f"P{ages[0].min_years}Y")
    if ages and ages[0].max_years is not None:
        add("AGEMAX", "Planned Maximum Age of Subjects", f"P{ages[0].max_years}Y")
    add("SEXPOP", "Sex of Participants", "BOTH")
    for e in p.endpoints:
        code = (
            "OUTMSPRI"
            if e.type == "primary"
            else "OUTMSSEC"
            if e.type == "secondary"
            else ("OUTMSEXP")
        )
        label = {
            "OUTMSPRI": "Primary Outcome Measure",
            "OUTMSSEC": "Secondary Outcome Measure",
            "OUTMSEXP": "Exploratory Outcome Measure",
        }[code]
        add(code, label, to_ascii(e.name)[:200])
    consent = dm.frame["RFICDTC"].dropna()
    add("SSTDTC", "Study Start Date", min(consent) if len(consent) else None)
    cut = iso_date(pd.Series([pd.Timestamp(ctx.source.data_cut).tz_localize(None)]))[0]
    add("DCUTDTC", "Data Cutoff Date", cut)
    add("DCUTDESC", "Data Cutoff Description", "DATABASE EXTRACTION AT THE DATA CUT")
    add("SDTIGVER", "SDTM IG Version", "3.4")
    add("SDTMVER", "SDTM Version", "2.0")
    rows: list[dict[str, object]] = []
    seq: dict[str, int] = {}
    for code, name, value, ref in params:
        seq[code] = seq.get(code, 0) + 1
        rows.append(
            {
                "TSSEQ": seq[code],
                "TSPARMCD": code,
                "TSPARM": name,
                "TSVAL": value,
                "TSVALNF": "NA" if value is None else None,
                "TSVALCD": value if code == "REGID" else None,
                "TSVCDREF": ref,
            }
        )
    return _make(
        "TS",
        "Trial Summary",
        TS_VARIABLES,
        rows,
        "One record per trial summary parameter value",
        ("STUDYID", "TSPARMCD", "TSSEQ"),
        ctx,
    )
