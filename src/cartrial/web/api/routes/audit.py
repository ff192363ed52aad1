"""``/audit``: review and verify the audit trail (Annex 11 section 9)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cartrial.services import read
from cartrial.store.audit import verify_chain
from cartrial.web.api.deps import RequireAuditReader, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import page_of
from cartrial.web.api.schemas import AuditOut, Page, VerifyOut

router = APIRouter(prefix="/audit", tags=["audit"], route_class=ApiRoute)


@router.get("", response_model=Page[AuditOut])
def list_audit(
    sessions: SessionsDep,
    actor: RequireAuditReader,
    table: Annotated[str | None, Query(max_length=64)] = None,
    record_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=read.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Page[AuditOut]:
    """Audit entries in sequence, filtered by table and record."""
    items, total = read.list_audit(
        sessions, actor=actor, table_name=table, record_id=record_id, limit=limit, offset=offset
    )
    return page_of(AuditOut, items, total, limit, offset)


@router.get("/verify", response_model=VerifyOut)
def verify(sessions: SessionsDep, _actor: RequireAuditReader) -> VerifyOut:
    """Recompute the hash chain; name the first broken entry."""
    with sessions() as session:
        report = verify_chain(session)
    return VerifyOut(
        is_intact=report.is_intact,
        checked=report.checked,
        first_broken_seq=report.first_broken_seq,
        message=report.describe(),
    )
