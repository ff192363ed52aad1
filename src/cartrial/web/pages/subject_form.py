"""The scaffolding every data-entry page of one subject shares (``/subjects/{id}/...``).

:meth:`SubjectForm.show`: the subject at its site (another site's subject is not
found, the 404 page: :func:`cartrial.services.site_view.subject_at_site`), the form's
template with the site and its zone in the header, the values as typed and each
error next to its field. :meth:`SubjectForm.save`: the posted form (CSRF checked,
:func:`cartrial.web.pages.deps.posted_form`), the role's check
(:func:`cartrial.services.access.authorize`, the API's), the service call, then back
to the subject; a refusal shows the form again, 422, in the engine's words by the
field it names (a value that must be unique and is taken: 409, by its field).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import DuplicateError, InputError
from cartrial.services import site_view
from cartrial.services.access import authorize
from cartrial.services.site_view import SubjectAtSite
from cartrial.web.pages.deps import PageUser, posted_form
from cartrial.web.pages.render import page, site_label

__all__ = ["Context", "Store", "SubjectForm", "decimal_field"]

#: Reads what the page shows besides the form, given (sessions, user, subject, values);
#: run in the thread pool once the subject is found; may set defaults in the values;
#: an ``errors`` entry is merged with the page's.
Context = Callable[[Any, PageUser, SubjectAtSite, dict[str, str]], dict[str, Any]]
#: Stores the posted values through a service (run in the thread pool).
Store = Callable[[SubjectAtSite, dict[str, str]], object]


def decimal_field(values: dict[str, str], name: str) -> Decimal | None:
    """The number typed in field ``name``; None when left empty."""
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        raise InputError(name, raw, "a number such as 1.5") from None


def _no_context(
    _sessions: Any, _user: PageUser, _subject: SubjectAtSite, _values: dict[str, str]
) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class SubjectForm:
    """One subject form page: its template, title (``{code}`` = the subject's), role check."""

    template: str
    title: str
    action: str = "ae.record"
    context: Context = _no_context
    done: str = ""

    async def show(
        self,
        request: Request,
        sessions: Any,
        user: PageUser,
        subject_id: str,
        values: dict[str, str] | None = None,
        *,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        **given: Any,
    ) -> Response:
        """The form with ``values`` as typed and ``errors`` by their field; ``given`` names
        are passed to the template over the context's (what a refused save adds)."""
        shown = dict(values or {})

        def read() -> tuple[SubjectAtSite, dict[str, Any]]:
            subject = site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
            return subject, self.context(sessions, user, subject, shown)

        subject, extra = await run_in_threadpool(read)
        found = extra.pop("errors", {})
        return page(
            request,
            self.template,
            status_code=status_code,
            title=self.title.format(code=subject.code),
            user=user,
            site=site_label(subject.site_code, subject.time_zone),
            subject=subject,
            values=shown,
            errors={**found, **(errors or {})},
            **{**extra, **given},
        )

    async def blank(
        self, request: Request, sessions: Any, user: PageUser, subject_id: str
    ) -> Response:
        """The empty form, for a role that may take the action."""
        authorize(user.actor, self.action)
        return await self.show(request, sessions, user, subject_id)

    async def save(
        self, request: Request, sessions: Any, user: PageUser, subject_id: str, store: Store
    ) -> Response:
        """Store the posted form; back to the subject, or the form again with the refusal."""
        values = await posted_form(request, user)
        authorize(user.actor, self.action)

        def run() -> None:
            subject = site_view.subject_at_site(sessions, actor=user.actor, subject_id=subject_id)
            store(subject, values)

        try:
            await run_in_threadpool(run)
        except (InputError, DuplicateError) as exc:
            return await self.show(
                request,
                sessions,
                user,
                subject_id,
                values,
                errors={exc.field: str(exc)},
                status_code=409 if isinstance(exc, DuplicateError) else 422,
            )
        return RedirectResponse(f"/subjects/{subject_id}{self.done}", status_code=303)
