"""``/subjects/{id}/tumour``: an imaging time point with its lesions, and the RECIST 1.1
time-point response with its reasons as the lesions are typed.

The live response is :func:`cartrial.services.tumour.preview_response` (the stored
assessments with the typed one, the engine of ``record_tumour_assessment``, writing
nothing); saving is :func:`~cartrial.services.tumour.record_tumour_assessment`.
RECIST 1.1 (Eisenhauer et al., Eur J Cancer 2009;45:228-247): targets by their
longest diameter in mm (short axis for nodes), non-targets and new lesions by status.
"""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError
from cartrial.response.lesions import ObservationStatus
from cartrial.services import tumour
from cartrial.services.site_view import SubjectAtSite
from cartrial.vocabulary import LESION_KINDS
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import fragment
from cartrial.web.pages.subject_form import SubjectForm

router = APIRouter(route_class=PageRoute)
ROWS = 8
STATUSES: tuple[str, ...] = typing.get_args(ObservationStatus)


def lesions_of(values: dict[str, str]) -> list[tumour.LesionInput]:
    """The typed lesion rows (a row counts when its code is given)."""
    out = []
    for i in range(ROWS):
        code = values.get(f"lesions[{i}].lesion_code", "").strip()
        if not code:
            continue
        raw = values.get(f"lesions[{i}].diameter_mm", "").strip()
        try:
            diameter = Decimal(raw) if raw else None
        except InvalidOperation:
            raise InputError(
                f"lesions[{i}].diameter_mm", raw, "a diameter in mm such as 23"
            ) from None
        out.append(
            tumour.LesionInput(
                lesion_code=code,
                kind=values.get(f"lesions[{i}].kind", "target"),
                location=values.get(f"lesions[{i}].location", "").strip(),
                diameter_mm=diameter,
                status=values.get(f"lesions[{i}].status") or None,
                is_nodal=values.get(f"lesions[{i}].is_nodal") == "yes",
            )
        )
    return out


def _date(values: dict[str, str]) -> dt.date:
    raw = values.get("assessed_on", "")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InputError("assessed_on", raw, "the imaging date, such as 2026-05-04") from None


def _preview(
    sessions: Any, user: PageUser, subject_id: str, values: dict[str, str]
) -> dict[str, Any]:
    try:
        response, reason = tumour.preview_response(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            assessed_on=_date(values),
            method=values.get("method", "CT"),
            lesions=lesions_of(values),
        )
    except InputError as exc:
        return {"response": None, "reason": "", "error": str(exc)}
    return {"response": response, "reason": reason, "error": ""}


def _context(
    sessions: Any, user: PageUser, subject: SubjectAtSite, values: dict[str, str]
) -> dict[str, Any]:
    preview = {"response": None, "reason": "", "error": ""}
    if values.get("assessed_on"):
        preview = _preview(sessions, user, subject.id, values)
    return {"rows": range(ROWS), "kinds": LESION_KINDS, "statuses": STATUSES, "preview": preview}


FORM = SubjectForm("web_tumour.html.j2", "Tumour assessment of {code}", context=_context)


@router.get("/subjects/{subject_id}/tumour", include_in_schema=False)
async def tumour_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await FORM.blank(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/tumour/preview", include_in_schema=False)
async def tumour_preview(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    preview = await run_in_threadpool(_preview, sessions, user, subject_id, values)
    return fragment("web_tumour_response.html.j2", preview=preview)


@router.post("/subjects/{subject_id}/tumour", include_in_schema=False)
async def tumour_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(_subject: SubjectAtSite, values: dict[str, str]) -> None:
        tumour.record_tumour_assessment(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            assessed_on=_date(values),
            method=values.get("method", "CT"),
            lesions=lesions_of(values),
        )

    return await FORM.save(request, sessions, user, subject_id, store)
