"""Safety oversight and data management: DLTs, escalation decisions, queries, locks."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.access import _in
from cartrial.store.models.base import Record, UtcDateTime, utcnow
from cartrial.vocabulary import (
    DLT_OUTCOMES,
    ESCALATION_ACTIONS,
    LEGACY_ESCALATION_ACTIONS,
    QUERY_STATUSES,
)

__all__ = ["DataLock", "DataQuery", "DltAdjudication", "EscalationDecision"]


class DltAdjudication(Record):
    """A subject's DLT adjudication (``cartrial.safety.dlt``): outcome, rule, reason.

    ``adverse_event_id`` names the AE that triggered the DLT (none when no DLT).
    """

    __tablename__ = "dlt_adjudication"
    __table_args__ = (CheckConstraint(_in("outcome", DLT_OUTCOMES), name="outcome"),)

    adverse_event_id: Mapped[str | None] = mapped_column(ForeignKey("adverse_event.id"), index=True)
    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    is_dlt: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(16))
    dose_level: Mapped[int | None] = mapped_column(Integer)
    rule_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    engine_version: Mapped[str] = mapped_column(String(64))
    adjudicated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class EscalationDecision(Record):
    """A dose-escalation decision from the engine, approved by the safety committee.

    ``action`` is the engine's own word (:data:`cartrial.vocabulary.ESCALATION_ACTIONS`);
    decisions recorded before revision 0008 may hold the old spelling ``deescalate``
    (:data:`~cartrial.vocabulary.LEGACY_ESCALATION_ACTIONS`), kept as signed.
    """

    __tablename__ = "escalation_decision"
    __table_args__ = (
        CheckConstraint(
            _in("action", ESCALATION_ACTIONS + LEGACY_ESCALATION_ACTIONS), name="action"
        ),
    )

    protocol_id: Mapped[str] = mapped_column(String(64), index=True)
    current_level: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    next_level: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    engine_version: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class DataQuery(Record):
    """A data query on one field of one record: open -> answered -> closed."""

    __tablename__ = "data_query"
    __table_args__ = (CheckConstraint(_in("status", QUERY_STATUSES), name="status"),)

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    answer: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class DataLock(Record):
    """A lock on one subject's data: no change while ``lifted_at`` is empty."""

    __tablename__ = "data_lock"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    locked_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
