"""``/subjects/{id}/crs``: the daily CRS/ICANS form with the live ASTCT 2019 grade.

Temperature, blood pressure with vasopressors, oxygen and the ICE items are the
inputs of the ASTCT consensus grading (Lee et al., Biol Blood Marrow Transplant
2019;25:625-638, Tables 2-5), entered as the safety engine's observation models
(:mod:`cartrial.safety.astct_input`). As values are typed, the grade the
subject's open series would have with them is shown with its reason
(:func:`cartrial.services.syndromes.preview_observations`, writing nothing);
saving is :func:`cartrial.services.syndromes.record_observations` (one
transaction per syndrome, the AE opened with its first graded day).
Times are on the site's clock, its zone named beside the input.
"""

from __future__ import annotations

import functools
import typing
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError
from cartrial.safety.astct_input import Consciousness, IceScore, OxygenDevice
from cartrial.safety.dlt import CRS, ICANS
from cartrial.services import syndromes
from cartrial.services.access import authorize
from cartrial.services.site_view import SubjectAtSite
from cartrial.store.models import utcnow
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import fragment
from cartrial.web.pages.subject_form import SubjectForm
from cartrial.web.pages.times import local_input

router = APIRouter(route_class=PageRoute)

OXYGEN_DEVICES: tuple[str, ...] = typing.get_args(OxygenDevice)
CONSCIOUSNESS: tuple[str, ...] = typing.get_args(Consciousness)
#: ICE items with their maximum points (Lee 2019 Table 5: 10 points in all).
ICE_ITEMS = tuple(
    (name, int(next(m.le for m in info.metadata if hasattr(m, "le"))))
    for name, info in IceScore.model_fields.items()
)
#: An engine input's name -> the form field it is typed in (errors land next to it).
_FIELD_OF = {
    "celsius": "temperature",
    "systolic_mmhg": "systolic",
    "hypotension": "hypotension",
    "vasopressors": "vasopressor",
    "device": "oxygen",
    "flow_l_min": "flow",
    "consciousness": "consciousness",
    "time": "time",
    **{f"ice.{name}": f"ice_{name}" for name, _top in ICE_ITEMS},
}


def payloads(values: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The engine's observations from the form: CRS items and one ICANS assessment."""
    time = values.get("time", "").strip()
    when = f"{time}:00" if len(time) == 16 else time
    crs: list[dict[str, Any]] = []
    if temp := values.get("temperature", "").strip():
        crs.append({"kind": "temperature", "time": when, "celsius": temp})
    if (hypo := values.get("hypotension", "")) in ("yes", "no"):
        bp: dict[str, Any] = {"kind": "blood_pressure", "time": when, "hypotension": hypo == "yes"}
        if systolic := values.get("systolic", "").strip():
            bp["systolic_mmhg"] = systolic
        if agent := values.get("vasopressor", "").strip():
            bp["vasopressors"] = [{"agent": agent}]
        crs.append(bp)
    if device := values.get("oxygen", ""):
        oxygen: dict[str, Any] = {"kind": "oxygen", "time": when, "device": device}
        if flow := values.get("flow", "").strip():
            oxygen["flow_l_min"] = flow
        crs.append(oxygen)
    icans: list[dict[str, Any]] = []
    items = {name: values.get(f"ice_{name}", "").strip() for name, _top in ICE_ITEMS}
    consciousness = values.get("consciousness", "")
    if any(items.values()) or consciousness:
        assessment: dict[str, Any] = {"time": when}
        if any(items.values()):
            assessment["ice"] = items
        if consciousness:
            assessment["consciousness"] = consciousness
        icans.append(assessment)
    return {CRS: crs, ICANS: icans}


def _error_field(exc: InputError) -> str:
    return _FIELD_OF.get(exc.field, _FIELD_OF.get(exc.field.split("[")[0], "form"))


def _grades(
    sessions: Any, user: PageUser, subject_id: str, values: dict[str, str]
) -> dict[str, Any]:
    """Per syndrome: the live grade, or the error naming the field."""
    out: dict[str, Any] = {}
    for term, items in payloads(values).items():
        if not items:
            continue
        try:
            out[term] = syndromes.preview_observations(
                sessions, actor=user.actor, subject_id=subject_id, term=term, payloads=items
            )
        except InputError as exc:
            out[term] = exc
    return out


def _errors(grades: dict[str, Any]) -> dict[str, str]:
    return {_error_field(g): str(g) for g in grades.values() if isinstance(g, InputError)}


def _context(
    sessions: Any, user: PageUser, subject: SubjectAtSite, values: dict[str, str]
) -> dict[str, Any]:
    values.setdefault("time", local_input(utcnow(), subject.clock))
    grades = _grades(sessions, user, subject.id, values)
    return {
        "errors": _errors(grades),
        "grades": grades,
        "saved": [],
        "devices": OXYGEN_DEVICES,
        "consciousness": CONSCIOUSNESS,
        "ice_items": ICE_ITEMS,
        "crs": CRS,
        "icans": ICANS,
    }


FORM = SubjectForm("web_crs.html.j2", "CRS/ICANS of {code}", context=_context)


@router.get("/subjects/{subject_id}/crs", include_in_schema=False)
async def crs_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await FORM.blank(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/crs/preview", include_in_schema=False)
async def crs_preview(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    grades = await run_in_threadpool(_grades, sessions, user, subject_id, values)
    return fragment("web_crs_grades.html.j2", grades=grades, crs=CRS, icans=ICANS, saved=[])


@router.post("/subjects/{subject_id}/crs", include_in_schema=False)
async def crs_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    values = await posted_form(request, user)
    authorize(user.actor, "ae.record")
    entered = {term: items for term, items in payloads(values).items() if items}
    if not entered:
        return await FORM.show(
            request,
            sessions,
            user,
            subject_id,
            values,
            errors={
                "form": "nothing entered: give a temperature, blood pressure, oxygen or ICE items"
            },
            status_code=422,
        )
    errors: dict[str, str] = {}
    saved: list[str] = []
    for term, items in entered.items():
        try:
            await run_in_threadpool(
                functools.partial(
                    syndromes.record_observations,
                    sessions,
                    actor=user.actor,
                    subject_id=subject_id,
                    term=term,
                    payloads=items,
                )
            )
            saved.append(term)
        except InputError as exc:
            errors[_error_field(exc) if exc.field != "observations" else f"{term}"] = str(exc)
    if errors:
        return await FORM.show(
            request, sessions, user, subject_id, values, errors=errors, saved=saved, status_code=422
        )
    return RedirectResponse(f"/subjects/{subject_id}?saved=crs", status_code=303)
