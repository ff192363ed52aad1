"""``/screen``: the screening form with live per-criterion verdicts (HTMX), and
``/subjects/{id}/eligibility``: the investigator's signature of eligibility.

The live verdicts are :func:`cartrial.services.screening.preview`: the engine
call of :func:`~cartrial.services.screening.screen` on the same protocol version,
writing nothing; saving is :func:`~cartrial.services.screening.screen`. The
signature is :func:`~cartrial.services.screening.sign_eligibility`: the password
re-entered (21 CFR 11.200(a)(1)) and the meaning of the signature shown above it
(21 CFR 11.50(a)(3), :data:`cartrial.vocabulary.SIGNATURE_MEANINGS`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import AuthenticationError, InputError, NotFoundError
from cartrial.services import admin, screening, subject_view
from cartrial.services.access import authorize
from cartrial.vocabulary import SIGNATURE_MEANINGS
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form, user_site
from cartrial.web.pages.render import fragment, page, site_label
from cartrial.web.pages.screening_form import LAB_ROWS, LAB_TESTS, LAB_UNITS, SECTIONS, parse_record

router = APIRouter(route_class=PageRoute)


def _versions(sessions: Any, user: PageUser) -> list[Any]:
    items, _total = admin.list_protocol_versions(sessions, actor=user.actor, limit=200)
    return list(items)


async def _screen_page(
    request: Request,
    sessions: Any,
    user: PageUser,
    versions: list[Any],
    values: dict[str, str],
    errors: dict[str, str],
    result: Any = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "web_screen.html.j2",
        status_code=status_code,
        title="Screen a subject",
        user=user,
        site=await user_site(sessions, user),
        versions=versions,
        sections=SECTIONS,
        lab_rows=LAB_ROWS,
        lab_tests=LAB_TESTS,
        lab_units=LAB_UNITS,
        values=values,
        errors=errors,
        result=result,
    )


@router.get("/screen", include_in_schema=False)
async def screen_form(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    authorize(user.actor, "subject.screen")
    versions = await run_in_threadpool(_versions, sessions, user)
    return await _screen_page(request, sessions, user, versions, {}, {})


def _site_of(user: PageUser) -> str:
    if user.actor.site_id is None:
        raise InputError("site", "none", "a login at a site (screening is a site's work)")
    return user.actor.site_id


@router.post("/screen/preview", include_in_schema=False)
async def screen_preview(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    """The verdicts of the record as typed so far (HTMX fragment), writing nothing."""
    values = await posted_form(request, user)
    record, errors = parse_record(values)
    result = None
    if record is not None:
        result = await run_in_threadpool(
            lambda: screening.preview(
                sessions,
                actor=user.actor,
                site_id=_site_of(user),
                protocol_version_id=values.get("protocol_version_id", ""),
                record=record,
            )
        )
    return fragment("web_screen_verdicts.html.j2", result=result, errors=errors)


@router.post("/screen", include_in_schema=False)
async def screen_save(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    """Store the record and the engine's decision; errors return the form, each by its field."""
    values = await posted_form(request, user)
    versions = await run_in_threadpool(_versions, sessions, user)
    record, errors = parse_record(values)
    if record is None:
        return await _screen_page(
            request, sessions, user, versions, values, errors, status_code=422
        )
    try:
        subject, _decision = await run_in_threadpool(
            lambda: screening.screen(
                sessions,
                actor=user.actor,
                site_id=_site_of(user),
                protocol_version_id=values.get("protocol_version_id", ""),
                record=record,
            )
        )
    except (InputError, NotFoundError) as exc:
        field = exc.field if isinstance(exc, InputError) else "protocol_version_id"
        return await _screen_page(
            request, sessions, user, versions, values, {field: str(exc)}, status_code=422
        )
    return RedirectResponse(f"/subjects/{subject.id}", status_code=303)


def _sign_page(
    request: Request, user: PageUser, view: Any, error: str = "", status_code: int = 200
) -> Response:
    return page(
        request,
        "web_sign.html.j2",
        status_code=status_code,
        title=f"Eligibility of {view.subject.code}",
        user=user,
        site=site_label(view.site_code, view.time_zone),
        view=view,
        meaning=SIGNATURE_MEANINGS["eligibility"],
        error=error,
    )


@router.get("/subjects/{subject_id}/eligibility", include_in_schema=False)
async def sign_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    view = await run_in_threadpool(
        lambda: subject_view.subject_view(sessions, actor=user.actor, subject_id=subject_id)
    )
    return _sign_page(request, user, view)


@router.post("/subjects/{subject_id}/eligibility", include_in_schema=False)
async def sign(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    """Sign with the password re-entered; a wrong password is shown next to its field."""
    values = await posted_form(request, user)
    authorize(user.actor, "eligibility.sign")
    try:
        await run_in_threadpool(
            lambda: screening.sign_eligibility(
                sessions,
                actor=user.actor,
                subject_id=subject_id,
                password=values.get("password", ""),
            )
        )
    except (AuthenticationError, InputError) as exc:
        view = await run_in_threadpool(
            lambda: subject_view.subject_view(sessions, actor=user.actor, subject_id=subject_id)
        )
        return _sign_page(request, user, view, error=str(exc), status_code=422)
    return RedirectResponse(f"/subjects/{subject_id}", status_code=303)
