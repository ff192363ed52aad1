"""One unit of work: a transaction that knows who acts and why (STYLE practice 13)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from cartrial.errors import InputError
from cartrial.store.audit import Actor
from cartrial.store.db import TrialSession
from cartrial.store.models import Subject

__all__ = ["Sessions", "refuse", "require_status", "transaction"]

Sessions = sessionmaker[TrialSession]


@contextmanager
def transaction(
    sessions: Sessions, actor: Actor, *, reason: str | None = None
) -> Iterator[Session]:
    """A session in one transaction: commits at the end, rolls back on any error.

    ``actor`` and ``reason`` go into every audit entry the transaction writes.
    """
    with sessions() as session, session.begin():
        session.info["actor"] = actor
        session.info["reason"] = reason
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
