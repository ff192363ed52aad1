"""``/account``: the signed-in person's own account; changing one's password.

The page calls :func:`cartrial.services.auth.change_password`, the use case behind
``POST /api/v1/auth/password`` (one implementation): the current password is
re-entered (21 CFR 11.300(d); a wrong one counts towards the login lock, NIST SP
800-63B section 5.2.2), the change is audited, and the person's other sessions end
while this one goes on. The new password is typed twice, the page's own check that
the person typed what they meant; the length rule is the service's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from cartrial.errors import AuthenticationError, InputError
from cartrial.services import auth
from cartrial.web.api.deps import SessionsDep
from cartrial.web.pages.deps import PageRoute, SignedIn, posted_form, user_site
from cartrial.web.pages.render import page

router = APIRouter(route_class=PageRoute)


async def _account_page(
    request: Request,
    sessions: SessionsDep,
    user: SignedIn,
    *,
    errors: dict[str, str] | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "web_account.html.j2",
        status_code=status_code,
        title="Your account",
        user=user,
        site=await user_site(sessions, user),
        errors=errors or {},
        done=done,
    )


@router.get("/account", include_in_schema=False)
async def account(request: Request, sessions: SessionsDep, user: SignedIn) -> Response:
    """Who is signed in, as what and where; the password change form."""
    return await _account_page(request, sessions, user)


@router.post("/account/password", include_in_schema=False)
async def change_password(
    request: Request,
    sessions: SessionsDep,
    user: SignedIn,
) -> Response:
    """Change the password; a refusal is shown by its field, nothing typed is shown back."""
    form = await posted_form(request, user)
    current = form.get("current_password", "")
    new = form.get("new_password", "")
    if new != form.get("repeat_password", ""):
        errors = {"repeat_password": "the two new passwords differ: type the same one twice"}
        return await _account_page(request, sessions, user, errors=errors, status_code=422)
    try:
        ended = await run_in_threadpool(
            lambda: auth.change_password(
                sessions,
                actor=user.actor,
                current_password=current,
                new_password=new,
                session_token=user.token,
            )
        )
    except AuthenticationError as exc:
        errors = {"current_password": str(exc)}
        return await _account_page(request, sessions, user, errors=errors, status_code=401)
    except InputError as exc:
        errors = {"new_password": str(exc)}
        return await _account_page(request, sessions, user, errors=errors, status_code=422)
    others = f"{ended} other session{'s' if ended != 1 else ''} ended" if ended else ""
    done = "Your password is changed" + (f"; {others}." if others else ".")
    return await _account_page(request, sessions, user, done=done)
