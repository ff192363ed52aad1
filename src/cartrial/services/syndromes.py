"""CRS and ICANS observation series, graded by ASTCT 2019 (Lee et al. 2019) on every entry.

An observation is validated by the safety engine's input models
(``cartrial.safety.astct_input``), stored as it was read, and the AE's derived
grade is recomputed from the whole series with
:func:`cartrial.safety.astct.grade_crs` or :func:`~cartrial.safety.astct.grade_icans`
(reason and engine version stored beside it). The engine reads site-clock times
without offset; the store keeps UTC, passed as that clock (docs/store.md).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from cartrial.errors import InputError, NotFoundError, input_error_from_validation
from cartrial.safety.astct import grade_crs, grade_icans
from cartrial.safety.astct_input import CrsObservation, IcansAssessment
from cartrial.safety.dlt import CRS, ICANS
from cartrial.services.access import load_subject
from cartrial.services.adjudication import SAFETY_ENGINE
from cartrial.services.context import Sessions, transaction
from cartrial.store.audit import Actor
from cartrial.store.models import AdverseEvent, AeObservation, Infusion

__all__ = ["record_syndrome_observation"]

_CRS_ADAPTER: TypeAdapter[Any] = TypeAdapter(CrsObservation)


def _parse(syndrome: str, payload: dict[str, Any]) -> Any:
    try:
        if syndrome == CRS:
            return _CRS_ADAPTER.validate_python(payload)
        return IcansAssessment.model_validate(payload)
    except ValidationError as exc:
        raise input_error_from_validation(exc, source="observation") from exc


def record_syndrome_observation(
    sessions: Sessions, *, actor: Actor, ae_id: str, payload: dict[str, Any]
) -> AdverseEvent:
    """Store one CRS observation or ICANS assessment and re-grade the AE (ASTCT 2019)."""
    with transaction(sessions, actor) as session:
        event = session.get(AdverseEvent, ae_id)
        if event is None:
            raise NotFoundError("adverse event", ae_id)
        subject = load_subject(session, actor, event.subject_id, "ae.record")
        if event.term not in (CRS, ICANS) or event.grading_scale != "astct_2019":
            raise InputError(
                "adverse_event", event.term, f"a {CRS} or {ICANS} AE graded by astct_2019"
            )
        observation = _parse(event.term, payload)
        kind = getattr(observation, "kind", "icans_assessment")
        session.add(
            AeObservation(
                adverse_event_id=event.id,
                observed_at=observation.time.replace(tzinfo=dt.UTC),
                kind=kind,
                payload_json=observation.model_dump_json(),
            )
        )
        session.flush()
        stored = session.scalars(
            select(AeObservation.payload_json).where(AeObservation.adverse_event_id == event.id)
        ).all()
        series = [_parse(event.term, json.loads(p)) for p in stored]
        infusion = session.scalars(
            select(Infusion).where(Infusion.subject_id == subject.id)
        ).first()
        day0 = infusion.started_at.astimezone(dt.UTC).replace(tzinfo=None) if infusion else None
        if event.term == CRS:
            result = grade_crs(observations=series, infusion=day0, patient=subject.code)
        else:
            result = grade_icans(assessments=series, infusion=day0, patient=subject.code)
        session.info["reason"] = f"ASTCT 2019 re-grade from {len(series)} observations"
        event.derived_grade = result.grade
        event.derivation_reason = result.reason
        event.engine_version = f"{SAFETY_ENGINE} ASTCT 2019"
    return event
