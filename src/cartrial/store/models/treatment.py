"""Lymphodepletion administrations and the CAR-T infusion."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.base import Record, UtcDateTime

__all__ = ["Infusion", "LymphodepletionDose"]


class LymphodepletionDose(Record):
    """One daily dose of one lymphodepleting agent (study day -5..-3 typically)."""

    __tablename__ = "lymphodepletion_dose"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    study_day: Mapped[int] = mapped_column(Integer)
    dose_mg: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    completed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Infusion(Record):
    """The CAR-T infusion as given, after every interlock passed."""

    __tablename__ = "infusion"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), unique=True)
    lot_id: Mapped[str] = mapped_column(ForeignKey("product_lot.id"))
    scanned_chain_of_identity_id: Mapped[str] = mapped_column(String(20))
    dose_level: Mapped[int] = mapped_column(Integer)
    cells_infused: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
