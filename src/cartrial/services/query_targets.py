"""What a data query may point at: a declared list of trial tables and their fields.

A data query questions one field of one record of one subject (ICH E6(R3) 3.16.1:
the sponsor's data-handling queries to the site on the subject's data). Before issue 14
``table_name`` and ``record_id`` were stored as given, so a query could name another
site's record or ``user_account.password_hash``. A query now points only at

* a table of :data:`QUERYABLE`: the audited trial tables that hold one subject's data
  (a ``subject_id`` column, or a parent that has one: an AE observation's adverse event,
  a custody hand-off's lot or collection), and ``subject`` itself; not accounts, grants,
  sessions, signatures, protocols, site-wide decisions, nor the oversight records
  (queries, locks, DLT adjudications);
* a field of that table's data: every column but the record's bookkeeping (``id``,
  ``version``, links to other records) and the columns the audit trail redacts (secrets);
* a record of that table belonging to the query's subject.

Anything else is refused: an unknown table or field is a 422 naming it and listing the
choices, a record of another subject the actor may see is a 422 naming ``record_id``,
and a record that does not exist or belongs to a subject the actor may not see is a 404
worded as for a record that does not exist (OWASP Authorization cheat sheet: "return
404 rather than 403" so the answer does not confirm the record exists).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.store.models import (
    AdverseEvent,
    AeObservation,
    Apheresis,
    CustodyEvent,
    ProductLot,
    Record,
    Subject,
)

__all__ = ["QUERYABLE", "check_query_target"]

#: Tables with a subject link that are oversight records, not the site's data.
_OVERSIGHT = frozenset({"data_query", "data_lock", "dlt_adjudication"})

#: Tables whose subject is their parent's: (column, parent class), tried in order.
_PARENTS: Mapping[str, tuple[tuple[str, type[Record]], ...]] = {
    "ae_observation": (("adverse_event_id", AdverseEvent),),
    "custody_event": (("lot_id", ProductLot), ("apheresis_id", Apheresis)),
}

_BOOKKEEPING = frozenset({"id", "version", "subject_id"})


def _record_classes() -> dict[str, type[Record]]:
    out: dict[str, type[Record]] = {}
    for mapper in Record.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Record) and not cls.__dict__.get("__abstract__", False):
            out[cls.__tablename__] = cls
    return out


def _fields(cls: type[Record]) -> tuple[str, ...]:
    links = {column for column, _parent in _PARENTS.get(cls.__tablename__, ())}
    return tuple(
        sorted(
            attr.key
            for attr in inspect(cls).column_attrs
            if attr.key not in _BOOKKEEPING | links | cls.__audit_redact__
            and not attr.columns[0].foreign_keys
        )
    )


def _queryable() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for table, cls in sorted(_record_classes().items()):
        columns = {attr.key for attr in inspect(cls).column_attrs}
        of_a_subject = cls is Subject or "subject_id" in columns or table in _PARENTS
        if of_a_subject and table not in _OVERSIGHT:
            out[table] = _fields(cls)
    return out


#: table -> the fields a query may name in it (derived from the audited trial tables).
QUERYABLE: Mapping[str, tuple[str, ...]] = _queryable()

# AeObservation and CustodyEvent are named so that the parent table above stays in step.
assert {AeObservation.__tablename__, CustodyEvent.__tablename__} <= set(QUERYABLE)


def _owner(session: Session, table: str, record: Record) -> str | None:
    """The id of the subject whose data ``record`` is."""
    if isinstance(record, Subject):
        return record.id
    for column, parent_cls in _PARENTS.get(table, ()):
        parent_id = getattr(record, column)
        if parent_id is not None:
            parent = session.get(parent_cls, parent_id)
            return None if parent is None else _owner(session, parent_cls.__tablename__, parent)
    value = getattr(record, "subject_id", None)
    return value if isinstance(value, str) else None


def check_query_target(
    session: Session, actor: Actor, subject: Subject, table_name: str, record_id: str, field: str
) -> None:
    """Refuse a query target that is not a queryable field of a record of ``subject``.

    ``subject`` is already in ``actor``'s scope (the caller loaded it for ``query.open``).
    """
    if table_name not in QUERYABLE:
        raise InputError("table_name", table_name, f"one of {', '.join(QUERYABLE)}")
    if field not in QUERYABLE[table_name]:
        raise InputError(
            "field", field, f"a field of {table_name}: {', '.join(QUERYABLE[table_name])}"
        )
    if "\x00" in record_id:  # PostgreSQL text cannot hold NUL: no record has such an id
        raise NotFoundError(f"{table_name} record", record_id)
    record = session.get(_record_classes()[table_name], record_id)
    owner_id = None if record is None else _owner(session, table_name, record)
    if owner_id == subject.id:
        return
    owner = None if owner_id is None else session.get(Subject, owner_id)
    if owner is None or (actor.site_id is not None and owner.site_id != actor.site_id):
        raise NotFoundError(f"{table_name} record", record_id)
    raise InputError("record_id", record_id, f"a {table_name} record of subject {subject.code}")
