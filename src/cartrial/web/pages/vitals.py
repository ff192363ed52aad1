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

from cartrial.errors import InputError
from cartrial.services import followup
from cartrial.services.site_view import SubjectAtSite
from cartrial.store.models import utcnow
from cartrial.vitals import VITAL_SIGNS, check_vital_sign
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn
from cartrial.web.pages.subject_form import SubjectForm
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


def _context(
    _sessions: Any, _user: PageUser, subject: SubjectAtSite, values: dict[str, str]
) -> dict[str, Any]:
    values.setdefault("measured_at", local_input(utcnow(), subject.clock))
    return {"specs": VITAL_SIGNS}


FORM = SubjectForm("web_vitals.html.j2", "Vital signs of {code}", context=_context)


@router.get("/subjects/{subject_id}/vitals", include_in_schema=False)
async def vitals_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await FORM.blank(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/vitals", include_in_schema=False)
async def vitals_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(subject: SubjectAtSite, values: dict[str, str]) -> None:
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

    return await FORM.save(request, sessions, user, subject_id, store)
