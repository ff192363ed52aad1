"""``/auth``: log in and out, API tokens."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from cartrial.services import auth
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.idempotency import ApiRoute, returns_secret
from cartrial.web.api.schemas import ApiTokenIn, ApiTokenOut, LoginIn, TokenOut

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
    header = request.headers.get("authorization", "")
    auth.logout(sessions, header.removeprefix("Bearer ").strip())


@router.post("/tokens", response_model=ApiTokenOut, status_code=status.HTTP_201_CREATED)
@returns_secret
def create_token(body: ApiTokenIn, sessions: SessionsDep, actor: CurrentActor) -> ApiTokenOut:
    """An API token acting as you in your current role and site; shown once."""
    secret, row = auth.create_api_token(sessions, actor=actor, label=body.label)
    return ApiTokenOut(id=row.id, token=secret, label=row.label)


@router.delete("/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_token(token_id: str, sessions: SessionsDep, actor: CurrentActor) -> None:
    """Revoke an API token at once."""
    auth.revoke_api_token(sessions, actor=actor, token_id=token_id)
