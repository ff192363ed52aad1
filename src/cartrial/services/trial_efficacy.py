"""Efficacy from stored tumour assessments: BOR, ORR/DCR, PFS and OS medians.

Rules:

1. Engine input: :func:`cartrial.services.tumour.efficacy_input` (the one
   wiring of stored lesions to the response engine); the reference date (day 0)
   is the site's calendar date of the infusion.
2. Efficacy population: every subject infused by the data cut. One without a
   baseline assessment (on or before day 0) is in PFS (censored at the infusion,
   FDA 2018 Guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and
   Biologics", Table 2) and OS, not in ORR/DCR (BOR NE, listed with the reason).
3. BOR: RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247) section 4.6
   and Table 3, confirmation per the protocol's response settings, via
   :func:`cartrial.response.summary.summarise_study`.
4. Response-evaluable: infused, with a baseline and at least one post-baseline
   assessment. ORR = BOR CR or PR (confirmed when the protocol requires it), DCR =
   BOR CR, PR, SD or non-CR/non-PD, both over the response-evaluable subjects, with
   exact Clopper-Pearson (Biometrika 1934;26:404-413) 95% CIs
   (:func:`cartrial.response.rates.compute_response_rates`).
5. PFS and OS (:mod:`cartrial.survival.derive`, its named censoring rules, the FDA
   2018 table; the protocol's assessment interval and missed-visit count) over the
   efficacy population (rule 2); a withdrawal on or before the data cut is the withdrawal
   from follow-up (PFS censored at the last adequate assessment on or before it); the
   last date known alive is the withdrawal date for a withdrawn subject, else the
   latest stored contact (visit, tumour assessment, sample, lab, vital sign, AE
   onset or end) on or before the data cut (site calendar). Kaplan-Meier medians
   (the protocol's ``km_median_rule``) with Brookmeyer-Crowley (Biometrics
   1982;38:29-41) 95% CIs on the log-log scale (:mod:`cartrial.survival.km`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cartrial.protocol.model import Protocol
from cartrial.response.lesions import SubjectAssessments
from cartrial.response.rates import (
    GroupBy,
    RateEstimate,
    SubjectBestResponse,
    compute_response_rates,
)
from cartrial.response.settings import settings_from_protocol
from cartrial.response.summary import StudySummary, summarise_study
from cartrial.services.site_clock import clock_of
from cartrial.services.trial_model import Median, Proportion
from cartrial.services.tumour import efficacy_input
from cartrial.store.models import (
    AdverseEvent,
    Death,
    LabResult,
    Sample,
    Subject,
    TumourAssessment,
    Visit,
    VitalSign,
    Withdrawal,
)
from cartrial.survival.derive import CENSORING_RULES
from cartrial.survival.km import MEDIAN_RULES, KaplanMeierSummary

__all__ = ["Efficacy", "efficacy", "last_known_alive"]

PFS_RULES = (
    "withdrawal",
    "new-therapy",
    "missed-assessments",
    "progression",
    "death",
    "no-assessment",
    "censored",
)
EVALUABLE = "infused with a baseline and >= 1 post-baseline tumour assessment"
ORR_RULE = (
    "ORR: BOR CR or PR, confirmed (RECIST 1.1 section 4.6, Table 3) / response-evaluable ("
    + EVALUABLE
    + "); exact Clopper-Pearson 95% CI (1934)"
)
DCR_RULE = (
    "DCR: BOR CR, PR, SD or non-CR/non-PD (RECIST 1.1; SD at >= the protocol's SD minimum) "
    "/ response-evaluable (" + EVALUABLE + "); exact Clopper-Pearson 95% CI (1934)"
)


@dataclass(frozen=True)
class Efficacy:
    """The efficacy figures and the engine's study summary they were read from."""

    study: StudySummary | None
    best_overall_response: dict[str, str]
    orr: Proportion
    dcr: Proportion
    excluded: dict[str, str]
    median_pfs_days: Median
    median_os_days: Median


def last_known_alive(session: Session, subject: Subject, cut: dt.date) -> dt.date | None:
    """The last date the subject was known alive (rule 5), on the site's calendar."""
    withdrawal = session.scalars(
        select(Withdrawal.withdrawn_on).where(Withdrawal.subject_id == subject.id)
    ).first()
    if withdrawal is not None:
        return min(withdrawal, cut)
    clock = clock_of(session, subject)
    dates = [
        session.scalar(select(func.max(Visit.actual_date)).where(Visit.subject_id == subject.id)),
        session.scalar(
            select(func.max(TumourAssessment.assessed_on)).where(
                TumourAssessment.subject_id == subject.id
            )
        ),
        session.scalar(
            select(func.max(AdverseEvent.onset_date)).where(AdverseEvent.subject_id == subject.id)
        ),
        session.scalar(
            select(func.max(AdverseEvent.end_date)).where(AdverseEvent.subject_id == subject.id)
        ),
    ]
    instants = (
        select(Sample.collected_at).where(Sample.subject_id == subject.id),
        select(LabResult.collected_at).where(LabResult.subject_id == subject.id),
        select(VitalSign.measured_at).where(VitalSign.subject_id == subject.id),
    )
    for stmt in instants:
        dates += [clock.local_date(t) for t in session.scalars(stmt)]
    known = [d for d in dates if d is not None and d <= cut]
    return max(known) if known else None


def _proportion(rates: list[RateEstimate], endpoint: str, rule: str, who: list[str]) -> Proportion:
    for r in rates:
        if r.endpoint == endpoint and r.group_by == "overall":
            return Proportion(
                estimate=r.rate,
                lower=r.ci_low,
                upper=r.ci_high,
                n=r.n,
                responders=r.responders,
                confidence=r.confidence,
                subjects=who,
                rule=rule,
            )
    return Proportion(
        estimate=None, lower=None, upper=None, n=0, responders=0, rule=rule + "; none evaluable"
    )


def _median(curves: list[KaplanMeierSummary], what: str) -> Median:
    how = curves[0].median_rule_text if curves else MEDIAN_RULES["first"]
    rule = (
        f"{what}; Kaplan-Meier median ({how}) with Brookmeyer-Crowley 95% CI (log-log), "
        "None = not reached / not estimable"
    )
    for k in curves:
        if k.label == "all":
            return Median(
                estimate=k.median,
                lower=k.median_ci_low,
                upper=k.median_ci_high,
                n=k.n,
                events=k.events,
                rule=rule,
            )
    return Median(estimate=None, lower=None, upper=None, n=0, events=0, rule=rule + "; no data")


def _rates(rows: list[SubjectBestResponse]) -> list[RateEstimate]:
    if not rows:
        return []
    groupings: tuple[GroupBy, ...] = ("overall", "dose_level", "tumour_type")
    return [r for g in groupings for r in compute_response_rates(rows, group_by=g)]


def efficacy(
    session: Session,
    protocol: Protocol,
    infused: Sequence[Subject],
    cut: dt.datetime,
) -> Efficacy:
    """BOR, ORR/DCR (response-evaluable), PFS/OS medians (module rules 1-5)."""
    population: list[SubjectAssessments] = []
    excluded: dict[str, str] = {}
    for subject in infused:
        found = efficacy_input(session, subject)
        if found is None:  # not infused by the cut: not in the population
            continue
        died = session.scalars(select(Death.died_on).where(Death.subject_id == subject.id)).first()
        cut_date = clock_of(session, subject).local_date(cut)
        alive = None if died else last_known_alive(session, subject, cut_date)
        withdrawn = session.scalars(
            select(Withdrawal.withdrawn_on).where(Withdrawal.subject_id == subject.id)
        ).first()
        data = found.model_dump()
        data.update(
            death_date=died,
            last_known_alive_date=alive,
            withdrawal_date=withdrawn if withdrawn is not None and withdrawn <= cut_date else None,
        )
        population.append(SubjectAssessments.model_validate(data))
    settings = settings_from_protocol(protocol.response)
    pfs_rule = (
        "PFS from infusion: first PD (its earliest scan) or death, censoring per "
        "cartrial.survival.derive, FDA 2018 table ("
        + "; ".join(f"{k}: {CENSORING_RULES[k]}" for k in PFS_RULES)
        + f"; missed visits: more than {settings.missed_assessments} x "
        f"{settings.assessment_interval_days} days), over every infused subject (no baseline "
        "tumour assessment: censored at the infusion, FDA 2018 Table 2)"
    )
    os_rule = (
        "OS from infusion: death (event), else "
        + CENSORING_RULES["withdrawn"]
        + ", else "
        + CENSORING_RULES["alive"]
        + " (last stored contact on or before the data cut), "
        "over every infused subject"
    )
    if not population:
        empty = Proportion(estimate=None, lower=None, upper=None, n=0, responders=0, rule="")
        return Efficacy(
            None,
            {},
            empty.model_copy(update={"rule": ORR_RULE + "; none evaluable"}),
            empty.model_copy(update={"rule": DCR_RULE + "; none evaluable"}),
            excluded,
            _median([], pfs_rule),
            _median([], os_rule),
        )
    study = summarise_study(population, settings=settings)
    evaluable = {s.subject_id for s in population if s.assessments}
    rows = [r for r in study.subjects if r.subject_id in evaluable]

    def bests(in_window: bool) -> list[SubjectBestResponse]:
        return [
            SubjectBestResponse(
                subject_id=r.subject_id,
                dose_level=r.dose_level,
                tumour_type=r.tumour_type,
                best_overall_response=(
                    r.best_overall_response_in_window if in_window else r.best_overall_response
                ),
                window_days=study.window_days if in_window else None,
            )
            for r in rows
        ]

    rates = _rates(bests(False))
    study = study.model_copy(update={"rates": rates, "rates_in_window": _rates(bests(True))})
    no_baseline = {s.subject_id for s in population if not s.has_baseline}
    for r in study.subjects:
        if r.subject_id in no_baseline:
            excluded[r.subject_id] = (
                "no baseline tumour assessment: not response-evaluable "
                "(in PFS, censored at the infusion, and in OS)"
            )
        elif r.subject_id not in evaluable:
            excluded[r.subject_id] = "no post-baseline tumour assessment: not response-evaluable"
    who = sorted(evaluable)
    return Efficacy(
        study=study,
        best_overall_response={r.subject_id: r.best_overall_response for r in rows},
        orr=_proportion(rates, "ORR", ORR_RULE, who),
        dcr=_proportion(rates, "DCR", DCR_RULE, who),
        excluded=excluded,
        median_pfs_days=_median(study.kaplan_meier["PFS"], pfs_rule),
        median_os_days=_median(study.kaplan_meier["OS"], os_rule),
    )
