"""``/subjects/{id}/adverse-events``: an adverse event as reported by the site.

:func:`cartrial.services.safety.record_adverse_event`: the CTCAE v5.0 term (or
CRS/ICANS under ASTCT 2019, which the daily form grades), onset on the site's
calendar, the reported grade 1-5, seriousness (ICH E2A) and causality on the safety
engine's five-point scale; an unknown word is refused by its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError
from cartrial.safety.events import RELATEDNESS
from cartrial.services import safety, site_view
from cartrial.services.access import authorize
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import page

router = APIRouter(route_class=PageRoute)


async def _ae_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    subject_id: str,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    subject = await run_in_threadpool(
        lambda: site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
    )
    return page(
        request,
        "web_ae.html.j2",
        status_code=status_code,
        title=f"Adverse event of {subject.code}",
        user=user,
        site_code=subject.site_code,
        subject=subject,
        values=values,
        errors=errors or {},
        relatedness=RELATEDNESS,
    )


@router.get("/subjects/{subject_id}/adverse-events", include_in_schema=False)
async def ae_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    authorize(user.actor, "ae.record")
    return await _ae_page(request, sessions, user, subject_id, {})


@router.post("/subjects/{subject_id}/adverse-events", include_in_schema=False)
async def ae_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "ae.record")

    def save() -> None:
        raw_date = values.get("onset_date", "")
        try:
            onset = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise InputError("onset_date", raw_date, "a date such as 2026-03-08") from None
        grade = values.get("reported_grade", "")
        if not grade.isdigit():
            raise InputError("reported_grade", grade, "a grade 1-5")
        term = values.get("term", "").strip()
        if not term:
            raise InputError("term", term, "the CTCAE v5.0 term")
        safety.record_adverse_event(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            term=term,
            onset_date=onset,
            grading_scale=values.get("grading_scale", "ctcae_v5"),
            reported_grade=int(grade),
            is_serious=values.get("is_serious") == "yes",
            relatedness=values.get("relatedness") or None,
        )

    try:
        await run_in_threadpool(save)
    except InputError as exc:
        return await _ae_page(
            request,
            sessions,
            user,
            subject_id,
            values,
            errors={exc.field: str(exc)},
            status_code=422,
        )
    return RedirectResponse(f"/subjects/{subject_id}#aes", status_code=303)
