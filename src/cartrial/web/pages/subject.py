"""``/subjects/{id}``: one subject's timeline, records, next due visit and casebook;
``/subjects/{id}/casebook``: the printable casebook (:mod:`cartrial.services.casebook`),
taken as an audited export (source ``web``).

Another site's subject is the 404 page (:func:`cartrial.services.access.load_subject`).
The page's content is kept per site scope and its body per role
(:mod:`cartrial.web.pages.cache`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from cartrial.report.casebook import render_casebook_html
from cartrial.report.environment import render
from cartrial.services import casebook, subject_view
from cartrial.services.access import authorize
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.cache import BodyCache, quarter_hour, signed_in_at_head
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, session_token
from cartrial.web.pages.render import page, site_label
from cartrial.web.pages.security import CASEBOOK_CSP, security_headers

router = APIRouter(route_class=PageRoute)


#: A subject page's content read once per site scope (every role with that scope
#: reads the same records), and its body rendered once per role (the links a role
#: may follow); both bounded to hold every subject of a large trial for a handful
#: of scopes and roles (175 subjects x 3 roles in bench/web_load.py).
_VIEWS: BodyCache[subject_view.SubjectView] = BodyCache(size=1024)
_BODIES: BodyCache[tuple[Markup, str, str]] = BodyCache(size=2048)


@router.get("/subjects/{subject_id}", include_in_schema=False)
async def subject_page(request: Request, subject_id: str, sessions: SessionsDep) -> Response:
    """The subject page; its body is kept while nothing under it changed (``pages.cache``)."""
    token = session_token(request)

    def body(user: PageUser, head: int, moment: str) -> tuple[Markup, str, str]:
        # The role's permission first, as load_subject checks it before the subject; the
        # site scope is part of the view's key (another site's subject: not found).
        authorize(user.actor, "subject.read")
        view = _VIEWS.get_or_render(
            (subject_id, user.actor.site_id, moment),
            lambda: subject_view.subject_view(sessions, actor=user.actor, subject_id=subject_id),
            version=head,
        )
        html = render("web_subject_body.html.j2", user=user, view=view)
        site = site_label(view.site_code, view.time_zone)
        return Markup(html), site, f"Subject {view.subject.code}"

    def kept() -> tuple[PageUser, tuple[Markup, str, str]]:
        user, head = signed_in_at_head(sessions, token)
        moment = quarter_hour()
        key = (subject_id, user.actor.site_id, user.actor.role, moment)
        return user, _BODIES.get_or_render(key, lambda: body(user, head, moment), version=head)

    user, (html, site, title) = await run_in_threadpool(kept)
    return page(request, "web_subject.html.j2", title=title, user=user, site=site, body=html)


@router.get("/subjects/{subject_id}/casebook", include_in_schema=False)
async def casebook_page(subject_id: str, sessions: SessionsDep, user: SignedIn) -> Response:
    book = await run_in_threadpool(
        lambda: casebook.build_casebook(
            sessions, actor=user.actor, subject_id=subject_id, source="web"
        )
    )
    return HTMLResponse(render_casebook_html(book), headers=security_headers(CASEBOOK_CSP))
