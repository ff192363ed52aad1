"""One unit of work: a transaction that knows who acts and why (STYLE practice 13)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from cartrial.actor import Actor
from cartrial.errors import ConflictError, InputError, SignatureRefused
from cartrial.store.accounts import count_failed_reentry
from cartrial.store.audit import canonical_text
from cartrial.store.conflicts import explain
from cartrial.store.db import TrialSession
from cartrial.store.models import Record, Subject

__all__ = [
    "Sessions",
    "refuse",
    "require_status",
    "require_version",
    "snapshot",
    "transaction",
]

Sessions = sessionmaker[TrialSession]


@contextmanager
def transaction(
    sessions: Sessions, actor: Actor, *, reason: str | None = None
) -> Iterator[Session]:
    """A session in one transaction: commits at the end, rolls back on any error.

    ``actor`` and ``reason`` go into every audit entry the transaction writes.
    A write the database refuses because another writer came first (a record
    changed since it was read, a unique value already recorded) is a
    :class:`~cartrial.errors.ConflictError` naming the record and both values
    (:func:`cartrial.store.conflicts.explain`; 21 CFR 11.10(e)): nothing of this
    transaction is stored and nothing stored is overwritten.
    """
    info: dict[str, Any] = {}
    try:
        with sessions() as session, session.begin():
            info = session.info
            session.info["actor"] = actor
            # A batch (an import) sets its reason on every session it makes; a use case's own
            # reason, when it gives one, wins.
            session.info["reason"] = reason if reason is not None else session.info.get("reason")
            yield session
    except (StaleDataError, IntegrityError) as exc:
        conflict = explain(sessions, info, exc)
        if conflict is None:
            raise
        raise conflict from exc
    except SignatureRefused as refused:
        # The use case rolled back; its signer's wrong password still counts towards the
        # lock, in a transaction of its own (cartrial.store.accounts.count_failed_reentry).
        if refused.user_id is not None:
            with sessions() as session, session.begin():
                session.info["actor"] = actor
                session.info["reason"] = "signature attempt"
                count_failed_reentry(session, refused.user_id, "a signature")
        raise


@contextmanager
def snapshot(sessions: Sessions) -> Iterator[Session]:
    """A session whose reads all see one committed state; it never writes.

    On PostgreSQL a read-only REPEATABLE READ transaction (every statement reads the
    snapshot taken at the first one); SQLite's ``BEGIN IMMEDIATE``
    (:mod:`cartrial.store.db`) holds every writer off until the reader is done.
    The casebook and the trial summary read through it; the export
    (:mod:`cartrial.store.archive`) does the same on a bare connection.
    """
    with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
            session.connection(execution_options=options)
        yield session


def refuse(session: Session, *, table_name: str, record_id: str, reasons: list[str]) -> None:
    """Record a refused use case in the audit trail (the caller commits, then raises).

    21 CFR 11.10(f): an operational check that blocks a step leaves a trace of
    who tried what and why it was refused.
    """
    from cartrial.store.audit import record_event

    record_event(
        session,
        action="refuse",
        table_name=table_name,
        record_id=record_id,
        field="interlock",
        new_value="; ".join(reasons),
    )


def require_status(subject: Subject, allowed: tuple[str, ...], step: str) -> None:
    """Refuse ``step`` unless the subject's status is one of ``allowed`` (21 CFR 11.10(f))."""
    if subject.status not in allowed:
        raise InputError(
            "status", subject.status, f"a subject that is {' or '.join(allowed)} to {step}"
        )


def require_version(record: Record, expected_version: int, changes: dict[str, Any]) -> None:
    """Refuse changing ``record`` unless it is still at the version the writer read.

    Optimistic locking (21 CFR 11.10(e): a change must not obscure what someone
    else recorded meanwhile): a newer version is a
    :class:`~cartrial.errors.ConflictError` with the first field of ``changes``,
    the value now stored, the value refused and the version now stored.
    """
    if record.version == expected_version:
        return
    field = next(iter(changes), "version")
    raise ConflictError(
        table=record.__tablename__,
        record_id=record.id,
        field=field,
        yours=canonical_text(changes.get(field)),
        theirs=canonical_text(getattr(record, field, None)),
        version=record.version,
    )
