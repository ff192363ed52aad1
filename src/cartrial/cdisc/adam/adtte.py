"""ADTTE: progression-free survival, overall survival and duration of response.

Sources: ADaM Basic Data Structure for Time-to-Event Analyses (ADaM TTE v1.0): PARAMCD,
AVAL, CNSR (0 = event, > 0 = censored), STARTDT, ADT, EVNTDESC, CNSDTDSC; the event and
censoring rules are the project's, :mod:`cartrial.survival.derive` (FDA 2018 endpoints
guidance appendix; RECIST 1.1 section 4.6 for DOR), applied to the subject's dates from
ADSL (TRTSDT, DTHDT, LSTALVDT) and ADRS (OVR time points; the first CR/PR of a responder
by the protocol's BOR for DOR).

AVAL = ADT - STARTDT + 1 days (the ADaM/admiral duration convention); the engine's
elapsed days are AVAL - 1. Over subjects with ADSL.TUBLFL = Y (``services.trial_efficacy``
rule 5). CNSR codes, one per censoring rule: 1 censored at the last adequate assessment
(``censored``) or last known alive (``alive``), 2 no adequate post-baseline assessment
(``no-assessment``), 3 new anticancer therapy (``new-therapy``), 4 event after missed
assessments (``missed-assessments``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from cartrial.cdisc.adam.metadata import assemble, derived, predecessor
from cartrial.cdisc.dataset import Dataset
from cartrial.response.bor import Timepoint
from cartrial.survival.derive import (
    CENSORING_RULES,
    DatedResponse,
    DerivedTime,
    SubjectFollowUp,
    SurvivalSettings,
    derive_dor,
    derive_os,
    derive_pfs,
)

__all__ = ["CNSR_CODES", "derive_adtte"]

CNSR_CODES = {
    "progression": 0,
    "death": 0,
    "censored": 1,
    "alive": 1,
    "no-assessment": 2,
    "new-therapy": 3,
    "missed-assessments": 4,
}
PARAMS = {
    "PFS": "Progression-Free Survival (days)",
    "OS": "Overall Survival (days)",
    "DOR": "Duration of Response (days)",
}
EVENTS = {"progression": "DISEASE PROGRESSION", "death": "DEATH"}


def _date(value: object) -> dt.date | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value  # type: ignore[return-value]


def _row(sl: pd.Series, time: DerivedTime) -> dict[str, object]:
    event = time.event
    return {
        "STUDYID": sl["STUDYID"],
        "USUBJID": sl["USUBJID"],
        "TRT01A": sl["TRT01A"],
        "PARAMCD": time.endpoint,
        "PARAM": PARAMS[time.endpoint],
        "STARTDT": time.start_date,
        "ADT": time.end_date,
        "AVAL": float(time.days + 1),
        "CNSR": CNSR_CODES[time.rule],
        "EVNTDESC": EVENTS.get(time.rule) if event else None,
        "CNSDTDSC": None if event else CENSORING_RULES[time.rule],
        "SRCRULE": time.rule,
    }


def derive_adtte(
    adsl: pd.DataFrame,
    points: dict[str, list[Timepoint]],
    best: dict[str, tuple[str, dt.date | None]],
    *,
    settings: SurvivalSettings | None = None,
) -> Dataset:
    """ADTTE from ADSL and the ADRS time points; ``best`` is each subject's protocol BOR
    and the date of its first CR/PR (module rules)."""
    settings = settings or SurvivalSettings()
    rows: list[dict[str, object]] = []
    for _, sl in adsl[adsl["TUBLFL"] == "Y"].iterrows():
        subject = str(sl["USUBJID"])
        series = points.get(subject, [])
        follow_up = SubjectFollowUp(
            subject_id=subject,
            reference_date=sl["TRTSDT"],
            assessments=[DatedResponse(date=t.date, response=t.overall) for t in series],
            death_date=_date(sl["DTHDT"]),
            last_known_alive_date=_date(sl["LSTALVDT"]),
        )
        rows.append(_row(sl, derive_pfs(follow_up, settings=settings)))
        rows.append(_row(sl, derive_os(follow_up)))
        response, _ = best.get(subject, ("NE", None))
        if response in ("CR", "PR"):
            first = next(t.date for t in series if t.overall in ("CR", "PR"))
            dor = derive_dor(follow_up, response_date=first, settings=settings)
            if dor is not None:
                rows.append(_row(sl, dor))
    variables = (
        predecessor("STUDYID", "Study Identifier", "ADSL.STUDYID"),
        predecessor("USUBJID", "Unique Subject Identifier", "ADSL.USUBJID"),
        predecessor("TRT01A", "Actual Treatment for Period 01", "ADSL.TRT01A"),
        derived("PARAMCD", "Parameter Code", "PFS, OS, DOR"),
        derived("PARAM", "Parameter", "the endpoint in days"),
        derived(
            "STARTDT",
            "Time-to-Event Origin Date for Subject",
            "TRTSDT (PFS, OS); first CR/PR (DOR)",
            "date",
        ),
        derived(
            "ADT", "Analysis Date", "event or censoring date by cartrial.survival.derive", "date"
        ),
        derived("AVAL", "Analysis Value", "ADT - STARTDT + 1 (days)", "float"),
        derived(
            "CNSR",
            "Censor",
            "0 event; 1 last assessment or alive, 2 no assessment, 3 new therapy, "
            "4 missed assessments",
            "integer",
        ),
        derived("EVNTDESC", "Event or Censoring Description", "DISEASE PROGRESSION or DEATH"),
        derived(
            "CNSDTDSC", "Censor Date Description", "the censoring rule of cartrial.survival.derive"
        ),
        derived("SRCRULE", "Derivation Rule Name", "the rule name in cartrial.survival.derive"),
    )
    return assemble(
        name="ADTTE",
        label="Time-to-Event Analysis Dataset",
        structure="One record per subject per parameter",
        dataset_class="BASIC DATA STRUCTURE",
        keys=("STUDYID", "USUBJID", "PARAMCD"),
        variables=variables,
        rows=rows,
        notes=(
            f"Censoring after {settings.missed_assessments} missed assessments of "
            f"{settings.assessment_interval_days} days (cartrial.survival.derive defaults)",
        ),
    )
