"""``/subjects/{id}/labs``: a laboratory result with its live CTCAE v5.0 grade.

As values are typed, the grade :func:`cartrial.services.followup.record_lab` would
store is shown with the engine's reason (:func:`~cartrial.services.followup.preview_lab_grade`,
the same unit policy and grading, storing nothing); saving is ``record_lab``. The
collection time is on the site's clock, its zone in the label.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from cartrial.errors import InputError
from cartrial.safety.ctcae import load_ctcae
from cartrial.services import followup
from cartrial.services.site_view import SubjectAtSite
from cartrial.store.models import utcnow
from cartrial.units import ANALYTES
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form
from cartrial.web.pages.render import fragment
from cartrial.web.pages.subject_form import SubjectForm, decimal_field
from cartrial.web.pages.times import local_input, parse_local

router = APIRouter(route_class=PageRoute)


def lab_terms() -> list[tuple[str, str]]:
    """(CTCAE v5.0 term, the test it is graded from) for every lab-graded term."""
    return sorted((t.term, t.lab.analyte) for t in load_ctcae().terms if t.lab is not None)


def _inputs(values: dict[str, str]) -> dict[str, Any]:
    value = decimal_field(values, "value")
    if value is None:
        raise InputError("value", "", "the value as the laboratory reports it")
    return {
        "test": values.get("test", ""),
        "value": value,
        "unit": values.get("unit", "").strip(),
        "uln": decimal_field(values, "uln"),
        "lln": decimal_field(values, "lln"),
        "baseline": decimal_field(values, "baseline"),
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


def _context(
    _sessions: Any, _user: PageUser, subject: SubjectAtSite, values: dict[str, str]
) -> dict[str, Any]:
    values.setdefault("collected_at", local_input(utcnow(), subject.clock))
    values.setdefault("test", "platelets")
    values.setdefault("unit", next(iter(ANALYTES["platelets"].factors)))
    derivation, problems = _preview(values) if values.get("value") else (None, {})
    return {
        "errors": problems,
        "derivation": derivation,
        "tests": list(ANALYTES),
        "terms": lab_terms(),
    }


FORM = SubjectForm("web_lab.html.j2", "Lab of {code}", context=_context, done="#labs")


@router.get("/subjects/{subject_id}/labs", include_in_schema=False)
async def lab_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await FORM.blank(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/labs/preview", include_in_schema=False)
async def lab_preview(request: Request, subject_id: str, user: SignedIn) -> Response:
    values = await posted_form(request, user)
    derivation, errors = _preview(values)
    return fragment("web_lab_grade.html.j2", derivation=derivation, errors=errors)


@router.post("/subjects/{subject_id}/labs", include_in_schema=False)
async def lab_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(subject: SubjectAtSite, values: dict[str, str]) -> None:
        collected = parse_local(values.get("collected_at", ""), subject.clock, field="collected_at")
        followup.record_lab(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            collected_at=collected,
            ctcae_term=values.get("ctcae_term") or None,
            **_inputs(values),
        )

    return await FORM.save(request, sessions, user, subject_id, store)
