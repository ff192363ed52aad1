"""``/subjects/{id}``: one subject's timeline, records, next due visit and casebook;
``/subjects/{id}/casebook``: the printable casebook (:mod:`cartrial.services.casebook`),
taken as an audited export (source ``web``).

Another site's subject is the 404 page (:func:`cartrial.services.access.load_subject`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from cartrial.report.casebook import render_casebook_html
from cartrial.services import casebook, subject_view
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, SignedIn
from cartrial.web.pages.render import page
from cartrial.web.pages.security import CASEBOOK_CSP, security_headers

router = APIRouter(route_class=PageRoute)


@router.get("/subjects/{subject_id}", include_in_schema=False)
async def subject_page(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    view = await run_in_threadpool(
        lambda: subject_view.subject_view(sessions, actor=user.actor, subject_id=subject_id)
    )
    return page(
        request,
        "web_subject.html.j2",
        title=f"Subject {view.subject.code}",
        user=user,
        site_code=view.site_code,
        view=view,
    )


@router.get("/subjects/{subject_id}/casebook", include_in_schema=False)
async def casebook_page(subject_id: str, sessions: SessionsDep, user: SignedIn) -> Response:
    book = await run_in_threadpool(
        lambda: casebook.build_casebook(
            sessions, actor=user.actor, subject_id=subject_id, source="web"
        )
    )
    return HTMLResponse(render_casebook_html(book), headers=security_headers(CASEBOOK_CSP))
