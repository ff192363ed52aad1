"""``/subjects/{id}/visits/{visit}``: the date a visit took place.

:func:`cartrial.services.followup.record_visit_date` on the version the page was
read at: a visit another user dated meanwhile is refused naming the date stored
and the date sent (21 CFR 11.10(e)); correcting a date needs a reason (Annex 11
section 9). The visit's window is shown beside the date, on the site's calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import ConflictError, InputError, NotFoundError
from cartrial.services import followup, subject_view
from cartrial.services.access import authorize
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import page, site_label

router = APIRouter(route_class=PageRoute)


async def _visit_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    subject_id: str,
    visit_id: str,
    *,
    values: dict[str, str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    view = await run_in_threadpool(
        lambda: subject_view.subject_view(sessions, actor=user.actor, subject_id=subject_id)
    )
    visit = next((v for v in view.visits if v.id == visit_id), None)
    if visit is None:
        raise NotFoundError("visit of subject", visit_id)
    return page(
        request,
        "web_visit.html.j2",
        status_code=status_code,
        title=f"Visit {visit.code}",
        user=user,
        site=site_label(view.site_code, view.time_zone),
        view=view,
        visit=visit,
        values=values or {},
        error=error,
    )


@router.get("/subjects/{subject_id}/visits/{visit_id}", include_in_schema=False)
async def visit_form(
    request: Request, subject_id: str, visit_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await _visit_page(request, sessions, user, subject_id, visit_id)


@router.post("/subjects/{subject_id}/visits/{visit_id}", include_in_schema=False)
async def visit_save(
    request: Request, subject_id: str, visit_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "ae.record")

    def save() -> None:
        raw = values.get("actual_date", "")
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise InputError("actual_date", raw, "a date such as 2026-04-03") from None
        version = values.get("expected_version", "")
        if not version.isdigit():
            raise InputError("expected_version", version, "the version the page was read at")
        followup.record_visit_date(
            sessions,
            actor=user.actor,
            visit_id=visit_id,
            expected_version=int(version),
            actual_date=day,
            reason=values.get("reason", "").strip() or None,
        )

    try:
        await run_in_threadpool(save)
    except (InputError, ConflictError) as exc:
        return await _visit_page(
            request,
            sessions,
            user,
            subject_id,
            visit_id,
            values=values,
            error=str(exc),
            status_code=409 if isinstance(exc, ConflictError) else 422,
        )
    return RedirectResponse(f"/subjects/{subject_id}#visits", status_code=303)
