"""``/subjects/{id}/labs``: a laboratory result with its live CTCAE v5.0 grade.

As values are typed, the grade :func:`cartrial.services.followup.record_lab` would
store is shown with the engine's reason (:func:`~cartrial.services.followup.preview_lab_grade`,
the same unit policy and grading, storing nothing); saving is ``record_lab``. The
collection time is on the site's clock, its zone in the label.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError
from cartrial.safety.ctcae import load_ctcae
from cartrial.services import followup, site_view
from cartrial.services.access import authorize
from cartrial.store.models import utcnow
from cartrial.units import ANALYTES
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import fragment, page
from cartrial.web.pages.times import local_input, parse_local

router = APIRouter(route_class=PageRoute)


def lab_terms() -> list[tuple[str, str]]:
    """(CTCAE v5.0 term, the test it is graded from) for every lab-graded term."""
    return sorted((t.term, t.lab.analyte) for t in load_ctcae().terms if t.lab is not None)


def _decimal(values: dict[str, str], name: str) -> Decimal | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise InputError(name, raw, "a number such as 1.5") from None


def _inputs(values: dict[str, str]) -> dict[str, Any]:
    value = _decimal(values, "value")
    if value is None:
        raise InputError("value", "", "the value as the laboratory reports it")
    return {
        "test": values.get("test", ""),
        "value": value,
        "unit": values.get("unit", "").strip(),
        "uln": _decimal(values, "uln"),
        "lln": _decimal(values, "lln"),
        "baseline": _decimal(values, "baseline"),
        "on_anticoagulation": values.get("on_anticoagulation") == "yes",
    }


def _preview(values: dict[str, str]) -> tuple[Any, dict[str, str]]:
    try:
        inputs = _inputs(values)
        term = values.get("ctcae_term", "")
        if not term:
            return None, {}
        return followup.preview_lab_grade(ctcae_term=term, **inputs), {}
    except InputError as exc:
        return None, {exc.field: str(exc)}


async def _lab_page(
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
    values.setdefault("collected_at", local_input(utcnow(), subject.clock))
    values.setdefault("test", "platelets")
    values.setdefault("unit", next(iter(ANALYTES["platelets"].factors)))
    derivation, problems = _preview(values) if values.get("value") else (None, {})
    return page(
        request,
        "web_lab.html.j2",
        status_code=status_code,
        title=f"Lab of {subject.code}",
        user=user,
        site_code=subject.site_code,
        subject=subject,
        values=values,
        errors={**problems, **(errors or {})},
        derivation=derivation,
        tests=list(ANALYTES),
        terms=lab_terms(),
    )


@router.get("/subjects/{subject_id}/labs", include_in_schema=False)
async def lab_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    authorize(user.actor, "ae.record")
    return await _lab_page(request, sessions, user, subject_id, {})


@router.post("/subjects/{subject_id}/labs/preview", include_in_schema=False)
async def lab_preview(request: Request, subject_id: str, user: SignedIn) -> Response:
    values = await posted_form(request, user)
    derivation, errors = _preview(values)
    return fragment("web_lab_grade.html.j2", derivation=derivation, errors=errors)


@router.post("/subjects/{subject_id}/labs", include_in_schema=False)
async def lab_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "ae.record")

    def save() -> None:
        subject = site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
        collected = parse_local(values.get("collected_at", ""), subject.clock, field="collected_at")
        followup.record_lab(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            collected_at=collected,
            ctcae_term=values.get("ctcae_term") or None,
            **_inputs(values),
        )

    try:
        await run_in_threadpool(save)
    except InputError as exc:
        return await _lab_page(
            request,
            sessions,
            user,
            subject_id,
            values,
            errors={exc.field: str(exc)},
            status_code=422,
        )
    return RedirectResponse(f"/subjects/{subject_id}#labs", status_code=303)
