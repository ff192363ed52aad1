"""``/``: the login page; ``/login`` and ``/logout`` (the API's session service).

A login is one role at one site (:func:`cartrial.services.auth.login`, lockout and
audit entries included); the session token goes into the HttpOnly cookie of
:mod:`cartrial.web.pages.security`, never into the page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from cartrial.errors import AuthenticationError, CartrialError
from cartrial.services import auth
from cartrial.store.models import IDLE_TIMEOUT
from cartrial.vocabulary import ROLES
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, SignedIn
from cartrial.web.pages.render import page
from cartrial.web.pages.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    check_login_csrf,
    clear_session_cookie,
    new_login_csrf,
    set_session_cookie,
)

router = APIRouter(route_class=PageRoute)


def _login_page(
    request: Request,
    *,
    why: str = "",
    error: str = "",
    username: str = "",
    role: str = "coordinator",
    site: str = "",
    status_code: int = 200,
) -> Response:
    token = new_login_csrf()
    response = page(
        request,
        "web_login.html.j2",
        status_code=status_code,
        title="Sign in",
        user=None,
        why=why,
        error=error,
        username=username,
        role=role,
        site=site,
        roles=ROLES,
        login_csrf=token,
        idle_minutes=int(IDLE_TIMEOUT.total_seconds() // 60),
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.get("/", include_in_schema=False)
def login_form(request: Request, why: str = "") -> Response:
    """The login page (``why``: the reason a session ended, shown above the form)."""
    if request.cookies.get(SESSION_COOKIE) and not why:
        return RedirectResponse("/dashboard", status_code=303)
    return _login_page(request, why=why[:200])


@router.post("/login", include_in_schema=False)
async def login(
    request: Request,
    sessions: SessionsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    role: Annotated[str, Form(max_length=32)],
    csrf_token: Annotated[str, Form(max_length=128)] = "",
    site: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Sign in; a wrong password or an unknown grant is shown above the form (401)."""
    check_login_csrf(request, csrf_token)
    try:
        token, _actor = await run_in_threadpool(
            lambda: auth.login(
                sessions,
                username=username,
                password=password,
                role=role,
                site_code=site.strip() or None,
            )
        )
    except (AuthenticationError, CartrialError) as exc:
        return _login_page(
            request, error=str(exc), username=username, role=role, site=site, status_code=401
        )
    response = RedirectResponse("/dashboard", status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", include_in_schema=False)
async def logout(
    request: Request,
    sessions: SessionsDep,
    user: SignedIn,
    csrf_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """End the session (the API's logout) and clear the cookie."""
    check_csrf(user.token, csrf_token)
    await run_in_threadpool(auth.logout, sessions, user.token)
    response = RedirectResponse("/?why=" + "signed%20out", status_code=303)
    clear_session_cookie(response, request)
    return response
