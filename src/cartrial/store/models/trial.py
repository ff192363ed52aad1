"""Protocol versions, subjects and their lifecycle, screening, eligibility, holds.

The subject status is a server-enforced state machine (21 CFR 11.10(f),
operational sequence checks): :data:`cartrial.vocabulary.TRANSITIONS` lists every
allowed change and :func:`cartrial.store.audit` refuses any other before it reaches
the database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.access import _in
from cartrial.store.models.base import Record, UtcDateTime, utcnow
from cartrial.vocabulary import STATUSES

__all__ = [
    "EligibilityDecision",
    "EnrolmentHold",
    "ProtocolVersion",
    "ScreeningEntry",
    "Subject",
]


class ProtocolVersion(Record):
    """A protocol file as registered: its YAML text and SHA-256 (Annex 11 section 10)."""

    __tablename__ = "protocol_version"
    __table_args__ = (UniqueConstraint("protocol_id", "sha256"),)

    protocol_id: Mapped[str] = mapped_column(String(64), index=True)
    label: Mapped[str] = mapped_column(String(200))
    yaml_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Subject(Record):
    """A trial subject at one site under one protocol version."""

    __tablename__ = "subject"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        UniqueConstraint("protocol_version_id", "code"),
    )

    code: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    protocol_version_id: Mapped[str] = mapped_column(ForeignKey("protocol_version.id"))
    status: Mapped[str] = mapped_column(String(20), default="screening")
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    dose_level: Mapped[int | None] = mapped_column(Integer)
    chain_of_identity_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class ScreeningEntry(Record):
    """The screening data as entered (a ``ScreeningRecord`` as JSON) and its evaluation."""

    __tablename__ = "screening"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    record_json: Mapped[str] = mapped_column(Text)
    entered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EligibilityDecision(Record):
    """The eligibility engine's decision, its reason and per-criterion verdicts."""

    __tablename__ = "eligibility_decision"
    __table_args__ = (
        CheckConstraint(_in("decision", ("eligible", "not_eligible", "incomplete")), "decision"),
    )

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    screening_id: Mapped[str] = mapped_column(ForeignKey("screening.id"))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    verdicts_json: Mapped[str] = mapped_column(Text)
    engine_version: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EnrolmentHold(Record):
    """A hold on enrolment and infusion for a protocol (safety committee, sponsor)."""

    __tablename__ = "enrolment_hold"

    protocol_id: Mapped[str] = mapped_column(String(64), index=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
