"""Who is at the keyboard, and how a refusal becomes a page.

The signed-in actor comes from the session cookie through the API's own
session check (:func:`cartrial.services.auth.resolve_session`: idle timeout,
deactivated accounts, the grant read again on every request: a session whose grant
was revoked goes back to the login page saying so); role checks are
:func:`cartrial.services.access.authorize`,
the function behind the API's ``require`` (one implementation); site checks are
in the services, where the subject's site is known.

:class:`PageRoute` turns the exception hierarchy into pages with the status of
the API's table (:data:`cartrial.web.api.errors.ERROR_STATUS`): not signed in or
session expired is a redirect to the login page saying why; another site's
subject (or any unknown record) is the 404 page; a role that may not act is the
403 page; other refusals are an error page in the engine's words.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, CartrialError, PermissionDenied
from cartrial.services import admin, auth
from cartrial.services.access import authorize
from cartrial.web.api.deps import SessionsDep
from cartrial.web.api.errors import ERROR_STATUS
from cartrial.web.pages.render import page, site_label
from cartrial.web.pages.security import SESSION_COOKIE, check_csrf, csrf_token

__all__ = [
    "PageRoute",
    "PageUser",
    "SignedIn",
    "may",
    "posted_form",
    "session_token",
    "user_site",
]


@dataclass(frozen=True)
class PageUser:
    """The signed-in actor of a page request, with the session's CSRF token."""

    actor: Actor
    token: str

    @property
    def csrf(self) -> str:
        return csrf_token(self.token)

    def may(self, action: str) -> bool:
        """Whether the role may do ``action`` (:data:`cartrial.services.access.PERMISSIONS`)."""
        return may(self.actor, action)


def may(actor: Actor, action: str) -> bool:
    try:
        authorize(actor, action)
    except CartrialError:
        return False
    return True


def session_token(request: Request) -> str:
    """The session cookie's token; none is "sign in first"."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise AuthenticationError("sign in first")
    return token


async def signed_in(request: Request, sessions: SessionsDep) -> PageUser:
    token = session_token(request)
    try:
        actor = await run_in_threadpool(auth.resolve_session, sessions, token)
    except PermissionDenied as exc:  # the grant is gone: sign in again, in a role still held
        raise AuthenticationError(str(exc)) from exc
    return PageUser(actor, token)


SignedIn = Annotated[PageUser, Depends(signed_in)]


def _status_of(exc: CartrialError) -> int:
    return next((status for cls, status, _code in ERROR_STATUS if isinstance(exc, cls)), 400)


def _login_redirect(request: Request, why: str) -> Response:
    target = "/?why=" + quote(why)
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def error_page(request: Request, exc: CartrialError) -> Response:
    """The page for a refusal (module doc)."""
    if isinstance(exc, AuthenticationError):
        return _login_redirect(request, str(exc))
    status = _status_of(exc)
    titles = {404: "Not found", 403: "Not allowed", 401: "Sign in"}
    return page(
        request,
        "web_error.html.j2",
        status_code=status,
        user=None,
        title=titles.get(status, "Refused"),
        status=status,
        message=str(exc),
    )


class PageRoute(APIRoute):
    """A route whose refusals are pages (module doc)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except CartrialError as exc:
                return error_page(request, exc)

        return route


async def posted_form(request: Request, user: PageUser) -> dict[str, str]:
    """A submitted form's text fields, once its CSRF token is checked against the session."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    check_csrf(user.token, values.get("csrf_token"))
    return values


async def user_site(sessions: Any, user: PageUser) -> str:
    """The header's site of a page about the user's own site (not one subject's): its
    code and time zone; empty for a sponsor-wide user, whose pages span the sites."""
    found = await run_in_threadpool(admin.site_of_actor, sessions, user.actor)
    return site_label(*found) if found else ""
