"""``/subjects/{id}/adverse-events``: an adverse event as reported by the site.

:func:`cartrial.services.safety.record_adverse_event`: the CTCAE v5.0 term (or
CRS/ICANS under ASTCT 2019, which the daily form grades), onset on the site's
calendar, the reported grade 1-5, seriousness (ICH E2A) and causality on the safety
engine's five-point scale; an unknown word is refused by its field.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, Response

from cartrial.errors import InputError
from cartrial.safety.events import RELATEDNESS
from cartrial.services import safety
from cartrial.services.site_view import SubjectAtSite
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, SignedIn
from cartrial.web.pages.subject_form import SubjectForm

router = APIRouter(route_class=PageRoute)


FORM = SubjectForm(
    "web_ae.html.j2",
    "Adverse event of {code}",
    context=lambda _sessions, _user, _subject, _values: {"relatedness": RELATEDNESS},
    done="#aes",
)


@router.get("/subjects/{subject_id}/adverse-events", include_in_schema=False)
async def ae_form(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    return await FORM.blank(request, sessions, user, subject_id)


@router.post("/subjects/{subject_id}/adverse-events", include_in_schema=False)
async def ae_save(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(_subject: SubjectAtSite, values: dict[str, str]) -> None:
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

    return await FORM.save(request, sessions, user, subject_id, store)
