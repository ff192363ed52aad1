"""A protocol's follow-up records as exchange form records (ODM and REDCap export).

One snapshot read of the stored labs, vital signs, adverse events and concomitant medications
of the protocol's subjects (optionally one site's), each turned into the item values of its
form in :mod:`cartrial.interop.forms`, with times on the site's clock (ISO 8601 without an
offset, as REDCap and a site's EDC show them). The same forms drive the imports, so an export
imported again gives the same records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from cartrial.interop.forms import FORMS, Form
from cartrial.interop.records import FormRecord
from cartrial.services.context import Sessions, snapshot
from cartrial.services.site_clock import clock_of
from cartrial.store.models import (
    AdverseEvent,
    ConMed,
    LabResult,
    ProtocolVersion,
    Subject,
    VitalSign,
)

__all__ = ["follow_up_records"]

_FORM = {f.target: f for f in FORMS}


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _record(form: Form, code: str, n: int, values: dict[str, object]) -> FormRecord:
    return FormRecord(code, form, {k: _text(v) for k, v in values.items()}, f"{form.name} {n}", n)


def follow_up_records(
    sessions: Sessions, protocol_id: str, *, site_id: str | None = None
) -> list[FormRecord]:
    """Every follow-up record of the protocol's subjects, ordered by subject, form and time."""
    out: list[FormRecord] = []
    with snapshot(sessions) as session:
        query = (
            select(Subject)
            .join(ProtocolVersion, ProtocolVersion.id == Subject.protocol_version_id)
            .where(ProtocolVersion.protocol_id == protocol_id)
            .order_by(Subject.code)
        )
        if site_id is not None:
            query = query.where(Subject.site_id == site_id)
        for subject in session.scalars(query):
            clock = clock_of(session, subject)
            labs = session.scalars(
                select(LabResult)
                .where(LabResult.subject_id == subject.id)
                .order_by(LabResult.collected_at, LabResult.id)
            )
            for n, lab in enumerate(labs, start=1):
                out.append(_record(_FORM["lab"], subject.code, n, {
                    "lb_datetime": clock.local(lab.collected_at), "lb_test": lab.test,
                    "lb_value": lab.value, "lb_unit": lab.unit, "lb_uln": lab.uln,
                    "lb_lln": lab.lln, "lb_ctcae_term": lab.ctcae_term,
                }))  # fmt: skip
            vitals = session.scalars(
                select(VitalSign)
                .where(VitalSign.subject_id == subject.id)
                .order_by(VitalSign.measured_at, VitalSign.id)
            )
            for n, vital in enumerate(vitals, start=1):
                out.append(_record(_FORM["vital_sign"], subject.code, n, {
                    "vs_datetime": clock.local(vital.measured_at), "vs_test": vital.test,
                    "vs_value": vital.value, "vs_unit": vital.unit,
                }))  # fmt: skip
            events = session.scalars(
                select(AdverseEvent)
                .where(AdverseEvent.subject_id == subject.id)
                .order_by(AdverseEvent.onset_date, AdverseEvent.id)
            )
            for n, event in enumerate(events, start=1):
                out.append(_record(_FORM["adverse_event"], subject.code, n, {
                    "ae_term": event.term, "ae_onset": event.onset_date,
                    "ae_scale": event.grading_scale, "ae_grade": event.reported_grade,
                    "ae_serious": event.is_serious, "ae_relatedness": event.relatedness,
                }))  # fmt: skip
            meds = session.scalars(
                select(ConMed)
                .where(ConMed.subject_id == subject.id)
                .order_by(ConMed.start_date, ConMed.id)
            )
            for n, med in enumerate(meds, start=1):
                out.append(_record(_FORM["con_med"], subject.code, n, {
                    "cm_name": med.name, "cm_start": med.start_date, "cm_end": med.end_date,
                    "cm_dose": med.dose, "cm_indication": med.indication,
                }))  # fmt: skip
    return out
