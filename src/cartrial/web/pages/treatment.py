"""Enrolment and the infusion.

- ``/subjects/{id}/enrol``: the dose level the escalation engine would assign,
  with its reason, or why enrolment must wait
  (:func:`cartrial.services.enrolment.enrolment_outlook`, the checks of
  :func:`~cartrial.services.enrolment.enrol` in the same order); enrolling is
  :func:`~cartrial.services.enrolment.enrol`.
- ``/subjects/{id}/infusion``: every infusion interlock with its state and reason
  (:func:`cartrial.services.interlocks.dry_run`), re-checked as the bedside values
  are typed (HTMX); recording is :func:`cartrial.services.treatment.record_infusion`,
  which refuses with every failing reason (shown on the page).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import EnrolmentBlocked, InfusionRefused, InputError, InvalidTransition
from cartrial.services import enrolment, interlocks, read, site_view, treatment
from cartrial.services.access import authorize
from cartrial.services.site_view import SubjectAtSite
from cartrial.store.models import utcnow
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import fragment, page, site_label
from cartrial.web.pages.times import local_input, parse_local

router = APIRouter(route_class=PageRoute)


def _at_site(sessions: Any, user: PageUser, subject_id: str) -> SubjectAtSite:
    return site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)


async def _enrol_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    subject_id: str,
    *,
    weight: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response:
    def read_all() -> tuple[SubjectAtSite, Any]:
        subject = _at_site(sessions, user, subject_id)
        outlook = enrolment.enrolment_outlook(sessions, actor=user.actor, subject_id=subject_id)
        return subject, outlook

    subject, (problem, assignment) = await run_in_threadpool(read_all)
    return page(
        request,
        "web_enrol.html.j2",
        status_code=status_code,
        title=f"Enrol {subject.code}",
        user=user,
        site=site_label(subject.site_code, subject.time_zone),
        subject=subject,
        problem=problem,
        assignment=assignment,
        weight=weight,
        error=error,
    )


@router.get("/subjects/{subject_id}/enrol", include_in_schema=False)
async def enrol_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    authorize(user.actor, "subject.enrol")
    return await _enrol_page(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/enrol", include_in_schema=False)
async def enrol(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    raw = values.get("weight_kg", "").strip()
    try:
        try:
            weight = Decimal(raw)
        except InvalidOperation:
            raise InputError("weight_kg", raw, "a weight in kg, such as 70.5") from None
        await run_in_threadpool(
            lambda: enrolment.enrol(
                sessions, actor=user.actor, subject_id=subject_id, weight_kg=weight
            )
        )
    except (InputError, EnrolmentBlocked, InvalidTransition) as exc:
        return await _enrol_page(
            request, sessions, user, subject_id, weight=raw, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/subjects/{subject_id}", status_code=303)


def _plan(values: dict[str, str], subject: SubjectAtSite) -> dict[str, Any]:
    """The dry run's inputs from the form; a value that does not parse is an InputError."""
    cells_raw = values.get("cells", "").replace(",", "").strip()
    cells = None
    if cells_raw:
        if not cells_raw.isdigit():
            raise InputError("cells", cells_raw, "a whole number of cells, such as 7000000")
        cells = int(cells_raw)
    at_raw = values.get("at", "").strip()
    return {
        "lot_id": values.get("lot_id") or None,
        "scanned_chain_of_identity_id": values.get("scanned", "").strip() or None,
        "cells_infused": cells,
        "at": parse_local(at_raw, subject.clock, field="at") if at_raw else None,
    }


async def _infusion_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    subject_id: str,
    values: dict[str, str],
    *,
    refused: list[str] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    def read_all() -> dict[str, Any]:
        subject = _at_site(sessions, user, subject_id)
        lots, _n = read.list_lots(sessions, actor=user.actor, subject_id=subject_id)
        shown = dict(values)
        shown.setdefault("at", local_input(utcnow(), subject.clock))
        if not shown.get("lot_id") and lots:
            shown["lot_id"] = lots[-1].id
        problem = error
        check = None
        try:
            check = interlocks.dry_run(
                sessions, actor=user.actor, subject_id=subject_id, **_plan(shown, subject)
            )
        except InputError as exc:
            problem = problem or str(exc)
        return {"subject": subject, "lots": lots, "values": shown, "check": check, "error": problem}

    context = await run_in_threadpool(read_all)
    return page(
        request,
        "web_infusion.html.j2",
        status_code=status_code,
        title=f"Infusion of {context['subject'].code}",
        user=user,
        site=site_label(context["subject"].site_code, context["subject"].time_zone),
        refused=refused or [],
        **context,
    )


@router.get("/subjects/{subject_id}/infusion", include_in_schema=False)
async def infusion_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await _infusion_page(request, sessions, user, subject_id, {})


@router.post("/subjects/{subject_id}/infusion/check", include_in_schema=False)
async def infusion_check(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    """The interlocks for the values as typed (HTMX fragment), writing nothing."""
    values = await posted_form(request, user)

    def run() -> tuple[Any, str]:
        subject = _at_site(sessions, user, subject_id)
        try:
            plan = _plan(values, subject)
            check = interlocks.dry_run(sessions, actor=user.actor, subject_id=subject_id, **plan)
        except InputError as exc:
            return None, str(exc)
        return check, ""

    check, error = await run_in_threadpool(run)
    return fragment("web_interlocks.html.j2", check=check, error=error, refused=[])


@router.post("/subjects/{subject_id}/infusion", include_in_schema=False)
async def infuse(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "treatment.record")

    def record() -> None:
        subject = _at_site(sessions, user, subject_id)
        plan = _plan(values, subject)
        missing = [
            k
            for k in ("lot_id", "scanned_chain_of_identity_id", "cells_infused", "at")
            if plan[k] is None
        ]
        if missing:
            raise InputError(missing[0], "nothing", "a value (every bedside input is required)")
        at: dt.datetime = plan.pop("at")
        treatment.record_infusion(
            sessions, actor=user.actor, subject_id=subject_id, started_at=at, **plan
        )

    try:
        await run_in_threadpool(record)
    except InfusionRefused as exc:
        return await _infusion_page(
            request, sessions, user, subject_id, values, refused=exc.reasons, status_code=409
        )
    except InputError as exc:
        return await _infusion_page(
            request, sessions, user, subject_id, values, error=str(exc), status_code=422
        )
    return RedirectResponse(f"/subjects/{subject_id}", status_code=303)
