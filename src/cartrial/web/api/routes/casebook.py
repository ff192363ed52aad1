"""``/subjects/{id}/casebook`` (HTML) and ``/subjects/{id}/signatures`` (JSON).

The human-readable copy of a subject's record (21 CFR 11.10(b); Annex 11
section 8.2) and the signature manifestations for display (21 CFR 11.50).
Every role may read; another site's subject is not found (404).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from cartrial.report.casebook import render_casebook_html
from cartrial.services import casebook
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset
from cartrial.web.api.schemas import Page, SignatureOut

router = APIRouter(prefix="/subjects", tags=["casebook"], route_class=ApiRoute)

_HTML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "HTML"}
}


@router.get("/{subject_id}/casebook", response_class=HTMLResponse, responses=_HTML)
def get_casebook(subject_id: str, sessions: SessionsDep, actor: CurrentActor) -> HTMLResponse:
    """The subject's casebook as one printable HTML page: records, signatures, audit history.

    Taking it is an ``export`` entry in the audit trail (source ``api``).
    """
    book = casebook.build_casebook(sessions, actor=actor, subject_id=subject_id, source="api")
    return HTMLResponse(render_casebook_html(book), headers={"Cache-Control": "no-store"})


@router.get("/{subject_id}/signatures", response_model=Page[SignatureOut])
def list_signatures(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SignatureOut]:
    """Signatures on the subject's records: printed name, role, meaning, UTC time, status."""
    items = casebook.list_signatures(sessions, actor=actor, subject_id=subject_id)
    return Page[SignatureOut](
        items=[SignatureOut.model_validate(s) for s in items[offset : offset + limit]],
        total=len(items),
        limit=limit,
        offset=offset,
    )
