"""Follow-up records: tumour assessments and lesions, samples and assay results,
concomitant medications, deaths and withdrawals.

Inputs are stored as measured; responses derived by ``cartrial.response`` are
stored beside them with reason and engine version.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.access import _in
from cartrial.store.models.base import Record, UtcDateTime
from cartrial.vocabulary import ASSAYS, LESION_KINDS, LESION_TYPES

__all__ = [
    "AssayResult",
    "ConMed",
    "Death",
    "LesionMeasurement",
    "Sample",
    "TumourAssessment",
    "Withdrawal",
]


class TumourAssessment(Record):
    """One imaging time point, with the time-point response derived by the engine."""

    __tablename__ = "tumour_assessment"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(32))
    criteria: Mapped[str] = mapped_column(String(16))
    derived_response: Mapped[str | None] = mapped_column(String(16))
    derivation_reason: Mapped[str | None] = mapped_column(Text)
    engine_version: Mapped[str | None] = mapped_column(String(64))


class LesionMeasurement(Record):
    """One lesion at one assessment (RECIST 1.1: longest diameter, short axis for nodes).

    ``status`` when there is no measurement: targets ``disappeared``, ``too_small``,
    ``not_evaluated``; non-targets ``present``, ``absent``, ``unequivocal_progression``.
    ``lesion_type``, ``previously_irradiated`` and ``progressed_since_irradiation``
    decide measurability apart from size (RECIST 1.1 sections 3.1.2-3.1.3);
    ``scanned_on`` is the day of this lesion's scan when the assessment's scans were
    done on different days (progression dated by the earliest scan, FDA 2018).
    """

    __tablename__ = "lesion_measurement"
    __table_args__ = (
        CheckConstraint(_in("kind", LESION_KINDS), name="kind"),
        CheckConstraint(_in("lesion_type", LESION_TYPES), name="lesion_type"),
    )

    assessment_id: Mapped[str] = mapped_column(ForeignKey("tumour_assessment.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    lesion_code: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(100))
    is_nodal: Mapped[bool] = mapped_column(Boolean, default=False)
    diameter_mm: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    status: Mapped[str | None] = mapped_column(String(32))
    lesion_type: Mapped[str] = mapped_column(String(40), default="mass")
    previously_irradiated: Mapped[bool] = mapped_column(Boolean, default=False)
    progressed_since_irradiation: Mapped[bool] = mapped_column(Boolean, default=False)
    scanned_on: Mapped[dt.date | None] = mapped_column(Date)


class Sample(Record):
    """A biological sample with its identifier, analyte, matrix and collection time."""

    __tablename__ = "sample"
    __table_args__ = (CheckConstraint(_in("analyte", ASSAYS), name="analyte"),)

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    sample_code: Mapped[str] = mapped_column(String(40), unique=True)
    analyte: Mapped[str] = mapped_column(String(32))
    matrix: Mapped[str] = mapped_column(String(16))
    study_day: Mapped[int | None] = mapped_column(Integer)
    collected_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AssayResult(Record):
    """A result on a sample: CAR copies (qPCR), a cytokine, anti-drug antibodies."""

    __tablename__ = "assay_result"

    sample_id: Mapped[str] = mapped_column(ForeignKey("sample.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    test: Mapped[str] = mapped_column(String(32))
    value: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    unit: Mapped[str | None] = mapped_column(String(32))
    result_text: Mapped[str | None] = mapped_column(String(64))
    lloq: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))


class ConMed(Record):
    """A concomitant medication (tocilizumab, steroids, anti-infectives, ...)."""

    __tablename__ = "con_med"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    indication: Mapped[str | None] = mapped_column(String(200))
    dose: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    adverse_event_id: Mapped[str | None] = mapped_column(ForeignKey("adverse_event.id"))


class Death(Record):
    __tablename__ = "death"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), unique=True)
    died_on: Mapped[dt.date] = mapped_column(Date)
    cause: Mapped[str] = mapped_column(Text)


class Withdrawal(Record):
    __tablename__ = "withdrawal"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), unique=True)
    withdrawn_on: Mapped[dt.date] = mapped_column(Date)
    initiated_by: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
