"""Per-visit clinical data: visits, vital signs, labs, adverse events, CRS/ICANS series.

Inputs are stored as entered; grades derived by the domain engines are stored
beside them with their reason and the engine version (issue 7), never re-derived
by a reader.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from cartrial.store.models.access import _in
from cartrial.store.models.base import Record, UtcDateTime
from cartrial.vocabulary import GRADING_SCALES

__all__ = ["AdverseEvent", "AeObservation", "LabResult", "Visit", "VitalSign"]


class Visit(Record):
    """A visit planned from the protocol calendar, with its actual date once done."""

    __tablename__ = "visit"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    visit_code: Mapped[str] = mapped_column(String(32))
    planned_date: Mapped[dt.date | None] = mapped_column(Date)
    actual_date: Mapped[dt.date | None] = mapped_column(Date)


class VitalSign(Record):
    __tablename__ = "vital_sign"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    measured_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    test: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    unit: Mapped[str] = mapped_column(String(16))


class LabResult(Record):
    """One laboratory value with what CTCAE v5.0 grades it against (revision 0007).

    ``uln``, ``lln`` and ``baseline`` are in ``unit``; ``on_anticoagulation`` picks
    the INR rows "if on anticoagulation" (CTCAE v5.0, INR increased). The grade is
    derived from exactly these columns by
    :func:`cartrial.safety.lab_input.lab_record` (the one assembly of the engine's
    input, shared with ``cartrial safety grade-lab``).
    """

    __tablename__ = "lab_result"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    collected_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    test: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(16))
    ctcae_term: Mapped[str | None] = mapped_column(String(200))
    uln: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    lln: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    baseline: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    on_anticoagulation: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    derived_grade: Mapped[int | None] = mapped_column(Integer)
    derivation_reason: Mapped[str | None] = mapped_column(Text)
    engine_version: Mapped[str | None] = mapped_column(String(64))


class AdverseEvent(Record):
    """An adverse event as reported, with the grade derived by the safety engine."""

    __tablename__ = "adverse_event"
    __table_args__ = (
        CheckConstraint(_in("grading_scale", GRADING_SCALES), name="grading_scale"),
        CheckConstraint("reported_grade BETWEEN 1 AND 5", name="reported_grade"),
    )

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    term: Mapped[str] = mapped_column(String(200))
    onset_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    grading_scale: Mapped[str] = mapped_column(String(16))
    reported_grade: Mapped[int] = mapped_column(Integer)
    is_serious: Mapped[bool] = mapped_column(Boolean, default=False)
    relatedness: Mapped[str | None] = mapped_column(String(32))
    derived_grade: Mapped[int | None] = mapped_column(Integer)
    derivation_reason: Mapped[str | None] = mapped_column(Text)
    engine_version: Mapped[str | None] = mapped_column(String(64))
    # An infection's organism and presentation (revision 0011): what the AESI
    # "serious or opportunistic infection" reads (cartrial.safety.infections).
    pathogen: Mapped[str | None] = mapped_column(String(200))
    presentation: Mapped[str | None] = mapped_column(String(64))


class AeObservation(Record):
    """One time-stamped CRS or ICANS observation (ASTCT 2019), stored as the engine reads it.

    ``kind`` is the engine's (``temperature``, ``blood_pressure``, ``oxygen``,
    ``medication``, ``death`` for CRS; ``icans_assessment`` for ICANS);
    ``payload_json`` is the observation as validated by ``cartrial.safety.astct_input``.
    """

    __tablename__ = "ae_observation"

    adverse_event_id: Mapped[str] = mapped_column(ForeignKey("adverse_event.id"), index=True)
    observed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    payload_json: Mapped[str] = mapped_column(Text)
