"""DLT adjudication: the protocol's DLT rules applied to a patient's AE records and labs.

Source of the conventions: ``shared/design/CLINICAL_RULES.md``, "DLT definition
template" D1-D9 and "Worked DLT examples"; the numbers come from the protocol
(:class:`cartrial.protocol.dlt.DltSpec`), never from this module. CRS and ICANS
grades are ASTCT 2019 (Lee et al.), everything else CTCAE v5.0.

Steps (:func:`assess_dlt`):

1. A patient who was not infused is not DLT-evaluable.
2. Candidate AEs: onset at or after infusion and on or before study day
   ``window_days``; related to the product at or above ``min_relatedness`` (or
   to lymphodepletion, when the protocol counts it); not attributed to disease.
   Grade >= 3 AEs left out are listed with why.
3. Each rule, in protocol order, over the candidates:

   - ``any_grade5``: grade 5.
   - ``crs`` / ``icans``: grade >= ``min_grade`` not improving to
     <= ``resolution_grade`` within ``resolution_hours`` of its first
     documentation (exactly 72 h is within 72 h); grade 4 of any duration
     when ``grade4_any_duration``. No recorded improvement counts as not improving.
   - ``term_grade``: a listed term at ``min_grade`` or above.
   - ``persistent_cytopenia``: grade >= ``grade`` of a listed term starting in
     the window, from the patient's graded labs (or the AE course when there are
     none), persisting by the configured ``measure``:
     ``still_at_first_assessment_after_day`` (the first assessment after day
     ``persistence_day`` still at that grade) or ``duration_from_onset``
     (lasting more than ``persistence_day`` days from onset).
   - ``non_haematological``: another non-haematological term (not covered by
     the rules above) at ``min_grade`` or above for more than
     ``min_duration_hours``, unless an exception excuses it. A term the shipped
     CTCAE table does not carry counts here with the investigator's grade, and
     the trigger's reason says so.

4. DLT if any rule triggered: the patient is then evaluable. Otherwise the
   patient is evaluable only when followed (alive) through the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel

from cartrial.errors import InputError
from cartrial.protocol.dlt import (
    AnyGrade5,
    CrsDlt,
    DltException,
    DltSpec,
    IcansDlt,
    NonHaematologicalDlt,
    PersistentCytopeniaDlt,
    TermGradeDlt,
)
from cartrial.safety.ctcae import grade_lab, load_ctcae
from cartrial.safety.events import AdverseEvent, PatientSafety, is_related, study_day

__all__ = ["DltResult", "DltTrigger", "assess_dlt", "assess_dlts", "escalation_rows"]

CRS = "Cytokine release syndrome"
ICANS = "Immune effector cell-associated neurotoxicity syndrome"


class DltTrigger(BaseModel):
    rule_id: str
    rule_text: str
    ae_id: str | None
    term: str
    reason: str


Outcome = Literal["yes", "no", "pending", "not_evaluable"]


class DltResult(BaseModel):
    """Per-patient adjudication; ``outcome`` is the escalation engine's ``dlt`` input."""

    patient: str
    dose_level: int | None
    evaluable: bool
    evaluable_reason: str
    outcome: Outcome
    days_followed: int | None
    grade2_related: bool
    dlt: bool
    triggers: list[DltTrigger]
    not_counted: list[str]
    review: list[str]


def _canon(term: str) -> str:
    try:
        return load_ctcae().find(term).term
    except InputError:
        return term


def _is_term(name: str) -> bool:
    return _canon(name) in {t.term for t in load_ctcae().terms}


def _hours(a: datetime, b: datetime) -> str:
    h = (b - a) / timedelta(hours=1)
    return f"{h:g} h"


def _first_at_or_above(course: Sequence[tuple[datetime, int]], grade: int) -> datetime | None:
    return next((t for t, g in course if g >= grade), None)


def _known_until(patient: PatientSafety) -> datetime | None:
    """The latest time the records speak for (contact, death, withdrawal, AE, lab)."""
    times = [t for t in (patient.last_contact, patient.withdrawn) if t]
    if patient.death:
        times.append(patient.death.time)
    times += [c.time for ae in patient.adverse_events for c in ae.course()]
    times += [lab.time for lab in patient.labs if lab.time]
    return max(times, default=None)


def _syndrome(
    ae: AdverseEvent,
    rule: CrsDlt | IcansDlt,
    name: str,
    infusion: datetime,
    known: datetime | None,
) -> tuple[str | None, str | None]:
    """(trigger reason, review note) of the CRS or ICANS resolution rule for one AE."""
    course = [(c.time, c.grade) for c in ae.course()]
    t0 = _first_at_or_above(course, rule.min_grade)
    if t0 is None:
        return None, None
    day = f"day {study_day(t0, infusion)}"
    if rule.grade4_any_duration and ae.grade >= 4:
        return f"grade {ae.grade} {name} ({day}): grade 4 of any duration", None
    t1 = next((t for t, g in course if t > t0 and g <= rule.resolution_grade), None)
    limit = timedelta(hours=rule.resolution_hours)
    grade0 = next(g for t, g in course if t == t0)
    head = f"grade {grade0} {name} from {t0.isoformat()} ({day})"
    if t1 is None:
        if known is not None and known - t0 <= limit:
            return None, (
                f"{head}: not yet improved to <= grade {rule.resolution_grade}, "
                f"{_hours(t0, known)} recorded so far: pending"
            )
        return f"{head}: no improvement to <= grade {rule.resolution_grade} recorded", None
    if t1 - t0 > limit:
        return (
            f"{head} improved to <= grade {rule.resolution_grade} only after "
            f"{_hours(t0, t1)} (> {rule.resolution_hours} h)"
        ), None
    return None, None


def _cytopenia_course(
    patient: PatientSafety, term: str, field: str
) -> tuple[list[tuple[datetime, int]], str]:
    points = []
    for i, lab in enumerate(patient.labs):
        if _canon(lab.term) != term:
            continue
        if lab.time is None:
            raise InputError(
                f"{field}.labs[{i}].time", None, "a date-time (cytopenia persistence needs it)"
            )
        graded = grade_lab(
            term=lab.term,
            value=lab.value,
            unit=lab.unit,
            uln=lab.uln,
            lln=lab.lln,
            baseline=lab.baseline,
            reference_unit=lab.reference_unit,
            field=f"{field}.labs[{i}].",
        )
        points.append((lab.time, graded.grade))
    if points:
        return sorted(points), "laboratory values"
    for ae in patient.adverse_events:
        if _canon(ae.term) == term:
            return [(c.time, c.grade) for c in ae.course()], f"AE {ae.id}"
    return [], ""


def _cytopenia(
    patient: PatientSafety, rule: PersistentCytopeniaDlt, term: str, window_days: int, field: str
) -> tuple[str | None, str | None]:
    """(trigger reason, review note) for one cytopenia term."""
    infusion = patient.infusion
    assert infusion is not None
    course, source = _cytopenia_course(patient, term, field)
    in_window = [
        (t, g)
        for t, g in course
        if t >= infusion and (study_day(t, infusion) or 0) <= window_days and g >= rule.grade
    ]
    if not in_window:
        return None, None
    onset = in_window[0][0]
    onset_day = study_day(onset, infusion)
    n = rule.persistence_day
    head = f"grade {rule.grade} {term} from day {onset_day} ({source})"
    after = [(t, g) for t, g in course if t > onset]
    if rule.measure == "still_at_first_assessment_after_day":
        if source.startswith("AE"):
            day_after = datetime.combine(
                infusion.date() + timedelta(days=n + 1), time.min, tzinfo=infusion.tzinfo
            )
            grade_then = next((g for t, g in reversed(course) if t <= day_after), 0)
            later = [(day_after, grade_then)]
        else:
            later = [(t, g) for t, g in after if (study_day(t, infusion) or 0) > n]
        if not later:
            return None, f"{head}: no assessment after day {n} yet"
        t, g = later[0]
        if g >= rule.grade:
            return (
                f"{head}: still grade {g} at the first assessment after day {n} "
                f"(day {study_day(t, infusion)})"
            ), None
        return None, None
    end = next((t for t, g in after if g < rule.grade), None)
    last = end or (course[-1][0] if course else onset)
    days = (last.date() - onset.date()).days
    if days > n:
        what = "lasting" if end else "ongoing after"
        return f"{head}: {what} {days} days (> {n} days from onset)", None
    if end is None:
        return None, f"{head}: ongoing, {days} days so far"
    return None, None


def _excused(
    ae: AdverseEvent,
    term: str,
    exceptions: list[str | DltException],
    t0: datetime,
    dlt_grade: int,
) -> str | None:
    entry = load_ctcae().for_adverse_event(term)
    for exc in exceptions:
        if isinstance(exc, str):
            if _canon(exc) == term:
                return exc
            continue
        if exc.terms and term not in {_canon(x) for x in exc.terms}:
            continue
        if exc.laboratory and entry.lab is None:
            continue
        if exc.max_grade is not None and ae.grade > exc.max_grade:
            continue
        if exc.attributable_to_crs and not ae.attributable_to_crs:
            continue
        below = next((c.time for c in ae.course() if c.time > t0 and c.grade < dlt_grade), None)
        lasted = None if below is None else below - t0
        if exc.resolved_within_hours is not None and (
            lasted is None or lasted > timedelta(hours=exc.resolved_within_hours)
        ):
            continue
        if exc.resolved_before_hours is not None and (
            lasted is None or lasted >= timedelta(hours=exc.resolved_before_hours)
        ):
            continue
        return exc.text
    return None


def assess_dlt(*, patient: PatientSafety, spec: DltSpec, field: str = "patient") -> DltResult:
    """Adjudicate one patient's DLT status under ``spec`` (steps in the module docstring)."""
    table = load_ctcae()
    if patient.infusion is None:
        return DltResult(
            patient=patient.id,
            dose_level=patient.dose_level,
            evaluable=False,
            evaluable_reason="not DLT-evaluable: not infused",
            outcome="not_evaluable",
            days_followed=None,
            grade2_related=False,
            dlt=False,
            triggers=[],
            not_counted=[],
            review=[],
        )
    infusion = patient.infusion
    n = spec.window_days
    candidates: list[tuple[AdverseEvent, str]] = []
    not_counted: list[str] = []
    for ae in patient.adverse_events:
        term = table.for_adverse_event(ae.term).term
        day = study_day(ae.onset, infusion)
        related = is_related(ae.related_product, spec.min_relatedness) or (
            spec.lymphodepletion_related_counts
            and is_related(ae.related_lymphodepletion, spec.min_relatedness)
        )
        why = None
        if ae.onset < infusion or (day or 0) > n:
            why = f"onset day {day} is outside the {n}-day DLT window"
        elif ae.attributed_to_disease:
            why = "attributed to disease"
        elif not related:
            why = (
                f"relatedness to the product '{ae.related_product}' is below "
                f"'{spec.min_relatedness}'"
            )
        if why is None:
            candidates.append((ae, term))
        elif ae.grade >= 3:
            not_counted.append(f"AE {ae.id} {term} grade {ae.grade}: {why}")
    covered = set()
    for d in spec.definitions:
        if isinstance(d.rule, CrsDlt):
            covered.add(CRS)
        elif isinstance(d.rule, IcansDlt):
            covered.add(ICANS)
        elif isinstance(d.rule, TermGradeDlt | PersistentCytopeniaDlt):
            covered.update(_canon(t) for t in d.rule.terms)
    triggers: list[DltTrigger] = []
    review: list[str] = []
    known = _known_until(patient)

    def hit(ae_id: str | None, term: str, reason: str) -> None:
        triggers.append(
            DltTrigger(rule_id=d.id, rule_text=d.text, ae_id=ae_id, term=term, reason=reason)
        )

    for d in spec.definitions:
        rule = d.rule
        if isinstance(rule, PersistentCytopeniaDlt):
            for t in rule.terms:
                blamed = [
                    ae.id
                    for ae in patient.adverse_events
                    if ae.attributed_to_disease and _canon(ae.term) == _canon(t)
                ]
                if blamed:
                    not_counted.append(
                        f"{_canon(t)}: attributed to disease (AE {', '.join(blamed)})"
                    )
                    continue
                reason, note = _cytopenia(patient, rule, _canon(t), n, field)
                if reason:
                    hit(None, _canon(t), reason)
                if note:
                    review.append(f"{d.id}: {note}")
            continue
        for ae, term in candidates:
            when = f"day {study_day(ae.onset, infusion)}"
            if isinstance(rule, AnyGrade5) and ae.grade == 5:
                hit(ae.id, term, f"grade 5 {term} ({when})")
            elif isinstance(rule, CrsDlt | IcansDlt) and term in (CRS, ICANS):
                is_crs = isinstance(rule, CrsDlt)
                if term != (CRS if is_crs else ICANS):
                    continue
                reason, note = _syndrome(ae, rule, "CRS" if is_crs else "ICANS", infusion, known)
                if reason:
                    hit(ae.id, term, reason)
                if note:
                    review.append(f"{d.id}: AE {ae.id}: {note}")
                if (
                    isinstance(rule, IcansDlt)
                    and not reason
                    and rule.seizure_control_hours is not None
                    and ae.grade >= 3
                ):
                    review.append(
                        f"{d.id}: AE {ae.id}: seizure control within "
                        f"{rule.seizure_control_hours} h is not in the AE record; check it"
                    )
            elif isinstance(rule, TermGradeDlt):
                if term in {_canon(t) for t in rule.terms} and ae.grade >= rule.min_grade:
                    hit(ae.id, term, f"grade {ae.grade} {term} ({when})")
            elif isinstance(rule, NonHaematologicalDlt):
                entry = table.for_adverse_event(term)
                if entry.haematological or term in covered or ae.grade < rule.min_grade:
                    continue
                course = [(c.time, c.grade) for c in ae.course()]
                t0 = _first_at_or_above(course, rule.min_grade)
                assert t0 is not None
                t1 = next((t for t, g in course if t > t0 and g < rule.min_grade), None)
                if t1 is not None and t1 - t0 <= timedelta(hours=rule.min_duration_hours):
                    continue
                if (
                    t1 is None
                    and known is not None
                    and (known - t0 <= timedelta(hours=rule.min_duration_hours))
                ):
                    review.append(
                        f"{d.id}: AE {ae.id}: grade {ae.grade} {term} for {_hours(t0, known)} "
                        f"so far (DLT if > {rule.min_duration_hours} h): pending"
                    )
                    continue
                excuse = _excused(ae, term, rule.exceptions, t0, rule.min_grade)
                if excuse:
                    not_counted.append(f"AE {ae.id} {term} grade {ae.grade}: excepted ({excuse})")
                    continue
                lasted = f"lasted {_hours(t0, t1)}" if t1 else "no resolution recorded"
                unlisted = "" if entry.listed else f" ({entry.note})"
                hit(
                    ae.id,
                    term,
                    f"grade {ae.grade} {term} ({when}): {lasted} "
                    f"(> {rule.min_duration_hours} h at grade >= {rule.min_grade}){unlisted}",
                )
                free = [e for e in rule.exceptions if isinstance(e, str) and not _is_term(e)]
                if free:
                    review.append(
                        f"{d.id}: AE {ae.id}: check the exceptions stated as text: "
                        + "; ".join(free)
                    )
    outcome: Outcome
    undecided = [r for r in review if r.endswith(": pending")]
    if triggers:
        outcome, why = "yes", "DLT-evaluable: DLT observed"
    elif undecided:
        outcome, why = "pending", "DLT pending: " + "; ".join(undecided)
    else:
        outcome, why = _followed(patient, infusion, n)
    ends = [t for t in (patient.last_contact, patient.death and patient.death.time) if t]
    grade2 = (
        any(ae.grade >= 2 and not ae.attributed_to_disease for ae, _ in candidates) and not triggers
    )
    return DltResult(
        patient=patient.id,
        dose_level=patient.dose_level,
        evaluable=outcome in ("yes", "no"),
        evaluable_reason=why,
        outcome=outcome,
        days_followed=max((study_day(t, infusion) or 0 for t in ends), default=None),
        grade2_related=grade2,
        dlt=bool(triggers),
        triggers=triggers,
        not_counted=not_counted,
        review=review,
    )


def _followed(patient: PatientSafety, infusion: datetime, n: int) -> tuple[Outcome, str]:
    if patient.death is not None and (study_day(patient.death.time, infusion) or 0) < n:
        day = study_day(patient.death.time, infusion)
        cause = patient.death.cause.replace("_", " ")
        return "not_evaluable", (
            f"not DLT-evaluable: died on day {day} ({cause}) before the end of the "
            f"{n}-day DLT window without a DLT"
        )
    # Follow-up ends at a withdrawal: a later last contact (the adjudication itself) does
    # not make a subject who left on day 10 evaluable (CLINICAL_RULES section 2:
    # evaluable = completed the window or had a DLT).
    last = patient.last_contact
    if patient.withdrawn is not None and (last is None or patient.withdrawn < last):
        last = patient.withdrawn
    ends = [t for t in (last, patient.death and patient.death.time) if t]
    day = max((study_day(t, infusion) or 0 for t in ends), default=0)
    if day >= n:
        return "no", f"DLT-evaluable: followed through the {n}-day DLT window without a DLT"
    if patient.withdrawn is not None:
        left = study_day(patient.withdrawn, infusion)
        return "not_evaluable", (
            f"not DLT-evaluable: withdrawn on day {left}, before the end of the {n}-day "
            "DLT window, without a DLT"
        )
    return "pending", f"DLT window ongoing: followed to day {day} of {n}, no DLT so far"


def assess_dlts(*, patients: Sequence[PatientSafety], spec: DltSpec) -> list[DltResult]:
    """Adjudicate every patient (all validated before any result is returned)."""
    return [
        assess_dlt(patient=p, spec=spec, field=f"patients[{i}]") for i, p in enumerate(patients)
    ]


def escalation_rows(
    patients: Sequence[PatientSafety], results: Sequence[DltResult]
) -> list[dict[str, object]]:
    """The escalation engine's ``--data`` rows, in order of infusion.

    Patients not infused or not DLT-evaluable are left out (protocols replace
    them); ``dlt`` is ``yes``, ``no`` or ``pending``.
    """
    infused = {p.id: p.infusion for p in patients if p.infusion is not None}
    rows = [
        (infused[r.patient], r)
        for r in results
        if r.outcome != "not_evaluable" and r.dose_level is not None and r.patient in infused
    ]
    return [
        {
            "subject": r.patient,
            "level": r.dose_level,
            "dlt": r.outcome,
            "days_followed": r.days_followed,
            "grade2_related": r.grade2_related,
        }
        for _, r in sorted(rows, key=lambda tr: tr[0])
    ]
