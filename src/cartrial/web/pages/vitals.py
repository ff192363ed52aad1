"""``/subjects/{id}/vitals``: one set of vital signs at one time.

Each value is one :func:`cartrial.services.followup.record_vital` (SDTM VS tests,
units and plausible ranges of :mod:`cartrial.vitals`); every value is checked
before any is stored, so a set is saved whole or not at all from the page, and a
refused value is shown by its field in the checker's words.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError
from cartrial.services import followup, site_view
from cartrial.services.access import authorize
from cartrial.store.models import utcnow
from cartrial.vitals import VITAL_SIGNS, check_vital_sign
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import page
from cartrial.web.pages.times import local_input, parse_local

router = APIRouter(route_class=PageRoute)


def entered(values: dict[str, str]) -> list[tuple[str, Decimal, str]]:
    """(test, value, unit) of every vital sign typed, each checked (module doc)."""
    out = []
    for name, spec in VITAL_SIGNS.items():
        raw = values.get(name, "").strip()
        if not raw:
            continue
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise InputError(name, raw, f"a number in {spec.canonical_unit}") from None
        unit = values.get(f"{name}_unit", spec.canonical_unit)
        try:
            check_vital_sign(name, value, unit)
        except InputError as exc:
            raise InputError(name, exc.value, exc.expected) from None
        out.append((name, value, unit))
    if not out:
        raise InputError("form", "nothing", "at least one vital sign")
    return out


async def _vitals_page(
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
    values.setdefault("measured_at", local_input(utcnow(), subject.clock))
    return page(
        request,
        "web_vitals.html.j2",
        status_code=status_code,
        title=f"Vital signs of {subject.code}",
        user=user,
        site_code=subject.site_code,
        subject=subject,
        values=values,
        errors=errors or {},
        specs=VITAL_SIGNS,
    )


@router.get("/subjects/{subject_id}/vitals", include_in_schema=False)
async def vitals_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    authorize(user.actor, "ae.record")
    return await _vitals_page(request, sessions, user, subject_id, {})


@router.post("/subjects/{subject_id}/vitals", include_in_schema=False)
async def vitals_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "ae.record")

    def save() -> None:
        subject = site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
        at = parse_local(values.get("measured_at", ""), subject.clock, field="measured_at")
        for test, value, unit in entered(values):
            followup.record_vital(
                sessions,
                actor=user.actor,
                subject_id=subject_id,
                measured_at=at,
                test=test,
                value=value,
                unit=unit,
            )

    try:
        await run_in_threadpool(save)
    except InputError as exc:
        return await _vitals_page(
            request,
            sessions,
            user,
            subject_id,
            values,
            errors={exc.field: str(exc)},
            status_code=422,
        )
    return RedirectResponse(f"/subjects/{subject_id}", status_code=303)
