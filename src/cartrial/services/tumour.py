"""Tumour assessments with RECIST 1.1 time-point responses derived by ``cartrial.response``.

1. The baseline is the subject's latest assessment on or before the infusion day
   (the reference date, day 0: the site's calendar date of the infusion); its
   lesions are the baseline lesions (targets and non-targets, nodes flagged, with
   the kind of lesion and prior irradiation that decide measurability, RECIST 1.1
   sections 3.1.2-3.1.3). A target that is non-measurable by its kind or its
   irradiated field is refused when it is recorded, naming the lesion
   (:func:`cartrial.response.baseline.target_kind_issue`, the protocol's settings).
2. Each later assessment becomes a follow-up: targets with a diameter (mm) or a
   status, non-targets with a status, ``new`` lesions as new lesions.
3. :func:`cartrial.response.assess.assess_recist` (with the protocol's response
   settings) derives every time point; each follow-up assessment stores its
   overall response, the engine's reasons and the engine version.

Without an infusion or a baseline nothing is derived yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial import __version__
from cartrial.actor import Actor
from cartrial.errors import InputError, input_error_from_validation
from cartrial.response.assess import assess_recist
from cartrial.response.baseline import target_kind_issue
from cartrial.response.lesions import BaselineLesion, SubjectAssessments
from cartrial.response.settings import ResponseSettings, settings_from_protocol
from cartrial.services.access import load_subject
from cartrial.services.admin import protocol_of
from cartrial.services.context import Sessions, transaction
from cartrial.services.followup import infusion_day
from cartrial.store.models import Infusion, LesionMeasurement, Subject, TumourAssessment
from cartrial.vocabulary import LESION_KINDS, LESION_TYPES

__all__ = [
    "RESPONSE_ENGINE",
    "LesionInput",
    "derive_responses",
    "preview_response",
    "record_tumour_assessment",
    "subject_assessments",
]

RESPONSE_ENGINE = f"cartrial.response {__version__} RECIST 1.1"


@dataclass(frozen=True)
class LesionInput:
    lesion_code: str
    kind: str
    location: str
    diameter_mm: Decimal | None = None
    status: str | None = None
    is_nodal: bool = False
    lesion_type: str = "mass"
    previously_irradiated: bool = False
    progressed_since_irradiation: bool = False
    scanned_on: dt.date | None = None


def _baseline_lesion(m: LesionMeasurement) -> dict[str, Any]:
    size = {"value": m.diameter_mm, "unit": "mm"} if m.diameter_mm is not None else {}
    return {
        "id": m.lesion_code,
        "organ": m.location,
        "role": m.kind,
        "nodal": m.is_nodal,
        "lesion_type": m.lesion_type,
        "previously_irradiated": m.previously_irradiated,
        "progressed_since_irradiation": m.progressed_since_irradiation,
        **size,
    }


def _check_target_kind(lesion: LesionInput, i: int, settings: ResponseSettings) -> None:
    """Refuse a target that its kind or irradiated field makes non-measurable (step 1)."""
    if lesion.progressed_since_irradiation and not lesion.previously_irradiated:
        raise InputError(
            f"lesions[{i}].progressed_since_irradiation",
            True,
            "false unless previously_irradiated is true",
        )
    if lesion.kind != "target":
        return
    issue = target_kind_issue(
        BaselineLesion(
            id=lesion.lesion_code,
            organ=lesion.location,
            role="target",
            nodal=lesion.is_nodal,
            lesion_type=lesion.lesion_type,
            previously_irradiated=lesion.previously_irradiated,
            progressed_since_irradiation=lesion.progressed_since_irradiation,
        ),
        settings,
    )
    if issue is not None:
        raise InputError(f"lesions[{i}].lesion_type", lesion.lesion_type, issue.message)


def _observation(m: LesionMeasurement) -> dict[str, Any]:
    scan = {"scan_date": m.scanned_on} if m.scanned_on is not None else {}
    if m.diameter_mm is not None:
        return {"lesion_id": m.lesion_code, "value": m.diameter_mm, "unit": "mm", **scan}
    return {"lesion_id": m.lesion_code, "status": m.status, **scan}


def _new_lesion(m: LesionMeasurement) -> dict[str, Any]:
    size = {"value": m.diameter_mm, "unit": "mm"} if m.diameter_mm is not None else {}
    scan = {"scan_date": m.scanned_on} if m.scanned_on is not None else {}
    return {"id": m.lesion_code, "organ": m.location, "nodal": m.is_nodal, **size, **scan}


def _engine_input(
    session: Session,
    subject: Subject,
    extra: tuple[TumourAssessment, list[LesionMeasurement]] | None = None,
) -> tuple[SubjectAssessments, list[TumourAssessment]] | None:
    infusion = session.scalars(select(Infusion).where(Infusion.subject_id == subject.id)).first()
    if infusion is None:
        return None
    day0 = infusion_day(session, subject, infusion.started_at)
    assessments: Sequence[TumourAssessment] = session.scalars(
        select(TumourAssessment)
        .where(TumourAssessment.subject_id == subject.id)
        .order_by(TumourAssessment.assessed_on)
    ).all()
    if extra is not None:  # an assessment being typed (preview_response), never stored
        assessments = sorted([*assessments, extra[0]], key=lambda a: a.assessed_on)
    baseline = [a for a in assessments if a.assessed_on <= day0]
    follow = [a for a in assessments if a.assessed_on > day0]
    if not baseline:
        return None
    lesions: dict[str, list[LesionMeasurement]] = {}
    for m in session.scalars(
        select(LesionMeasurement).where(LesionMeasurement.subject_id == subject.id)
    ):
        lesions.setdefault(m.assessment_id, []).append(m)
    if extra is not None:
        lesions[extra[0].id] = extra[1]
    data = {
        "subject_id": subject.code,
        "baseline_date": baseline[-1].assessed_on,
        "reference_date": day0,
        "dose_level": str(subject.dose_level) if subject.dose_level is not None else None,
        "lesions": [_baseline_lesion(m) for m in lesions.get(baseline[-1].id, [])],
        "assessments": [
            {
                "date": a.assessed_on,
                "lesions": [_observation(m) for m in lesions.get(a.id, []) if m.kind != "new"],
                "new_lesions": [_new_lesion(m) for m in lesions.get(a.id, []) if m.kind == "new"],
            }
            for a in follow
        ],
    }
    try:
        parsed = SubjectAssessments.model_validate(data)
    except ValidationError as exc:
        raise input_error_from_validation(exc, source="tumour assessments") from exc
    return parsed, list(follow)


def subject_assessments(session: Session, subject: Subject) -> SubjectAssessments | None:
    """The subject's stored assessments as the response engine's input (module steps 1-2).

    ``None`` before the infusion or without a baseline assessment; the follow-up
    list may be empty. The one wiring of stored lesions to
    :func:`cartrial.response.assess.assess_recist`: :func:`derive_responses` and the
    trial summary (:mod:`cartrial.services.trial_summary`) both read it.
    """
    found = _engine_input(session, subject)
    return found[0] if found else None


def efficacy_input(session: Session, subject: Subject) -> SubjectAssessments | None:
    """The subject's efficacy input: :func:`subject_assessments`, or for an infused
    subject without a baseline tumour assessment an input with ``baseline_date`` None.

    FDA Guidance for Industry "Clinical Trial Endpoints for the Approval of Cancer
    Drugs and Biologics" (2018), Table 2: no baseline tumour assessment -> PFS
    censored at the start (here the infusion); such a subject stays in PFS and OS
    (the all-infused population) and is not response-evaluable (BOR NE). ``None``
    only before the infusion.
    """
    found = _engine_input(session, subject)
    if found is not None:
        return found[0]
    infusion = session.scalars(select(Infusion).where(Infusion.subject_id == subject.id)).first()
    if infusion is None:
        return None
    return SubjectAssessments(
        subject_id=subject.code,
        baseline_date=None,
        reference_date=infusion_day(session, subject, infusion.started_at),
        dose_level=str(subject.dose_level) if subject.dose_level is not None else None,
    )


def derive_responses(session: Session, subject: Subject) -> list[TumourAssessment]:
    """Re-derive the time-point responses of the subject's follow-up assessments."""
    found = _engine_input(session, subject)
    if found is None or not found[1]:
        return []
    parsed, follow = found
    protocol = protocol_of(session, subject)
    result = assess_recist(parsed, settings=settings_from_protocol(protocol.response))
    by_date = {t.date: t for t in result.timepoints}
    session.info["reason"] = "RECIST 1.1 re-derivation after a new assessment"
    for a in follow:
        point = by_date.get(a.assessed_on)
        if point is not None:
            a.derived_response = point.overall
            a.derivation_reason = "; ".join(point.reasons)
            a.engine_version = RESPONSE_ENGINE
    return follow


def record_tumour_assessment(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    assessed_on: dt.date,
    method: str,
    lesions: list[LesionInput],
) -> TumourAssessment:
    """An imaging time point with its lesions; follow-up responses are re-derived."""
    codes: set[str] = set()
    for i, lesion in enumerate(lesions):
        if lesion.kind not in LESION_KINDS:
            raise InputError(f"lesions[{i}].kind", lesion.kind, "one of " + ", ".join(LESION_KINDS))
        if lesion.lesion_type not in LESION_TYPES:
            raise InputError(
                f"lesions[{i}].lesion_type",
                lesion.lesion_type,
                "one of " + ", ".join(LESION_TYPES),
            )
        if lesion.lesion_code in codes:
            raise InputError(
                f"lesions[{i}].lesion_code",
                lesion.lesion_code,
                "a code not used twice in one assessment",
            )
        codes.add(lesion.lesion_code)
        if lesion.scanned_on is not None and lesion.scanned_on > assessed_on:
            raise InputError(
                f"lesions[{i}].scanned_on",
                lesion.scanned_on.isoformat(),
                f"on or before the assessment's date {assessed_on.isoformat()} (its last scan)",
            )
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "ae.record")
        settings = settings_from_protocol(protocol_of(session, subject).response)
        for i, lesion in enumerate(lesions):
            _check_target_kind(lesion, i, settings)
        assessment = TumourAssessment(
            subject_id=subject.id, assessed_on=assessed_on, method=method, criteria="recist11"
        )
        session.add(assessment)
        session.flush()
        for lesion in lesions:
            session.add(
                LesionMeasurement(
                    assessment_id=assessment.id,
                    subject_id=subject.id,
                    lesion_code=lesion.lesion_code,
                    kind=lesion.kind,
                    location=lesion.location,
                    is_nodal=lesion.is_nodal,
                    diameter_mm=lesion.diameter_mm,
                    status=lesion.status,
                    lesion_type=lesion.lesion_type,
                    previously_irradiated=lesion.previously_irradiated,
                    progressed_since_irradiation=lesion.progressed_since_irradiation,
                    scanned_on=lesion.scanned_on,
                )
            )
        session.flush()
        derive_responses(session, subject)
    return assessment


# --- the form's live response (web app) --------------------------------------------------


def _typed_measurements(subject_id: str, lesions: list[LesionInput]) -> list[LesionMeasurement]:
    """The typed lesions as unsaved rows of the typed assessment (every field of the input)."""
    rows = []
    for i, lesion in enumerate(lesions):
        if lesion.kind not in LESION_KINDS:
            raise InputError(f"lesions[{i}].kind", lesion.kind, "one of " + ", ".join(LESION_KINDS))
        fields = {f.name: getattr(lesion, f.name) for f in dataclasses.fields(lesion)}
        rows.append(
            LesionMeasurement(
                id=f"typed-{i}", assessment_id="typed", subject_id=subject_id, **fields
            )
        )
    return rows


def preview_response(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    assessed_on: dt.date,
    method: str,
    lesions: list[LesionInput],
) -> tuple[str | None, str]:
    """The RECIST 1.1 time-point response :func:`record_tumour_assessment` would derive
    for this assessment, and its reasons, writing nothing (the form's live response).

    The same engine input (module steps 1-2, with the typed assessment among the
    stored ones) and the same engine call with the protocol's settings. ``None``
    with the reason when no response is derived: before the infusion, without a
    baseline, or for a baseline assessment itself (on or before day 0).
    """
    with sessions() as session:  # read only: the typed assessment is never added
        subject = load_subject(session, actor, subject_id, "ae.record")
        typed = TumourAssessment(
            id="typed",
            subject_id=subject.id,
            assessed_on=assessed_on,
            method=method,
            criteria="recist11",
        )
        found = _engine_input(session, subject, (typed, _typed_measurements(subject.id, lesions)))
        if found is None:
            return None, "no response yet: the subject is not infused or has no baseline assessment"
        parsed, follow = found
        if typed not in follow:
            return None, "a baseline assessment (on or before day 0): responses start after it"
        protocol = protocol_of(session, subject)
        result = assess_recist(parsed, settings=settings_from_protocol(protocol.response))
        point = next((t for t in result.timepoints if t.date == assessed_on), None)
        if point is None:
            return None, "no time point derived for this date"
        return point.overall, "; ".join(point.reasons)
