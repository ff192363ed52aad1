"""After the infusion: the patient's calendar of observations, adjudication and follow-up.

Everything a site enters after day 0 is scheduled here on the trial's calendar
at the instant it happens (site wall clock converted to UTC), so that patients'
data interleave in time as at a real site and the live escalation engine sees
only what was entered by then: visit dates, CRS/ICANS observation series (the
AE first, then each observation, regraded by the ASTCT engine on entry), other
adverse events, laboratory values, CAR-T and cytokine samples with their assay
results, tumour assessments, the DLT adjudication at the end of the protocol's
window, the move into follow-up, and the end: death, withdrawal, loss to
follow-up or completion at the last visit.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select

from cartrial.services import followup, safety, syndromes, tumour
from cartrial.sim.observations import kinetics as kinetics_render
from cartrial.sim.observations._common import num
from cartrial.sim.observations.events import AdverseEventRecord, adverse_events
from cartrial.sim.observations.kinetics import SampleDraw
from cartrial.sim.observations.labs import LabDraw, post_infusion_labs
from cartrial.sim.observations.syndromes import (
    ConMedRecord,
    SyndromeCourse,
    abnormal,
    render_crs,
    render_icans,
)
from cartrial.sim.observations.tumour import TumourScan, tumour_assessments
from cartrial.sim.observations.visits import visit_dates
from cartrial.store.models import AdverseEvent, TumourAssessment, Visit

if TYPE_CHECKING:
    from cartrial.sim.trial.run import SimPatient, _Trial

__all__ = ["schedule_follow_up"]


def _naive_to_utc(p: SimPatient, text: str) -> dt.datetime:
    naive = dt.datetime.fromisoformat(text)
    return naive.replace(tzinfo=p.site.zone).astimezone(dt.UTC)


def _guard(p: SimPatient, run: Callable[[], object]) -> Callable[[], None]:
    def step() -> None:
        if not p.ended:
            run()

    return step


def schedule_follow_up(trial: _Trial, p: SimPatient) -> None:
    """Put every post-infusion event of ``p`` on the trial's calendar."""
    assert p.infusion_at is not None
    row = trial.pool.row(p.index)
    zone = p.site.zone
    cal = trial.calendar
    sessions = trial.world.sessions
    inv = trial.world.actor("investigator", p.site)
    protocol = trial.protocol
    day0 = p.site.today(p.infusion_at)

    def on_day(day: float, hour: int = 9) -> dt.datetime:
        return p.site.at(day0 + dt.timedelta(days=math.floor(day)), hour)

    horizon = max(v.day for v in protocol.visits) if protocol.visits else 180

    # Syndromes: the AE when it starts, then each observation as it is made.
    for course in (
        render_crs(row, p.infusion_at, p.rng, site_tz=zone),
        render_icans(row, p.infusion_at, p.rng, site_tz=zone),
    ):
        if course is not None:
            _schedule_syndrome(trial, p, course)

    # Other adverse events (off-tumour toxicity, background events); CRS/ICANS are above.
    for ae in adverse_events(row, day0, p.rng):
        if ae.grading_scale != "astct_2019":
            cal.at(
                p.site.at(ae.onset_date, 16),
                "adverse event",
                _guard(p, functools.partial(_record_ae, trial, p, ae)),
            )

    # Laboratory values from lymphodepletion through recovery, graded by CTCAE on entry.
    for lab in post_infusion_labs(row, p.infusion_at, p.rng, site_tz=zone):
        cal.at(lab.collected_at, "lab", _guard(p, functools.partial(_record_lab, trial, p, lab)))

    # CAR-T, cytokine and anti-drug antibody samples with their results; the qPCR's LLOQ
    # and residual error, like the lesions' measurement error below, are the scenario's.
    kinetics = trial.scenario.kinetics
    samples = [
        *kinetics_render.qpcr_samples(
            row,
            protocol,
            p.code,
            p.infusion_at,
            p.rng,
            lloq=Decimal(repr(kinetics.lloq_copies_per_ug.value)),
            residual_sd_log=kinetics.reference.residual_sd_log.value,
        ),
        *kinetics_render.cytokine_samples(row, protocol, p.code, p.infusion_at, p.rng),
        *kinetics_render.ada_samples(row, protocol, p.code, p.infusion_at, p.rng),
    ]
    for sample in samples:
        record = functools.partial(_record_sample, trial, p, sample)
        cal.at(sample.collected_at, "sample", _guard(p, record))

    # Tumour assessments: the baseline scan before lymphodepletion, then the scans.
    measurement_sd = trial.scenario.tumour.lesion_measurement_sd_mm.value
    for scan in tumour_assessments(row, protocol, day0, p.rng, measurement_sd_mm=measurement_sd):
        cal.at(
            p.site.at(scan.assessed_on, 15),
            "tumour assessment",
            _guard(p, functools.partial(_record_scan, trial, p, scan)),
        )

    # Visit dates, as the site records them (on time, late, outside the window, missed).
    with sessions() as s:
        rows = s.execute(
            select(Visit.visit_code, Visit.id).where(Visit.subject_id == p.subject_id)
        ).all()
    stored = {code: visit_id for code, visit_id in rows}
    episodes = _episode_days(row)
    for visit in visit_dates(protocol, day0, p.rng, from_day=1):
        if visit.actual_date is None or visit.visit_id not in stored:
            continue
        study_day = (visit.actual_date - day0).days
        vitals = None if study_day in episodes else _normal_vitals(p.rng)
        enter = functools.partial(
            _visit, trial, p, stored[visit.visit_id], visit.actual_date, vitals
        )
        cal.at(p.site.at(visit.actual_date, 9), "visit", _guard(p, enter))

    # DLT adjudication the day after the window closes, then follow-up.
    window = protocol.dlt.window_days if protocol.dlt else 28
    if protocol.dlt is not None:
        cal.at(on_day(window + 1, 10), "DLT adjudication", lambda: trial.adjudicate(p))
    cal.at(
        on_day(window + 1, 11),
        "follow-up",
        _guard(
            p,
            lambda: followup.advance_status(
                sessions,
                actor=inv,
                subject_id=p.subject_id,
                status="follow_up",
                reason=f"DLT window of {window} days complete",
            ),
        ),
    )

    # The end: death, withdrawal or loss to follow-up, else completion.
    ends = [
        (num(row, "death_day"), "death"),
        (num(row, "withdrawal_day"), "withdrawal"),
        (num(row, "lost_to_follow_up_day"), "lost"),
    ]
    day, kind = min(ends)
    if not math.isfinite(day) or day > horizon:
        cal.at(on_day(horizon, 17), "completion", _guard(p, lambda: _complete(trial, p)))
    else:
        cal.at(on_day(max(day, 1), 18), kind, _guard(p, lambda: _end(trial, p, kind, row)))


def _schedule_syndrome(trial: _Trial, p: SimPatient, course: SyndromeCourse) -> None:
    cal = trial.calendar
    holder: dict[str, str] = {}
    first = min(_naive_to_utc(p, o["time"]) for o in course.observations)

    def open_ae() -> None:
        event = safety.record_adverse_event(
            trial.world.sessions,
            actor=trial.world.actor("coordinator", p.site),
            subject_id=p.subject_id,
            term=course.term,
            onset_date=course.onset_date,
            grading_scale=course.grading_scale,
            reported_grade=course.reported_grade,
            is_serious=course.reported_grade >= 3,
            relatedness="probable",
        )
        holder["id"] = event.id

    # The site opens the AE when the syndrome is diagnosed: at its first abnormal
    # observation (not before: an open CRS/ICANS AE whose stored series grades 0 so far
    # is a state the safety engine refuses), entering the earlier series with it.
    diagnosed = min(
        (_naive_to_utc(p, o["time"]) for o in course.observations if abnormal(o)),
        default=first,
    )
    onset_at = max(p.site.at(course.onset_date, 7), diagnosed)
    cal.at(onset_at, "syndrome AE", _guard(p, open_ae))

    def observe(payload: dict[str, Any]) -> None:
        syndromes.record_syndrome_observation(
            trial.world.sessions,
            actor=trial.world.actor("coordinator", p.site),
            ae_id=holder["id"],
            payload=payload,
        )

    def give(med: ConMedRecord) -> None:
        followup.record_con_med(
            trial.world.sessions,
            actor=trial.world.actor("coordinator", p.site),
            subject_id=p.subject_id,
            name=med.name,
            start_date=med.start_date,
            indication=med.indication,
            dose=med.dose,
            adverse_event_id=holder.get("id"),
            end_date=med.end_date,
        )

    for obs in sorted(course.observations, key=lambda o: str(o["time"])):
        when = _naive_to_utc(p, obs["time"])
        cal.at(
            max(when, onset_at), "syndrome observation", _guard(p, functools.partial(observe, obs))
        )
    last = max(_naive_to_utc(p, o["time"]) for o in course.observations)
    end_date = p.site.today(last)
    for med in course.con_meds:
        when = max(p.site.at(med.start_date, 20), onset_at)
        cal.at(when, "con med", _guard(p, functools.partial(give, med)))
    cal.at(
        last + dt.timedelta(hours=12),
        "syndrome resolved",
        _guard(p, lambda: _close_ae(trial, p, holder["id"], end_date)),
    )


def _close_ae(trial: _Trial, p: SimPatient, ae_id: str, end_date: dt.date) -> None:
    with trial.world.sessions() as s:
        event = s.get(AdverseEvent, ae_id)
        assert event is not None
        version = event.version
    safety.update_adverse_event(
        trial.world.sessions,
        actor=trial.world.actor("investigator", p.site),
        ae_id=ae_id,
        expected_version=version,
        changes={"end_date": end_date},
        reason="event resolved",
    )


def _record_lab(trial: _Trial, p: SimPatient, lab: LabDraw) -> None:
    followup.record_lab(
        trial.world.sessions,
        actor=trial.world.actor("coordinator", p.site),
        subject_id=p.subject_id,
        collected_at=lab.collected_at,
        test=lab.test,
        value=lab.value,
        unit=lab.unit,
        ctcae_term=lab.ctcae_term,
        uln=lab.uln,
        lln=lab.lln,
    )


def _record_scan(trial: _Trial, p: SimPatient, scan: TumourScan) -> None:
    """One scan; after the engine derives PD the site stops imaging (RECIST 1.1 section
    4.3: progression ends the response assessment; the patient stays in survival
    follow-up)."""
    if p.progressed:
        return
    assessment = tumour.record_tumour_assessment(
        trial.world.sessions,
        actor=trial.world.actor("investigator", p.site),
        subject_id=p.subject_id,
        assessed_on=scan.assessed_on,
        method=scan.method,
        lesions=list(scan.lesions),
    )
    with trial.world.sessions() as session:
        stored = session.get(TumourAssessment, assessment.id)
        p.progressed = stored is not None and stored.derived_response == "PD"


def _record_ae(trial: _Trial, p: SimPatient, ae: AdverseEventRecord) -> None:
    safety.record_adverse_event(
        trial.world.sessions,
        actor=trial.world.actor("coordinator", p.site),
        subject_id=p.subject_id,
        term=ae.term,
        onset_date=ae.onset_date,
        grading_scale=ae.grading_scale,
        reported_grade=ae.reported_grade,
        is_serious=ae.is_serious,
        relatedness=ae.relatedness,
    )


def _record_sample(trial: _Trial, p: SimPatient, sample: SampleDraw) -> None:
    stored = followup.record_sample(
        trial.world.sessions,
        actor=trial.world.actor("coordinator", p.site),
        subject_id=p.subject_id,
        sample_code=sample.sample_code,
        analyte=sample.analyte,
        matrix=sample.matrix,
        collected_at=sample.collected_at,
        study_day=sample.study_day,
    )
    for result in sample.results:
        followup.record_assay_result(
            trial.world.sessions,
            actor=trial.world.actor("coordinator", p.site),
            sample_id=stored.id,
            test=result.test,
            value=result.value,
            unit=result.unit,
            lloq=result.lloq,
            result_text=result.result_text,
        )


def _episode_days(row: Mapping[str, object]) -> set[int]:
    """Study days inside a CRS or ICANS episode: their vital signs are the episode's own
    observations (the syndrome series), not a visit's routine set."""
    days: set[int] = set()
    for grade, onset, duration in (
        ("crs_grade", "crs_onset_day", "crs_duration_days"),
        ("icans_grade", "icans_onset_day", "icans_duration_days"),
    ):
        if num(row, grade) > 0:
            first = math.floor(num(row, onset))
            days.update(range(first, first + max(1, round(num(row, duration))) + 1))
    return days


#: A routine visit's vital signs: test -> (unit, mean, SD, decimals); normal adult values
#: (assumed: the simulator's illustration of a well patient between episodes).
_ROUTINE_VITALS = {
    "temperature": ("C", 36.8, 0.3, 1),
    "systolic_bp": ("mmHg", 122.0, 12.0, 0),
    "diastolic_bp": ("mmHg", 76.0, 8.0, 0),
    "pulse": ("/min", 78.0, 10.0, 0),
    "spo2": ("%", 97.5, 1.0, 0),
}


def _normal_vitals(rng: np.random.Generator) -> list[tuple[str, Decimal, str]]:
    out = []
    for test, (unit, mean, sd, places) in _ROUTINE_VITALS.items():
        value = float(rng.normal(mean, sd))
        if test == "spo2":
            value = min(value, 100.0)
        out.append((test, Decimal(f"{value:.{places}f}"), unit))
    return out


def _visit(
    trial: _Trial,
    p: SimPatient,
    visit_id: str,
    actual: dt.date,
    vitals: list[tuple[str, Decimal, str]] | None,
) -> None:
    if vitals:
        at = p.site.at(actual, 9, 15)
        for test, value, unit in vitals:
            followup.record_vital(
                trial.world.sessions,
                actor=trial.world.actor("coordinator", p.site),
                subject_id=p.subject_id,
                measured_at=at,
                test=test,
                value=value,
                unit=unit,
            )
    with trial.world.sessions() as s:
        visit = s.get(Visit, visit_id)
        assert visit is not None
        version = visit.version
    followup.record_visit_date(
        trial.world.sessions,
        actor=trial.world.actor("coordinator", p.site),
        visit_id=visit_id,
        expected_version=version,
        actual_date=actual,
    )


def _complete(trial: _Trial, p: SimPatient) -> None:
    followup.advance_status(
        trial.world.sessions,
        actor=trial.world.actor("investigator", p.site),
        subject_id=p.subject_id,
        status="completed",
        reason="protocol follow-up complete",
    )
    p.ended = True


def _end(trial: _Trial, p: SimPatient, kind: str, row: dict[str, object]) -> None:
    today = p.site.today(trial.calendar.clock.now())
    inv = trial.world.actor("investigator", p.site)
    if kind == "death":
        followup.record_death(
            trial.world.sessions,
            actor=inv,
            subject_id=p.subject_id,
            died_on=today,
            cause="cytokine release syndrome"
            if num(row, "crs_grade") >= 5
            else "progressive disease",
        )
    else:
        followup.withdraw(
            trial.world.sessions,
            actor=inv,
            subject_id=p.subject_id,
            withdrawn_on=today,
            initiated_by="subject" if kind == "withdrawal" else "investigator",
            reason="consent withdrawn" if kind == "withdrawal" else "lost to follow-up",
        )
    p.ended = True
