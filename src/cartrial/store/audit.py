"""The audit trail: written at every flush, hash-chained, verifiable.

Rules implemented (TRIAL_DATA.md section 1.6 row 5):

1. Every insert and update of a trial record writes audit entries in the same
   transaction (21 CFR 11.10(e); Annex 11 section 9): sequence, server UTC time,
   user, role, site, table, record id, field, old value, new value, reason.
   An insert writes one entry holding all the record's values; an update writes
   one entry per changed field, so prior values are never obscured.
2. A change after first entry needs a reason (Annex 11 section 9: "the reason
   should be documented"); without one the flush is refused. Filling a field
   that was empty (a visit's actual date) is that field's first entry.
3. Trial data are never hard-deleted: a DELETE is refused here and by database
   triggers (21 CFR 11.10(c), protection of records).
4. A subject's status only moves along :data:`~cartrial.vocabulary.TRANSITIONS`
   (21 CFR 11.10(f), operational sequence checks); a locked subject's data cannot
   change.
5. Entry ``n`` stores ``sha256(entry n-1's hash + entry n's fields)``;
   :func:`verify_chain` recomputes the chain and names the first broken entry.
   Writers serialise on the chain head: PostgreSQL with a transaction-scoped
   advisory lock, SQLite with ``BEGIN IMMEDIATE``. The entries of a flush are
   plain INSERTs written after the flush's own records (``after_flush``), so on
   PostgreSQL the lock is taken as late as possible and held only for one round
   trip (lock, head read, and whether a subject the flush touched is locked),
   the hashing, one INSERT and the COMMIT. Checking data locks under the chain
   lock also means a data lock committed by another writer is always seen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, inspect, select, text
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction

from cartrial.actor import SYSTEM, Actor
from cartrial.errors import CartrialError, DataLocked, InputError, InvalidTransition
from cartrial.store.db import TrialSession
from cartrial.store.models import AuditEntry, DataLock, Record, Subject, utcnow
from cartrial.vocabulary import TRANSITIONS

__all__ = [
    "CHAIN_HEAD",
    "EXPORT_SOURCES",
    "GENESIS",
    "Actor",
    "ChainReport",
    "canonical_text",
    "compute_entry_sha256",
    "record_event",
    "record_export",
    "record_sha256",
    "record_values",
    "verify_chain",
]

GENESIS = "0" * 64
_ADVISORY_KEY = 7_202_611  # any constant: one chain per database
REDACTED = "[redacted]"


def canonical_text(value: Any) -> str | None:
    """One text form per value, the same on every backend.

    >>> canonical_text(Decimal("70.50")), canonical_text(True), canonical_text(None)
    ('70.5', 'true', None)
    >>> canonical_text(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC))
    '2026-03-01T08:00:00.000000Z'

    The year has four digits whatever the platform (``strftime("%Y")`` writes year 13
    as ``13`` on glibc, which no ISO 8601 reader accepts):

    >>> canonical_text(dt.datetime(13, 1, 22, 13, 18, 46, tzinfo=dt.UTC))
    '0013-01-22T13:18:46.000000Z'
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text_ = format(value.normalize(), "f")
        return text_
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        utc = aware.astimezone(dt.UTC)
        return f"{utc.year:04d}" + utc.strftime("-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def record_values(obj: Record, *, redact: bool = True) -> dict[str, str | None]:
    """The record's column values as canonical text (``version`` left out)."""
    mapper = inspect(type(obj))
    out: dict[str, str | None] = {}
    for attr in mapper.column_attrs:
        if attr.key == "version":
            continue
        value = getattr(obj, attr.key)
        if redact and attr.key in obj.__audit_redact__ and value is not None:
            out[attr.key] = REDACTED
        else:
            out[attr.key] = canonical_text(value)
    return out


def record_sha256(obj: Record) -> str:
    """SHA-256 of the record's content, the binding of a signature (21 CFR 11.70)."""
    payload = json.dumps(
        record_values(obj, redact=False), sort_keys=True, ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def compute_entry_sha256(prev_sha256: str, entry: AuditEntry) -> str:
    """The chained hash of ``entry`` given the previous entry's hash."""
    return _entry_sha256(prev_sha256, {name: getattr(entry, name) for name in _HASHED_FIELDS})


#: The entry's fields in the order they enter its hash, after the previous entry's hash.
_HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "role",
    "site_id",
    "action",
    "table_name",
    "record_id",
    "field",
    "old_value",
    "new_value",
    "reason",
)


def _entry_sha256(prev_sha256: str, row: dict[str, Any]) -> str:
    fields = [prev_sha256, *(row[name] for name in _HASHED_FIELDS)]
    fields[2] = canonical_text(row["at"])
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# One round trip on psycopg: the lock, then the head read as a statement of its own,
# so that (READ COMMITTED) its snapshot is taken after the lock is granted and sees
# every entry the previous holder committed; then, when the flush touched subjects,
# whether any of them is locked (read under the chain lock, so a data lock committed
# by a writer before us is always seen).
_LOCK_AND_HEAD = (
    f"SELECT pg_advisory_xact_lock({_ADVISORY_KEY}); "
    "SELECT seq, entry_sha256 FROM audit_entry ORDER BY seq DESC LIMIT 1"
)
_LOCKED_SUBJECT_SQL = (
    "; SELECT subject.code FROM data_lock JOIN subject ON subject.id = data_lock.subject_id "
    "WHERE data_lock.subject_id = ANY({ids}) AND data_lock.lifted_at IS NULL LIMIT 1"
)

# Built once, so that SQLAlchemy reuses its compiled form and result layout unchanged.
_LOCKED_SUBJECT = (
    select(Subject.code)
    .join(DataLock, DataLock.subject_id == Subject.id)
    .where(DataLock.subject_id.in_(bindparam("ids", expanding=True)), DataLock.lifted_at.is_(None))
    .limit(1)
)
#: The chain's last entry: ``(seq, entry_sha256)``, no row on an empty trail.
CHAIN_HEAD = (
    select(AuditEntry.seq, AuditEntry.entry_sha256).order_by(AuditEntry.seq.desc()).limit(1)
)


def _chain_head(session: Session, touched: set[str]) -> tuple[int, str]:
    """Take the chain lock and read its head; refuse if a touched subject is locked."""
    head = session.info.get("audit_head")
    if head is not None:  # the lock is already held by this transaction
        _refuse_locked(session, touched)
        return (int(head[0]), str(head[1]))
    connection = session.connection()
    dialect = connection.dialect
    row: Any
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        from psycopg import sql

        query = _LOCK_AND_HEAD
        if touched:
            query += (
                sql.SQL(_LOCKED_SUBJECT_SQL).format(ids=sql.Literal(sorted(touched))).as_string()
            )
        dbapi_connection: Any = connection.connection.dbapi_connection
        with dbapi_connection.cursor() as cursor:
            cursor.execute(query, prepare=False)
            cursor.nextset()
            row = cursor.fetchone()
            if touched:
                cursor.nextset()
                locked = cursor.fetchone()
                if locked is not None:
                    raise DataLocked(locked[0])
    else:
        if dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_KEY})
        row = connection.execute(CHAIN_HEAD).first()
        _refuse_locked(session, touched)
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def _refuse_locked(session: Session, subject_ids: set[str]) -> None:
    if not subject_ids:
        return
    locked = session.connection().execute(_LOCKED_SUBJECT, {"ids": sorted(subject_ids)}).scalar()
    if locked is not None:
        raise DataLocked(locked)


_AUDIT_INSERT = cast(Table, AuditEntry.__table__).insert()


def _append(session: Session, rows: list[dict[str, Any]], touched: set[str] | None = None) -> None:
    """Number, chain and insert ``rows`` (a plain INSERT, no ORM objects) under the lock.

    ``touched``: the subjects whose data the rows change; a locked one refuses them all.
    """
    if not rows:
        return
    actor: Actor = session.info.get("actor") or SYSTEM
    seq, prev = _chain_head(session, touched or set())
    now = utcnow()
    entries = []
    for row in rows:
        seq += 1
        entry = {
            "seq": seq,
            "at": now,
            "user_id": actor.user_id,
            "username": actor.username,
            "role": actor.role,
            "site_id": actor.site_id,
            **row,
            "prev_sha256": prev,
        }
        prev = entry["entry_sha256"] = _entry_sha256(prev, entry)
        entries.append(entry)
    session.connection().execute(_AUDIT_INSERT, entries)
    session.info["audit_head"] = (seq, prev)


def record_event(
    session: Session,
    *,
    action: str,
    table_name: str,
    record_id: str,
    field: str | None = None,
    old_value: str | None = None,
    new_value: str | None = None,
    reason: str | None = None,
) -> None:
    """Append one explicit entry (signature, refused interlock, login) to the trail."""
    _append(
        session,
        [
            {
                "action": action,
                "table_name": table_name,
                "record_id": record_id,
                "field": field,
                "old_value": old_value,
                "new_value": new_value,
                "reason": reason,
            }
        ],
    )


#: Where a copy was asked for: the command line or the REST API (TRIAL_DATA.md 1.6 row 5).
EXPORT_SOURCES = ("cli", "api", "web")


def record_export(
    session: Session,
    *,
    table_name: str,
    record_id: str,
    field: str,
    what: str,
    source: str,
) -> None:
    """An ``export`` entry: who (the session's actor), what was copied, and its source.

    TRIAL_DATA.md section 1.6 row 5 lists ``export`` among the audited actions,
    with the source (UI, API, import job). The trail has no source column, so
    the entry's new value ends with it: ``<what>; source: cli``. Written by the
    caller in its own short transaction once the read has succeeded.
    """
    if source not in EXPORT_SOURCES:
        raise InputError("source", source, "one of " + ", ".join(EXPORT_SOURCES))
    record_event(
        session,
        action="export",
        table_name=table_name,
        record_id=record_id,
        field=field,
        new_value=f"{what}; source: {source}",
    )


def _check_transition(obj: Subject, old: Any) -> None:
    new = obj.status
    if old is None:
        if new != "screening":
            raise InvalidTransition(
                subject=obj.code, current="(new)", requested=new, allowed=["screening"]
            )
        return
    allowed = TRANSITIONS.get(str(old), ())
    if new not in allowed:
        raise InvalidTransition(subject=obj.code, current=str(old), requested=new, allowed=allowed)


def _subject_of(obj: Record) -> str | None:
    if isinstance(obj, Subject):
        return obj.id
    if isinstance(obj, DataLock):
        return None  # placing or lifting a lock is itself allowed
    value = getattr(obj, "subject_id", None)
    return value if isinstance(value, str) else None


def _changes(obj: Record) -> list[tuple[str, Any, Any]]:
    state = inspect(obj)
    out = []
    for attr in state.mapper.column_attrs:
        if attr.key == "version":
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if canonical_text(old) != canonical_text(new):
            out.append((attr.key, old, new))
    return out


@event.listens_for(TrialSession, "before_flush")
def _before_flush(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    session.info.pop("audit_rows", None)  # left by a flush that failed
    for obj in session.deleted:
        if isinstance(obj, Record):
            raise CartrialError(
                f"{obj.__tablename__} {obj.id}: trial data are never deleted (21 CFR 11.10(c)); "
                "record a correction with a reason instead"
            )
    rows: list[dict[str, Any]] = []
    touched: set[str] = set()
    reason = session.info.get("reason")
    for obj in list(session.new):
        if not isinstance(obj, Record):
            continue
        _apply_defaults(obj)
        if isinstance(obj, Subject):
            _check_transition(obj, None)
        values = record_values(obj)
        rows.append(
            {
                "action": "insert",
                "table_name": obj.__tablename__,
                "record_id": obj.id,
                "field": None,
                "old_value": None,
                "new_value": json.dumps(
                    values, sort_keys=True, ensure_ascii=False, allow_nan=False
                ),
                "reason": reason,
            }
        )
        if (sid := _subject_of(obj)) is not None and not isinstance(obj, Subject):
            touched.add(sid)
    # The session's dirty set has no stable order (it follows the identity map), so
    # the changes of one flush are written in (table, record id) order: the same
    # changes always give the same trail and the same chain hashes.
    dirty = sorted(
        (obj for obj in session.dirty if isinstance(obj, Record)),
        key=lambda obj: (obj.__tablename__, obj.id),
    )
    for obj in dirty:
        changes = _changes(obj)
        if not changes:
            continue
        if not reason and any(old is not None for _field, old, _new in changes):
            raise InputError(
                "reason",
                None,
                f"a reason for changing {obj.__tablename__} {obj.id} "
                "(Annex 11 section 9: required for any change after first entry)",
            )
        for field, old, new in changes:
            if isinstance(obj, Subject) and field == "status":
                _check_transition(obj, old)
            redacted = field in obj.__audit_redact__
            rows.append(
                {
                    "action": "update",
                    "table_name": obj.__tablename__,
                    "record_id": obj.id,
                    "field": field,
                    "old_value": REDACTED if redacted else canonical_text(old),
                    "new_value": REDACTED if redacted else canonical_text(new),
                    "reason": reason,
                }
            )
        if (sid := _subject_of(obj)) is not None:
            touched.add(sid)
    # Written after the flush has inserted the records: the chain lock is taken as
    # late as possible, and only the data-lock check (in the lock's round trip), the
    # numbering, hashing and one INSERT happen under it.
    session.info["audit_rows"] = (rows, touched)


@event.listens_for(TrialSession, "after_flush")
def _after_flush(session: Session, _ctx: UOWTransaction) -> None:
    rows, touched = session.info.pop("audit_rows", ([], set()))
    _append(session, rows, touched)


def _apply_defaults(obj: Record) -> None:
    # Column defaults normally fill in at INSERT; the audit entry needs them now.
    for column in obj.__table__.columns:
        default = column.default
        if default is None or column.key == "version" or getattr(obj, column.key) is not None:
            continue
        if default.is_scalar:
            setattr(obj, column.key, default.arg)
        elif default.is_callable:
            setattr(obj, column.key, default.arg(None))


@event.listens_for(TrialSession, "after_transaction_end")
def _forget_head(session: Session, _transaction: SessionTransaction) -> None:
    # Any end, savepoints included: a rolled-back savepoint takes its entries with it,
    # so the next entry re-reads the head (the advisory lock is held until the end).
    session.info.pop("audit_head", None)


@dataclass(frozen=True)
class ChainReport:
    """The result of :func:`verify_chain`: entries checked and the first broken one."""

    checked: int
    first_broken_seq: int | None = None
    problem: str | None = None

    @property
    def is_intact(self) -> bool:
        return self.first_broken_seq is None

    def describe(self) -> str:
        if self.is_intact:
            return f"audit trail intact: {self.checked} entries, hash chain verified"
        return f"audit trail broken at entry {self.first_broken_seq}: {self.problem}"


def verify_chain(session: Session) -> ChainReport:
    """Recompute the hash chain from the first entry; name the first entry that fails.

    An entry fails when its sequence number skips (a row was removed), when its
    stored link differs from the previous entry's hash (a row was replaced), or
    when its content no longer hashes to its stored hash (a row was edited).
    """
    prev = GENESIS
    expected_seq = 1
    checked = 0
    stmt = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000)
    for entry in session.scalars(stmt):
        if entry.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing")
        if entry.prev_sha256 != prev:
            return ChainReport(checked, entry.seq, "its link does not match the previous entry")
        if compute_entry_sha256(prev, entry) != entry.entry_sha256:
            return ChainReport(checked, entry.seq, "its content does not match its hash")
        prev = entry.entry_sha256
        expected_seq += 1
        checked += 1
    return ChainReport(checked)
