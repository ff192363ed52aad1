"""``/subjects/{id}``: one subject's timeline, records, next due visit and casebook;
``/subjects/{id}/casebook``: the printable casebook (:mod:`cartrial.services.casebook`),
taken as an audited export (source ``web``).

Another site's subject is the 404 page (:func:`cartrial.services.access.load_subject`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from cartrial.report.casebook import render_casebook_html
from cartrial.report.environment import render
from cartrial.services import casebook, site_view, subject_view
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.cache import BodyCache, quarter_hour
from cartrial.web.pages.deps import PageRoute, SignedIn
from cartrial.web.pages.render import page, site_label
from cartrial.web.pages.security import CASEBOOK_CSP, security_headers

router = APIRouter(route_class=PageRoute)


_BODIES = BodyCache(size=512)


@router.get("/subjects/{subject_id}", include_in_schema=False)
async def subject_page(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    """The subject page; its body is kept while nothing under it changed (``pages.cache``)."""

    def body() -> tuple[str, str, str]:
        view = subject_view.subject_view(sessions, actor=user.actor, subject_id=subject_id)
        html = render("web_subject_body.html.j2", user=user, view=view)
        return html, site_label(view.site_code, view.time_zone), f"Subject {view.subject.code}"

    def kept() -> tuple[Markup, str, str]:
        head = site_view.audit_head(sessions)
        key = (subject_id, user.actor.site_id, user.actor.role, head, quarter_hour())
        return _BODIES.get_or_render(key, body)

    html, site, title = await run_in_threadpool(kept)
    return page(request, "web_subject.html.j2", title=title, user=user, site=site, body=html)


@router.get("/subjects/{subject_id}/casebook", include_in_schema=False)
async def casebook_page(subject_id: str, sessions: SessionsDep, user: SignedIn) -> Response:
    book = await run_in_threadpool(
        lambda: casebook.build_casebook(
            sessions, actor=user.actor, subject_id=subject_id, source="web"
        )
    )
    return HTMLResponse(render_casebook_html(book), headers=security_headers(CASEBOOK_CSP))
