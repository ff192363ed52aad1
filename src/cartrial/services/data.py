"""Data management: queries (open -> answered -> closed) and subject data locks.

A locked subject's records refuse any change until the lock is lifted (the
check runs at every flush, :mod:`cartrial.store.audit`); locking is signed
(21 CFR 11.50, meaning "I approve locking these data").
"""

from __future__ import annotations

from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.services.access import load_record_subject, load_subject
from cartrial.services.context import Sessions, transaction
from cartrial.services.query_targets import check_query_target
from cartrial.store.models import DataLock, DataQuery, utcnow
from cartrial.store.signatures import sign_record

__all__ = ["answer_query", "close_query", "lock_subject", "open_query", "unlock_subject"]


def open_query(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    table_name: str,
    record_id: str,
    field: str,
    text: str,
) -> DataQuery:
    """A monitor or data manager questions one field of one record of the subject.

    The target must be a declared queryable field of a record of this subject
    (:func:`cartrial.services.query_targets.check_query_target`): never an account, a
    secret, or another site's record.
    """
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "query.open")
        check_query_target(session, actor, subject, table_name, record_id, field)
        query = DataQuery(
            subject_id=subject.id,
            table_name=table_name,
            record_id=record_id,
            field=field,
            text=text,
        )
        session.add(query)
    return query


def _query(
    sessions: Sessions,
    actor: Actor,
    query_id: str,
    action: str,
    expected: str,
    new_status: str,
    reason: str,
) -> DataQuery:
    with transaction(sessions, actor, reason=reason) as session:
        query = session.get(DataQuery, query_id)
        if query is None:
            raise NotFoundError("data query", query_id)
        load_record_subject(session, actor, "data query", query_id, query.subject_id, action)
        if query.status != expected:
            raise InputError("query status", query.status, f"a query that is {expected}")
        query.status = new_status
        if new_status == "answered":
            query.answer = reason
        else:
            query.closed_at = utcnow()
    return query


def answer_query(sessions: Sessions, *, actor: Actor, query_id: str, answer: str) -> DataQuery:
    """Site staff answer an open query."""
    return _query(sessions, actor, query_id, "query.answer", "open", "answered", answer)


def close_query(sessions: Sessions, *, actor: Actor, query_id: str, note: str) -> DataQuery:
    """The monitor or data manager closes an answered query."""
    return _query(sessions, actor, query_id, "query.close", "answered", "closed", note)


def lock_subject(
    sessions: Sessions, *, actor: Actor, subject_id: str, reason: str, password: str
) -> DataLock:
    """Lock a subject's data, signed by the data manager."""
    with transaction(sessions, actor) as session:
        subject = load_subject(session, actor, subject_id, "data.lock")
        lock = DataLock(subject_id=subject.id, reason=reason)
        session.add(lock)
        sign_record(session, actor=actor, password=password, meaning="lock", record=lock)
    return lock


def unlock_subject(sessions: Sessions, *, actor: Actor, lock_id: str, reason: str) -> DataLock:
    """Lift a lock (kept, with the time it was lifted and the reason in the trail)."""
    with transaction(sessions, actor, reason=reason) as session:
        lock = session.get(DataLock, lock_id)
        if lock is None:
            raise NotFoundError("data lock", lock_id)
        load_record_subject(session, actor, "data lock", lock_id, lock.subject_id, "data.lock")
        lock.lifted_at = utcnow()
    return lock
