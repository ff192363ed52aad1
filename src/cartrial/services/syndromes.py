"""CRS and ICANS observation series, graded by ASTCT 2019 (Lee et al. 2019) on every entry.

An observation is validated by the safety engine's input models
(``cartrial.safety.astct_input``), stored as it was read, and the AE's derived
grade is recomputed from the whole series with
:func:`cartrial.safety.astct.grade_crs` or :func:`~cartrial.safety.astct.grade_icans`
(reason and engine version stored beside it).

Clocks (:mod:`cartrial.services.site_clock`): an observation's ``time`` is
entered as the site's wall-clock time without offset, the way the engine reads
it, and is kept so in the stored payload; ``observed_at`` is its UTC instant.
The infusion, stored in UTC, is handed to the engine on the site's clock, so
"day N" and the worst grade per day are local calendar days (ASTCT 2019: the
grade of a day is the worst of that day's evaluations).

CTCAE v5.0 Fever comes with every CRS grade (``ctcae_fever``, the same
temperatures); :func:`febrile_neutropenia` grades the CRS AE's temperatures with
the subject's stored ANC results (``lab_result`` rows of test ``anc``, on the
site's clock), the one assembly of that term's inputs.

ICANS: the patient's birth date, from the latest screening record, is handed to
the engine, which refuses an ICE score below age 12 and a CAPD score from 12
(Lee 2019 Tables 5-7); an assessment with the wrong tool is refused at entry.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.dates import check_date
from cartrial.errors import InputError, NotFoundError, input_error_from_validation
from cartrial.safety.astct import SyndromeResult, grade_crs, grade_icans
from cartrial.safety.astct_input import CrsObservation, IcansAssessment
from cartrial.safety.dlt import CRS, ICANS
from cartrial.safety.fever import AncValue, TermGrade, grade_febrile_neutropenia
from cartrial.services.access import load_record_subject, load_subject
from cartrial.services.adjudication import SAFETY_ENGINE
from cartrial.services.context import Sessions, transaction
from cartrial.services.site_clock import clock_of
from cartrial.store.models import (
    AdverseEvent,
    AeObservation,
    Infusion,
    LabResult,
    ScreeningEntry,
    Subject,
)

__all__ = ["febrile_neutropenia", "grade_series", "record_syndrome_observation"]

_CRS_ADAPTER: TypeAdapter[Any] = TypeAdapter(CrsObservation)


def _parse(syndrome: str, payload: dict[str, Any]) -> Any:
    try:
        if syndrome == CRS:
            return _CRS_ADAPTER.validate_python(payload)
        return IcansAssessment.model_validate(payload)
    except ValidationError as exc:
        raise input_error_from_validation(exc, source="observation") from exc


def grade_series(session: Session, event: AdverseEvent, subject: Subject) -> SyndromeResult:
    """The ASTCT 2019 grade of the AE's stored series, study days on the site's clock."""
    return _graded(session, event, subject)[0]


def _graded(session: Session, event: AdverseEvent, subject: Subject) -> tuple[SyndromeResult, int]:
    stored = session.scalars(
        select(AeObservation.payload_json)
        .where(AeObservation.adverse_event_id == event.id)
        .order_by(AeObservation.observed_at, AeObservation.id)
    ).all()
    infusion = session.scalars(select(Infusion).where(Infusion.subject_id == subject.id)).first()
    day0 = clock_of(session, subject).local(infusion.started_at) if infusion else None
    born = _birth_date(session, subject) if event.term == ICANS else None
    return _grade_texts(event.term, tuple(stored), day0, subject.code, born), len(stored)


def febrile_neutropenia(session: Session, event: AdverseEvent, subject: Subject) -> TermGrade:
    """CTCAE v5.0 Febrile neutropenia from a CRS AE's stored temperatures and the ANCs.

    The temperatures are the AE's stored observations (as ASTCT reads them); the
    ANCs are the subject's stored ``anc`` lab results, their UTC collection times
    as the site's wall-clock time (:func:`cartrial.safety.fever.grade_febrile_neutropenia`).
    """
    if event.term != CRS:
        raise InputError("adverse_event", event.term, f"a {CRS} AE with stored temperatures")
    stored = session.scalars(
        select(AeObservation.payload_json)
        .where(AeObservation.adverse_event_id == event.id, AeObservation.kind == "temperature")
        .order_by(AeObservation.observed_at, AeObservation.id)
    ).all()
    clock = clock_of(session, subject)
    labs = session.scalars(
        select(LabResult)
        .where(LabResult.subject_id == subject.id, LabResult.test == "anc")
        .order_by(LabResult.collected_at, LabResult.id)
    ).all()
    anc = [
        AncValue(time=clock.local(lab.collected_at), value=lab.value, unit=lab.unit) for lab in labs
    ]
    return grade_febrile_neutropenia(
        observations=[_parse(CRS, json.loads(p)) for p in stored], anc=anc
    )


def _birth_date(session: Session, subject: Subject) -> dt.date | None:
    """The birth date on the subject's latest screening record (``None`` when not given)."""
    text = session.scalars(
        select(ScreeningEntry.record_json)
        .where(ScreeningEntry.subject_id == subject.id)
        .order_by(ScreeningEntry.entered_at.desc(), ScreeningEntry.id.desc())
        .limit(1)
    ).first()
    if text is None:
        return None
    born = json.loads(text).get("birth_date")
    return dt.date.fromisoformat(born) if isinstance(born, str) else None


@functools.lru_cache(maxsize=4096)
def _grade_texts(
    term: str,
    payloads: tuple[str, ...],
    day0: dt.datetime | None,
    code: str,
    birth_date: dt.date | None = None,
) -> SyndromeResult:
    """The grade of a series given as its stored texts: a pure function, so remembered.

    The DLT adjudication and the live escalation engine read every subject's
    series each time they are asked; the same texts give the same grade.
    """
    series = [_parse(term, json.loads(p)) for p in payloads]
    if term == CRS:
        return grade_crs(observations=series, infusion=day0, patient=code)
    return grade_icans(assessments=series, infusion=day0, patient=code, birth_date=birth_date)


def record_syndrome_observation(
    sessions: Sessions, *, actor: Actor, ae_id: str, payload: dict[str, Any]
) -> AdverseEvent:
    """Store one CRS observation or ICANS assessment and re-grade the AE (ASTCT 2019)."""
    with transaction(sessions, actor) as session:
        event = session.get(AdverseEvent, ae_id)
        if event is None:
            raise NotFoundError("adverse event", ae_id)
        subject = load_record_subject(
            session, actor, "adverse event", ae_id, event.subject_id, "ae.record"
        )
        if event.term not in (CRS, ICANS) or event.grading_scale != "astct_2019":
            raise InputError(
                "adverse_event", event.term, f"a {CRS} or {ICANS} AE graded by astct_2019"
            )
        _add_observations(session, event, subject, [payload])
    return event


def _add_observations(
    session: Session, event: AdverseEvent, subject: Subject, payloads: list[dict[str, Any]]
) -> None:
    """Store each observation (validated, time on the site's clock) and re-grade the AE."""
    clock = clock_of(session, subject)
    for payload in payloads:
        observation = _parse(event.term, payload)
        check_date(observation.time, "clinical", field="observation.time")
        kind = getattr(observation, "kind", "icans_assessment")
        session.add(
            AeObservation(
                adverse_event_id=event.id,
                observed_at=clock.to_utc(observation.time, field="observation.time"),
                kind=kind,
                payload_json=observation.model_dump_json(),
            )
        )
    session.flush()
    result, count = _graded(session, event, subject)
    session.info["reason"] = f"ASTCT 2019 re-grade from {count} observations"
    event.derived_grade = result.grade
    event.derivation_reason = result.reason
    event.engine_version = f"{SAFETY_ENGINE} ASTCT 2019"


def open_syndrome_event(session: Session, subject: Subject, term: str) -> AdverseEvent | None:
    """The subject's latest ASTCT-graded AE of ``term`` (CRS or ICANS) not yet resolved."""
    return session.scalars(
        select(AdverseEvent)
        .where(
            AdverseEvent.subject_id == subject.id,
            AdverseEvent.term == term,
            AdverseEvent.grading_scale == "astct_2019",
            AdverseEvent.end_date.is_(None),
        )
        .order_by(AdverseEvent.onset_date.desc(), AdverseEvent.id)
        .limit(1)
    ).first()


def _check_term(term: str) -> None:
    if term not in (CRS, ICANS):
        raise InputError("term", term, f"{CRS!r} or {ICANS!r}")


def preview_observations(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    term: str,
    payloads: list[dict[str, Any]],
) -> SyndromeResult:
    """The ASTCT 2019 grade the subject's open CRS/ICANS series would have with
    ``payloads`` added (the daily form's live grade), writing nothing.

    The same parse and the same grading of the whole series as
    :func:`record_syndrome_observation`; with no open AE the series is the
    entered observations alone.
    """
    _check_term(term)
    new = [_parse(term, p).model_dump_json() for p in payloads]
    with sessions() as session:  # read only: closed without commit
        subject = load_subject(session, actor, subject_id, "ae.record")
        event = open_syndrome_event(session, subject, term)
        stored: list[str] = []
        if event is not None:
            stored = list(
                session.scalars(
                    select(AeObservation.payload_json)
                    .where(AeObservation.adverse_event_id == event.id)
                    .order_by(AeObservation.observed_at, AeObservation.id)
                )
            )
        infusion = session.scalars(
            select(Infusion).where(Infusion.subject_id == subject.id)
        ).first()
        day0 = clock_of(session, subject).local(infusion.started_at) if infusion else None
        return _grade_texts(term, tuple(stored + new), day0, subject.code)


def record_observations(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    term: str,
    payloads: list[dict[str, Any]],
    relatedness: str | None = None,
) -> AdverseEvent:
    """The day's CRS or ICANS observations in one transaction, re-graded (ASTCT 2019).

    They join the subject's open AE of ``term``; with none open, the AE is opened
    with them, onset on the site's date of the first observation and the reported
    grade the engine's grade of the entered series, which must be at least 1
    (an open CRS/ICANS AE whose series grades 0 is a state the safety engine
    refuses: ASTCT 2019 requires fever for CRS and an ICE score or other
    neurological finding for ICANS).
    """
    _check_term(term)
    if not payloads:
        raise InputError("observations", "none", "at least one observation")
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "ae.record")
        event = open_syndrome_event(session, subject, term)
        if event is None:
            parsed = [_parse(term, p) for p in payloads]
            infusion = session.scalars(
                select(Infusion).where(Infusion.subject_id == subject.id)
            ).first()
            clock = clock_of(session, subject)
            day0 = clock.local(infusion.started_at) if infusion else None
            texts = tuple(o.model_dump_json() for o in parsed)
            result = _grade_texts(term, texts, day0, subject.code)
            if result.grade < 1:
                raise InputError(
                    "observations",
                    f"grade {result.grade}",
                    f"observations that grade {term} 1 or more to open the AE ({result.reason})",
                )
            event = AdverseEvent(
                subject_id=subject.id,
                term=term,
                onset_date=min(o.time for o in parsed).date(),
                grading_scale="astct_2019",
                reported_grade=result.grade,
                is_serious=result.grade >= 3,
                relatedness=relatedness,
            )
            session.add(event)
            session.flush()
        _add_observations(session, event, subject, payloads)
    return event
