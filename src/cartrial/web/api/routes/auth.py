"""``/auth``: log in and out, API tokens (they expire), your own password."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request, status

from cartrial.services import auth
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.idempotency import ApiRoute, returns_secret
from cartrial.web.api.schemas import (
    ApiTokenIn,
    ApiTokenOut,
    LoginIn,
    PasswordChangedOut,
    PasswordChangeIn,
    TokenOut,
)

router = APIRouter(prefix="/auth", tags=["auth"], route_class=ApiRoute)


@router.post("/login", response_model=TokenOut)
@returns_secret
def login(body: LoginIn, sessions: SessionsDep) -> TokenOut:
    """A session token for one role at one site (15 minutes idle timeout)."""
    token, actor = auth.login(
        sessions,
        username=body.username,
        password=body.password,
        role=body.role,
        site_code=body.site,
    )
    return TokenOut(token=token, username=actor.username, role=actor.role, site_id=actor.site_id)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, sessions: SessionsDep, _actor: CurrentActor) -> None:
    """End the current session."""
    auth.logout(sessions, _bearer(request))


def _bearer(request: Request) -> str:
    return request.headers.get("authorization", "").removeprefix("Bearer ").strip()


@router.post("/password", response_model=PasswordChangedOut)
@returns_secret  # the request holds passwords: no key, so no fingerprint of them is kept
def change_password(
    body: PasswordChangeIn, request: Request, sessions: SessionsDep, actor: CurrentActor
) -> PasswordChangedOut:
    """Change your password, re-entering the current one; your other sessions end (audited)."""
    ended = auth.change_password(
        sessions,
        actor=actor,
        current_password=body.current_password,
        new_password=body.new_password,
        session_token=_bearer(request),
    )
    return PasswordChangedOut(sessions_ended=ended)


@router.post("/tokens", response_model=ApiTokenOut, status_code=status.HTTP_201_CREATED)
@returns_secret
def create_token(body: ApiTokenIn, sessions: SessionsDep, actor: CurrentActor) -> ApiTokenOut:
    """An API token acting as you in your current role and site; shown once.

    It expires after ``lifetime_days`` (default 90, at most 365); it also stops when
    it is revoked, or when that role grant is revoked or the account deactivated.
    """
    lifetime = dt.timedelta(days=body.lifetime_days) if body.lifetime_days else None
    secret, row = auth.create_api_token(sessions, actor=actor, label=body.label, lifetime=lifetime)
    return ApiTokenOut(id=row.id, token=secret, label=row.label, expires_at=row.expires_at)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, sessions: SessionsDep, actor: CurrentActor) -> None:
    """Revoke an API token at once."""
    auth.revoke_api_token(sessions, actor=actor, token_id=token_id)
