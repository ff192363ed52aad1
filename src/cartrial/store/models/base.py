"""Declarative base, column types and the mixin every trial record shares.

- ids are UUID strings made by the application, so an audit entry can name a
  record before the database has written it (21 CFR 11.10(e): the entry is
  written in the same transaction as the change);
- ``version`` is SQLAlchemy's optimistic-locking column: an UPDATE whose
  version no longer matches touches no row and is refused (no lost update);
- times are stored as naive UTC and returned as aware UTC on every backend, so
  the audit hash chain reads the same on SQLite and PostgreSQL (Annex 11 section
  9: time-stamped entries).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import DateTime, Integer, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from cartrial import clock

__all__ = ["Base", "Record", "UtcDateTime", "new_id", "utcnow"]

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A new record id (UUID4 text; seeded under a simulation, :mod:`cartrial.clock`)."""
    return clock.new_id()


def utcnow() -> dt.datetime:
    """The server's current time in UTC (never the client's clock; :mod:`cartrial.clock`)."""
    return clock.utcnow()


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC, returned aware; naive input is refused.

    >>> t = UtcDateTime()
    >>> t.process_bind_param(dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), None)
    datetime.datetime(2026, 1, 2, 3, 4)
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            from cartrial.errors import InputError

            raise InputError("time", value.isoformat(), "a time with a UTC offset")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Record(Base):
    """A trial record: UUID id, optimistic-locking version, audited on every change.

    ``__audit_redact__`` names columns whose values never enter the audit trail
    (password and token hashes): the entry says they changed, not to what.
    """

    __abstract__ = True
    __audit_redact__: ClassVar[frozenset[str]] = frozenset()

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}
