"""Read use cases with paging and filters, scoped to the actor's site.

Filters are bound parameters (never text pasted into SQL); an actor with a site
sees only that site's subjects and their records.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from cartrial.errors import InputError
from cartrial.services.access import authorize, load_subject
from cartrial.services.context import Sessions
from cartrial.store.audit import Actor
from cartrial.store.models import AdverseEvent, AuditEntry, LabResult, Subject

__all__ = [
    "MAX_LIMIT",
    "get_subject",
    "list_adverse_events",
    "list_audit",
    "list_labs",
    "list_subjects",
]

MAX_LIMIT = 200
T = TypeVar("T")


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError("limit", limit, f"1-{MAX_LIMIT}")
    if offset < 0:
        raise InputError("offset", offset, "0 or more")


def _page(sessions: Sessions, stmt: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    with sessions() as session:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        items = list(session.scalars(stmt.limit(limit).offset(offset)))
    return items, total


def list_subjects(
    sessions: Sessions,
    *,
    actor: Actor,
    status: str | None = None,
    code: str | None = None,
    site_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[Subject], int]:
    """Subjects the actor may see, oldest first."""
    authorize(actor, "subject.read")
    _check_page(limit, offset)
    stmt = select(Subject).order_by(Subject.created_at, Subject.id)
    if actor.site_id is not None:
        stmt = stmt.where(Subject.site_id == actor.site_id)
    if site_id is not None:
        stmt = stmt.where(Subject.site_id == site_id)
    if status is not None:
        stmt = stmt.where(Subject.status == status)
    if code is not None:
        stmt = stmt.where(Subject.code == code)
    return _page(sessions, stmt, limit, offset)


def get_subject(sessions: Sessions, *, actor: Actor, subject_id: str) -> Subject:
    """One subject, if in the actor's scope (else not found)."""
    with sessions() as session:
        return load_subject(session, actor, subject_id, "subject.read")


def list_adverse_events(
    sessions: Sessions, *, actor: Actor, subject_id: str, limit: int = 50, offset: int = 0
) -> tuple[Sequence[AdverseEvent], int]:
    """A subject's AEs by onset."""
    _check_page(limit, offset)
    get_subject(sessions, actor=actor, subject_id=subject_id)
    stmt = (
        select(AdverseEvent)
        .where(AdverseEvent.subject_id == subject_id)
        .order_by(AdverseEvent.onset_date, AdverseEvent.id)
    )
    return _page(sessions, stmt, limit, offset)


def list_labs(
    sessions: Sessions,
    *,
    actor: Actor,
    subject_id: str,
    test: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[LabResult], int]:
    """A subject's lab values by collection time, optionally one test."""
    _check_page(limit, offset)
    get_subject(sessions, actor=actor, subject_id=subject_id)
    stmt = select(LabResult).where(LabResult.subject_id == subject_id)
    if test is not None:
        stmt = stmt.where(LabResult.test == test)
    return _page(sessions, stmt.order_by(LabResult.collected_at, LabResult.id), limit, offset)


def list_audit(
    sessions: Sessions,
    *,
    actor: Actor,
    table_name: str | None = None,
    record_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[Sequence[AuditEntry], int]:
    """Audit entries in sequence (Annex 11 section 9: reviewable), filtered."""
    authorize(actor, "audit.read")
    _check_page(limit, offset)
    stmt = select(AuditEntry).order_by(AuditEntry.seq)
    if actor.site_id is not None:
        stmt = stmt.where(AuditEntry.site_id == actor.site_id)
    if table_name is not None:
        stmt = stmt.where(AuditEntry.table_name == table_name)
    if record_id is not None:
        stmt = stmt.where(AuditEntry.record_id == record_id)
    return _page(sessions, stmt, limit, offset)
