"""Study-level efficacy summary: BOR table, ORR/DCR, DOR/PFS/OS Kaplan-Meier summaries.

Composes the rule books (no rules of its own): RECIST 1.1 per subject
(:mod:`cartrial.response.assess`), iRECIST where the protocol names it for the tumour
type (:mod:`cartrial.response.irecist`), rates (:mod:`cartrial.response.rates`), time-to-event
derivations and Kaplan-Meier (:mod:`cartrial.survival`).

ORR and DCR use the BOR by RECIST 1.1, or by mRECIST where the settings name it for the
tumour type (mesothelioma); the iBOR is shown beside it where the settings name iRECIST.
PFS uses the same criteria's progression (dated by the earliest scan that shows it), with
the protocol's time-to-event settings (:func:`survival_settings`). A subject without a
baseline assessment has BOR NE and PFS censored at the start (FDA 2018). DOR is derived
for responders (BOR CR or PR,
confirmed when the protocol requires it) from the first assessment meeting CR or PR.
The best % change (waterfall) is the smallest change of the target sum from baseline
among evaluable time points up to the first PD.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from cartrial.response.assess import SubjectRecist, assess_recist
from cartrial.response.bor import Timepoint, derive_best_overall_response
from cartrial.response.irecist import assess_irecist
from cartrial.response.lesions import SubjectAssessments
from cartrial.response.mrecist import assess_mrecist
from cartrial.response.rates import (
    GroupBy,
    RateEstimate,
    SubjectBestResponse,
    compute_response_rates,
)
from cartrial.response.settings import ResponseSettings
from cartrial.survival.derive import (
    DatedResponse,
    DerivedTime,
    SubjectFollowUp,
    SurvivalSettings,
    derive_dor,
    derive_os,
    derive_pfs,
)
from cartrial.survival.km import KaplanMeierSummary, MedianRule, compute_kaplan_meier

__all__ = ["StudySummary", "SubjectSummary", "summarise_study", "survival_settings"]


class SubjectSummary(BaseModel):
    """One row of the BOR table, with the subject's derived times and time course."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    dose_level: str | None
    tumour_type: str | None
    criteria: str
    best_overall_response: str
    best_overall_response_in_window: str
    i_best_overall_response: str | None
    best_change_pct: Decimal | None
    response_date: dt.date | None
    first_pd_day: int | None
    course: list[tuple[int, Decimal]]
    pfs: DerivedTime
    os: DerivedTime
    dor: DerivedTime | None


class StudySummary(BaseModel):
    """The study's efficacy summary."""

    model_config = ConfigDict(frozen=True)

    window_days: int
    subjects: list[SubjectSummary]
    rates: list[RateEstimate]
    rates_in_window: list[RateEstimate]
    kaplan_meier: dict[str, list[KaplanMeierSummary]]


def survival_settings(settings: ResponseSettings) -> SurvivalSettings:
    """The time-to-event settings held in the protocol's response section."""
    return SurvivalSettings(
        assessment_interval_days=settings.assessment_interval_days,
        missed_assessments=settings.missed_assessments,
        symptomatic_deterioration_is_event=settings.symptomatic_deterioration_is_event,
    )


def _follow_up(subject: SubjectAssessments, recist: SubjectRecist | None) -> SubjectFollowUp:
    timepoints = recist.timepoints if recist is not None else []
    return SubjectFollowUp(
        subject_id=subject.subject_id,
        reference_date=subject.reference_date,
        dose_level=subject.dose_level,
        tumour_type=subject.tumour_type,
        assessments=[
            DatedResponse(date=t.date, response=t.overall, progression_date=t.progression_date)
            for t in timepoints
        ],
        death_date=subject.death_date,
        last_known_alive_date=subject.last_known_alive_date,
        new_anticancer_therapy_date=subject.new_anticancer_therapy_date,
        withdrawal_date=subject.withdrawal_date,
        symptomatic_deterioration_date=subject.symptomatic_deterioration_date,
        baseline_assessed=subject.has_baseline,
    )


def _without_baseline(
    subject: SubjectAssessments, criteria: str, survival: SurvivalSettings
) -> SubjectSummary:
    follow_up = _follow_up(subject, None)
    return SubjectSummary(
        subject_id=subject.subject_id,
        dose_level=subject.dose_level,
        tumour_type=subject.tumour_type,
        criteria=criteria,
        best_overall_response="NE",
        best_overall_response_in_window="NE",
        i_best_overall_response="iNE" if criteria == "irecist" else None,
        best_change_pct=None,
        response_date=None,
        first_pd_day=None,
        course=[],
        pfs=derive_pfs(follow_up, settings=survival),
        os=derive_os(follow_up),
        dor=None,
    )


def _summarise_subject(
    subject: SubjectAssessments,
    settings: ResponseSettings,
    survival: SurvivalSettings,
    window_days: int,
) -> SubjectSummary:
    criteria = settings.criteria_for(subject.tumour_type or "")
    if not subject.has_baseline:
        return _without_baseline(subject, criteria, survival)
    if criteria == "mrecist11":
        recist = assess_mrecist(subject, settings=settings)
    else:
        recist = assess_recist(subject, settings=settings)
    in_window = derive_best_overall_response(
        [
            Timepoint(date=t.date, day=t.day, overall=t.overall)
            for t in recist.timepoints
            if t.day <= window_days
        ],
        settings=settings,
        has_target_disease=bool(subject.targets),
    )
    ibor = None
    if criteria == "irecist":
        ibor = assess_irecist(subject, settings=settings).best_overall_response.response
    course: list[tuple[int, Decimal]] = []
    best: Decimal | None = None
    first_pd: int | None = None
    for tp in recist.timepoints:
        if tp.change_from_baseline_pct is not None:
            course.append((tp.day, tp.change_from_baseline_pct))
            if first_pd is None:
                best = (
                    tp.change_from_baseline_pct
                    if best is None
                    else min(best, tp.change_from_baseline_pct)
                )
        if tp.overall == "PD" and first_pd is None:
            first_pd = tp.day
    bor = recist.best_overall_response
    follow_up = _follow_up(subject, recist)
    # RECIST 1.1 section 4.6.3: duration of response runs from the first time the CR or PR
    # measurement criteria are met (whichever is first recorded).
    response_date = None
    if bor.response in ("CR", "PR"):
        response_date = next(t.date for t in recist.timepoints if t.overall in ("CR", "PR"))
    return SubjectSummary(
        subject_id=subject.subject_id,
        dose_level=subject.dose_level,
        tumour_type=subject.tumour_type,
        criteria=criteria,
        best_overall_response=bor.response,
        best_overall_response_in_window=in_window.response,
        i_best_overall_response=ibor,
        best_change_pct=best,
        response_date=response_date,
        first_pd_day=first_pd,
        course=course,
        pfs=derive_pfs(follow_up, settings=survival),
        os=derive_os(follow_up),
        dor=derive_dor(follow_up, response_date=response_date, settings=survival),
    )


def _km(
    label: str, times: list[DerivedTime], landmark_days: float, median_rule: MedianRule
) -> KaplanMeierSummary | None:
    if not times:
        return None
    return compute_kaplan_meier(
        durations=[float(t.days) for t in times],
        events=[t.event for t in times],
        label=label,
        landmarks=[landmark_days],
        at_risk_times=[0, 91.3125, 182.625, 273.9375, 365.25],
        median_rule=median_rule,
    )


def _pfs(r: SubjectSummary) -> DerivedTime | None:
    return r.pfs


def _os(r: SubjectSummary) -> DerivedTime | None:
    return r.os


def _dor(r: SubjectSummary) -> DerivedTime | None:
    return r.dor


_PICKERS: dict[str, Callable[[SubjectSummary], DerivedTime | None]] = {
    "PFS": _pfs,
    "OS": _os,
    "DOR": _dor,
}


def summarise_study(
    subjects: list[SubjectAssessments],
    *,
    settings: ResponseSettings | None = None,
    survival: SurvivalSettings | None = None,
    window_days: int = 56,
    landmark_days: float = 182.625,
) -> StudySummary:
    """BOR table, ORR/DCR (whole follow-up and within ``window_days``), KM of PFS/OS/DOR."""
    settings = settings or ResponseSettings()
    survival = survival or survival_settings(settings)
    rule = settings.km_median_rule
    rows = [_summarise_subject(s, settings, survival, window_days) for s in subjects]

    def bests(in_window: bool) -> list[SubjectBestResponse]:
        return [
            SubjectBestResponse(
                subject_id=r.subject_id,
                dose_level=r.dose_level,
                tumour_type=r.tumour_type,
                best_overall_response=(
                    r.best_overall_response_in_window if in_window else r.best_overall_response
                ),
                window_days=window_days if in_window else None,
            )
            for r in rows
        ]

    rates: list[RateEstimate] = []
    in_window: list[RateEstimate] = []
    if rows:
        groupings: tuple[GroupBy, ...] = ("overall", "dose_level", "tumour_type")
        for group_by in groupings:
            rates += compute_response_rates(bests(False), group_by=group_by)
            in_window += compute_response_rates(bests(True), group_by=group_by)
    km: dict[str, list[KaplanMeierSummary]] = {"PFS": [], "OS": [], "DOR": []}
    for endpoint in ("PFS", "OS", "DOR"):
        pick = _PICKERS[endpoint]
        everyone = [t for r in rows if (t := pick(r)) is not None]
        overall = _km("all", everyone, landmark_days, rule)
        if overall is not None:
            km[endpoint].append(overall)
        if endpoint == "DOR":
            continue
        for dose in sorted({r.dose_level or "(none)" for r in rows}):
            group = [t for r in rows if (r.dose_level or "(none)") == dose and (t := pick(r))]
            summary = _km(dose, group, landmark_days, rule)
            if summary is not None:
                km[endpoint].append(summary)
    return StudySummary(
        window_days=window_days,
        subjects=rows,
        rates=rates,
        rates_in_window=in_window,
        kaplan_meier=km,
    )
