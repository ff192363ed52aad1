"""A protocol's follow-up records as exchange form records (ODM and REDCap export).

One snapshot read of the stored labs, vital signs, adverse events and concomitant medications
of the protocol's subjects (optionally one site's), each turned into the item values of its
form in :mod:`cartrial.interop.forms`, with times on the site's clock (ISO 8601 without an
offset, as REDCap and a site's EDC show them). The same forms drive the imports, so an export
imported again gives the same records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from cartrial.actor import Actor
from cartrial.errors import NotFoundError
from cartrial.interop.forms import FORMS, Form, protocol_forms
from cartrial.interop.records import FormRecord
from cartrial.services.access import authorize
from cartrial.services.admin import protocol_of_version
from cartrial.services.context import Sessions, snapshot, transaction
from cartrial.services.site_clock import clock_of
from cartrial.store.audit import record_export
from cartrial.store.models import (
    AdverseEvent,
    ConMed,
    LabResult,
    ProtocolVersion,
    Site,
    Subject,
    VitalSign,
    utcnow,
)

__all__ = ["SiteExport", "export_follow_up_odm", "follow_up_records"]

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


@dataclass(frozen=True)
class SiteExport:
    """An ODM 1.3.2 document of follow-up records, with its file name and what it holds."""

    filename: str
    document: bytes
    records: int
    subjects: int


def export_follow_up_odm(
    sessions: Sessions, *, actor: Actor, protocol_version_id: str, source: str
) -> SiteExport:
    """The follow-up records of the actor's site (every site for a sponsor-wide actor) under
    the protocol of ``protocol_version_id``, as ODM 1.3.2 with the protocol's forms.

    Export is a right of its own (``data.export``, :data:`cartrial.services.access.PERMISSIONS`);
    taking the copy writes an ``export`` audit entry naming the protocol, the site, the
    records and the source (TRIAL_DATA.md section 1.6 row 5), as the casebook does.
    """
    from cartrial.interop.odm import odm_document

    authorize(actor, "data.export")
    with snapshot(sessions) as session:
        version = session.get(ProtocolVersion, protocol_version_id)
        if version is None:
            raise NotFoundError("protocol version", protocol_version_id)
        protocol = protocol_of_version(version)
        site = session.get(Site, actor.site_id) if actor.site_id is not None else None
        site_code = site.code if site is not None else "all sites"
    records = follow_up_records(sessions, version.protocol_id, site_id=actor.site_id)
    document = odm_document(
        protocol_forms(protocol),
        study_oid=f"ST.{version.protocol_id.upper()}",
        study_name=version.protocol_id,
        description=protocol.title,
        records=records,
        created_at=utcnow().replace(microsecond=0),
    )
    subjects = len({r.subject_code for r in records})
    with transaction(sessions, actor) as session:
        record_export(
            session,
            table_name="site" if site is not None else "protocol_version",
            record_id=site.id if site is not None else version.id,
            field="odm",
            what=(
                f"ODM 1.3.2 follow-up records of protocol {version.protocol_id} at "
                f"{'site ' + site_code if site is not None else site_code}: "
                f"{len(records)} record(s) of {subjects} subject(s)"
            ),
            source=source,
        )
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{version.protocol_id}-{site_code}-follow-up-odm.xml")
    return SiteExport(name, document, len(records), subjects)
