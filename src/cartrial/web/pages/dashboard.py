"""``/dashboard``: the site's subjects by status, the subjects x visits grid, open queries
and upcoming DLT-window ends (:func:`cartrial.services.site_view.dashboard`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from cartrial.services import site_view
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, SignedIn
from cartrial.web.pages.render import page

router = APIRouter(route_class=PageRoute)

#: What each visit state's cell shows besides its colour (WCAG 2.1 SC 1.4.1: colour
#: is never the only means of conveying information).
STATE_MARKS = {"planned": "·", "due": "D", "overdue": "!", "done": "✓", "missed": "×"}


@router.get("/dashboard", include_in_schema=False)
async def dashboard(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    board = await run_in_threadpool(lambda: site_view.dashboard(sessions, actor=user.actor))
    site_code = next(iter(board.today), "") if user.actor.site_id else ""
    return page(
        request,
        "web_dashboard.html.j2",
        title="Dashboard",
        user=user,
        site_code=site_code,
        board=board,
        marks=STATE_MARKS,
        states=site_view.VISIT_STATES,
    )
