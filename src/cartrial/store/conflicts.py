"""Two writers of one record, or of one unique value, as a :class:`ConflictError`.

The database stops the second of two concurrent writers in two ways:

- an UPDATE whose ``version`` no longer matches touches no row, and SQLAlchemy
  raises ``StaleDataError`` (the optimistic locking of :mod:`cartrial.store.models.base`);
- a second row with a value that must be unique (a collection id, a lot number,
  the one death of a subject) fails its constraint: ``IntegrityError``.

Neither is a bug (HTTP 500) and neither may be retried into an overwrite: 21 CFR
11.10(e) asks that changes "not obscure previously recorded information". So
:func:`explain` names the record and both values, and the transaction is rolled
back with nothing stored:

- stale: :class:`~cartrial.errors.ConflictError` with the record, the field both
  writers changed (else the first the refused writer changed), the value now
  stored, the value refused and the version now stored;
- unique: :class:`~cartrial.errors.DuplicateError` with the table, the field and
  value, and the record already there (with the fields in which the two differ
  when both belong to one subject).

What a flush writes is remembered before it runs (``before_flush``), because a
failed flush expires the records it was updating. A failure that is neither (a
foreign key or a check constraint: a bug) is left as it is. The transaction
context of every use case (:func:`cartrial.services.context.transaction`) calls
:func:`explain`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Index, UniqueConstraint, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from cartrial.errors import ConflictError, DuplicateError
from cartrial.store.audit import REDACTED, canonical_text, record_values
from cartrial.store.db import TrialSession
from cartrial.store.models import Record

__all__ = ["explain"]

_WRITTEN = "conflicts.written"


@dataclass(frozen=True)
class _Written:
    """One record a flush inserts (``version`` None) or updates, as it was before the flush.

    An insert keeps only the record: a pending record keeps its values after a
    rolled-back flush, while an updated one is expired (so its values are copied).
    """

    cls: type[Record]
    record_id: str
    version: int | None
    changes: tuple[tuple[str, Any, Any], ...]  # (field, value read, value written)
    unique: dict[str, Any]  # the record's values of columns in a unique key
    obj: Record


@functools.cache
def _unique_keys(cls: type[Record]) -> tuple[tuple[str, ...], ...]:
    """The column names of every unique constraint and unique index of ``cls``'s table."""
    table = cls.__table__
    keys = [
        tuple(c.name for c in constraint.columns)
        for constraint in table.constraints  # type: ignore[attr-defined]
        if isinstance(constraint, UniqueConstraint)
    ]
    keys += [
        tuple(c.name for c in index.columns)
        for index in table.indexes  # type: ignore[attr-defined]
        if isinstance(index, Index) and index.unique
    ]
    return tuple(dict.fromkeys(keys))


def _changes(obj: Record) -> tuple[tuple[str, Any, Any], ...]:
    state = inspect(obj)
    out = []
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if attr.key != "version" and history.added:
            old = history.deleted[0] if history.deleted else None
            out.append((attr.key, old, history.added[0]))
    return tuple(out)


@event.listens_for(TrialSession, "before_flush")
def _remember(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    written = []
    for obj in session.new:
        if isinstance(obj, Record):
            written.append(_Written(type(obj), obj.id, None, (), {}, obj))
    for obj in session.dirty:
        if isinstance(obj, Record) and (changes := _changes(obj)):
            keys = {c for key in _unique_keys(type(obj)) for c in key}
            unique = {c: getattr(obj, c) for c in keys}
            written.append(_Written(type(obj), obj.id, obj.version, changes, unique, obj))
    session.info[_WRITTEN] = written


def explain(
    sessions: sessionmaker[TrialSession], info: dict[str, Any], exc: Exception
) -> ConflictError | None:
    """The conflict behind ``exc`` raised by a flush of the session whose ``info`` this is.

    Reads what is stored now in a new session; None when ``exc`` is not a
    concurrent write or a repeated unique value (the caller re-raises it).
    """
    written: list[_Written] = info.get(_WRITTEN, [])
    if not isinstance(exc, StaleDataError | IntegrityError) or not written:
        return None
    with sessions() as fresh:
        if isinstance(exc, StaleDataError):
            return _stale(fresh, written)
        return _duplicate(fresh, written)


def _shown(cls: type[Record], field: str, value: Any) -> str | None:
    return REDACTED if field in cls.__audit_redact__ else canonical_text(value)


def _stale(fresh: Session, written: list[_Written]) -> ConflictError | None:
    for w in written:
        if w.version is None:
            continue
        now = fresh.get(w.cls, w.record_id)
        if now is None or now.version == w.version:
            continue
        # The field both writers changed, else the first one the refused writer changed.
        both = [c for c in w.changes if canonical_text(getattr(now, c[0])) != canonical_text(c[1])]
        field, _read, value = (both or list(w.changes))[0]
        return ConflictError(
            table=w.cls.__tablename__,
            record_id=w.record_id,
            field=field,
            yours=_shown(w.cls, field, value),
            theirs=_shown(w.cls, field, getattr(now, field)),
            version=now.version,
        )
    return None


def _values_of(w: _Written) -> dict[str, Any]:
    if w.version is None:  # an insert: the pending record keeps its values after a rollback
        return {c.key: getattr(w.obj, c.key) for c in inspect(w.cls).column_attrs}
    return w.unique


def _duplicate(fresh: Session, written: list[_Written]) -> DuplicateError | None:
    for w in written:
        values = _values_of(w)
        changed = {field for field, _old, _new in w.changes}
        for key in _unique_keys(w.cls):
            if any(values.get(c) is None for c in key):
                continue  # NULLs never clash
            if w.version is not None and not changed & set(key):
                continue  # an update that left this key as it was
            clause = [getattr(w.cls, c) == values[c] for c in key]
            ours = w.obj.id if w.version is None else w.record_id  # an insert's id is set by now
            existing = fresh.scalars(
                select(w.cls).where(*clause, w.cls.id != ours).limit(1)
            ).first()
            if existing is not None:
                return _duplicate_error(w, key, values, existing)
    return None


def _duplicate_error(
    w: _Written, key: tuple[str, ...], values: dict[str, Any], existing: Record
) -> DuplicateError:
    field = key[-1]  # (protocol_version_id, code): the code is what a person typed
    subject = values.get("subject_id")
    theirs_subject = getattr(existing, "subject_id", None)
    if w.version is not None or subject is None or theirs_subject != subject:
        return DuplicateError(
            table=w.cls.__tablename__,
            field=field,
            value=canonical_text(values[field]),
            existing_id=None,
        )
    ours = record_values(w.obj)
    theirs = record_values(existing)
    generated = {c.key for c in w.cls.__table__.columns if c.default is not None}
    compared = [k for k in ours if k != "id" and k not in key and k not in generated]
    differ = [k for k in compared if ours[k] != theirs[k]]
    return DuplicateError(
        table=w.cls.__tablename__,
        field=field,
        value=canonical_text(values[field]),
        existing_id=existing.id,
        stored={k: theirs[k] for k in differ},
        yours={k: ours[k] for k in differ},
    )
