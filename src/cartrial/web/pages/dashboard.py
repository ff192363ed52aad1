"""``/dashboard``: the site's subjects by status, the subjects x visits grid, open queries
and upcoming DLT-window ends (:func:`cartrial.services.site_view.dashboard`).

The body is kept per user scope, role and quarter hour at the audit trail's latest
head (:mod:`cartrial.web.pages.cache`: a newer head renders it again); the session check and
the head's read share one worker-thread trip and one pooled connection.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from cartrial.report.environment import render
from cartrial.services import site_view
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.cache import BodyCache, quarter_hour, signed_in_at_head
from cartrial.web.pages.deps import PageRoute, PageUser, session_token
from cartrial.web.pages.render import page, site_label

router = APIRouter(route_class=PageRoute)

#: What each visit state's cell shows besides its colour (WCAG 2.1 SC 1.4.1: colour
#: is never the only means of conveying information).
STATE_MARKS = {"planned": "·", "due": "D", "overdue": "!", "done": "✓", "missed": "×"}
_BODIES: BodyCache[tuple[Markup, str, str]] = BodyCache(size=64)


def _body(sessions: object, user: PageUser) -> tuple[Markup, str, str]:
    board = site_view.dashboard(sessions, actor=user.actor)  # type: ignore[arg-type]
    site = ""
    if user.actor.site_id and board.today:
        site = site_label(next(iter(board.today)), board.time_zones[0])
    html = render(
        "web_dashboard_body.html.j2",
        user=user,
        board=board,
        marks=STATE_MARKS,
        states=site_view.VISIT_STATES,
    )
    return Markup(html), site, "Dashboard"  # rendered by the autoescaping environment


@router.get("/dashboard", include_in_schema=False)
async def dashboard(request: Request, sessions: SessionsDep) -> Response:
    token = session_token(request)

    def kept() -> tuple[PageUser, tuple[Markup, str, str]]:
        user, head = signed_in_at_head(sessions, token)
        key = (user.actor.site_id, user.actor.role, quarter_hour())
        return user, _BODIES.get_or_render(key, lambda: _body(sessions, user), version=head)

    user, (body, site, _title) = await run_in_threadpool(kept)
    return page(
        request,
        "web_dashboard.html.j2",
        title="Dashboard",
        user=user,
        site=site,
        body=body,
    )
