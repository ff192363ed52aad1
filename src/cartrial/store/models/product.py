"""Chain of identity and custody: apheresis, product lots, custody hand-offs.

In the spirit of ISBT 128 ST-028 (Chain of Identity Identifier) the subject
gets a chain-of-identity (CoI) id at enrolment; every apheresis collection and
product lot carries it, and the bedside scan at infusion must match it.
Custody hand-offs record who, when, where and the condition (ISBT 128
ST-028 / FACT-JACIE chain of custody).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cartrial.store.models.access import _in
from cartrial.store.models.base import Record, UtcDateTime
from cartrial.vocabulary import LOT_STATUSES

__all__ = ["Apheresis", "CustodyEvent", "ProductLot"]


class Apheresis(Record):
    """A leukapheresis collection, labelled with the subject's CoI id."""

    __tablename__ = "apheresis"

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    chain_of_identity_id: Mapped[str] = mapped_column(String(20))
    collection_id: Mapped[str] = mapped_column(String(32), unique=True)
    collected_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class ProductLot(Record):
    """A manufactured CAR-T lot: CoI id, lot number, release status, viable CAR+ cells."""

    __tablename__ = "product_lot"
    __table_args__ = (CheckConstraint(_in("status", LOT_STATUSES), name="status"),)

    subject_id: Mapped[str] = mapped_column(ForeignKey("subject.id"), index=True)
    apheresis_id: Mapped[str] = mapped_column(ForeignKey("apheresis.id"))
    chain_of_identity_id: Mapped[str] = mapped_column(String(20))
    lot_number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="manufacturing")
    viable_car_cells: Mapped[int | None] = mapped_column(BigInteger)
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    release_note: Mapped[str | None] = mapped_column(Text)


class CustodyEvent(Record):
    """One hand-off of a collection or lot: from whom to whom, when, where, condition."""

    __tablename__ = "custody_event"

    lot_id: Mapped[str | None] = mapped_column(ForeignKey("product_lot.id"), index=True)
    apheresis_id: Mapped[str | None] = mapped_column(ForeignKey("apheresis.id"))
    chain_of_identity_id: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    from_party: Mapped[str] = mapped_column(String(200))
    to_party: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    condition: Mapped[str] = mapped_column(String(200))
