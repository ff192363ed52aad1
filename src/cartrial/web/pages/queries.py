"""Data queries and field history.

- ``/queries``: the worklist of the subjects the user may see
  (:func:`cartrial.services.site_view.query_worklist`), with the actions the role
  may take: answer (site staff), close (monitor, data manager).
- ``/subjects/{id}/queries/new``: open a query on one field of one record
  (monitor, data manager; :func:`cartrial.services.data.open_query`).
- ``/subjects/{id}/history/{record}``: the field's audit history, who, when,
  old, new and reason (21 CFR 11.10(e); :func:`cartrial.services.casebook.record_history`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import InputError
from cartrial.services import casebook, data, site_view
from cartrial.services.access import authorize
from cartrial.services.casebook import format_site_time
from cartrial.services.site_view import SubjectAtSite
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, PageUser, SignedIn, posted_form, user_site
from cartrial.web.pages.render import page, site_label
from cartrial.web.pages.subject_form import SubjectForm

router = APIRouter(route_class=PageRoute)


async def _worklist(
    request: Request,
    sessions: Any,
    user: PageUser,
    *,
    show_all: bool = False,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    items = await run_in_threadpool(
        lambda: site_view.query_worklist(sessions, actor=user.actor, open_only=not show_all)
    )
    return page(
        request,
        "web_queries.html.j2",
        status_code=status_code,
        title="Queries",
        user=user,
        site=await user_site(sessions, user),
        queries=items,
        show_all=show_all,
        errors=errors or {},
    )


@router.get("/queries", include_in_schema=False)
async def worklist(
    request: Request, sessions: SessionsDep, user: SignedIn, all: bool = False
) -> Response:
    return await _worklist(request, sessions, user, show_all=all)


#: Open a query on one field of one record (the field named by the link that led here).
QUERY_FORM = SubjectForm(
    "web_query_new.html.j2", "Open a query on {code}", action="query.open", done="#q"
)


@router.get("/subjects/{subject_id}/queries/new", include_in_schema=False)
async def open_form(
    request: Request,
    subject_id: str,
    sessions: SessionsDep,
    user: SignedIn,
    table: str = "",
    record: str = "",
    field: str = "",
) -> Response:
    authorize(user.actor, "query.open")
    about = {"table": table[:64], "record": record[:36], "field": field[:64]}
    return await QUERY_FORM.show(request, sessions, user, subject_id, about)


@router.post("/subjects/{subject_id}/queries", include_in_schema=False)
async def open_query(
    request: Request, subject_id: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    def store(_subject: SubjectAtSite, values: dict[str, str]) -> None:
        text = values.get("text", "").strip()
        if not text:
            raise InputError("text", text, "the question to the site")
        data.open_query(
            sessions,
            actor=user.actor,
            subject_id=subject_id,
            table_name=values.get("table", ""),
            record_id=values.get("record", ""),
            field=values.get("field", ""),
            text=text,
        )

    return await QUERY_FORM.save(request, sessions, user, subject_id, store)


@router.post("/queries/{query_id}/{action}", include_in_schema=False)
async def reply(
    request: Request, query_id: str, action: str, sessions: SessionsDep, user: SignedIn
) -> Response:
    """Answer (site staff) or close (monitor, data manager) a query; the text is required."""
    values = await posted_form(request, user)
    text = values.get("text", "").strip()
    try:
        if action not in ("answer", "close"):
            raise InputError("action", action, "answer or close")
        if not text:
            raise InputError("text", text, "an answer" if action == "answer" else "a closing note")
        if action == "answer":
            await run_in_threadpool(
                lambda: data.answer_query(
                    sessions, actor=user.actor, query_id=query_id, answer=text
                )
            )
        else:
            await run_in_threadpool(
                lambda: data.close_query(sessions, actor=user.actor, query_id=query_id, note=text)
            )
    except InputError as exc:
        return await _worklist(
            request, sessions, user, errors={query_id: str(exc)}, status_code=422
        )
    return RedirectResponse("/queries", status_code=303)


@router.get("/subjects/{subject_id}/history/{record_id}", include_in_schema=False)
async def field_history(
    request: Request,
    subject_id: str,
    record_id: str,
    sessions: SessionsDep,
    user: SignedIn,
    field: str = "",
) -> Response:
    record, zone = await run_in_threadpool(
        lambda: casebook.record_history(
            sessions, actor=user.actor, subject_id=subject_id, record_id=record_id
        )
    )
    subject = await run_in_threadpool(
        lambda: site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
    )
    lines = [h for h in record.history if not field or h.field in (field, None)]
    return page(
        request,
        "web_history.html.j2",
        title=f"History of {record.title}",
        user=user,
        site=site_label(subject.site_code, subject.time_zone),
        subject_id=subject_id,
        record=record,
        lines=lines,
        field=field,
        zone=zone,
        when=lambda at: format_site_time(at, zone),
    )
