"""User accounts (admin): lift a lockout, grant and revoke roles, reset a password,
revoke API tokens, deactivate.

21 CFR 11.10(d), (g), 11.100(a), 11.300(d); Annex 11 sections 9 and 12: the
rules are in :mod:`cartrial.services.admin`, which also checks that the actor
is an admin (``user.manage``) and, for an admin granted at a site, that the
account is one of that site's people (any other is a 404, as if it did not exist).
"""

from __future__ import annotations

from fastapi import APIRouter, status

from cartrial.services import admin
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.idempotency import ApiRoute, returns_secret
from cartrial.web.api.schemas import (
    DeactivateUserIn,
    GrantIn,
    GrantOut,
    PasswordResetIn,
    RevokedTokensOut,
    RevokeGrantIn,
    RevokeTokensIn,
    UnlockUserIn,
)

router = APIRouter(tags=["users"], route_class=ApiRoute)


@router.post("/users/{username}/unlock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_user(
    username: str, body: UnlockUserIn, sessions: SessionsDep, actor: CurrentActor
) -> None:
    """Lift a lockout after the person's identity was checked (21 CFR 11.300(d))."""
    admin.unlock_user(sessions, actor=actor, username=username, reason=body.reason)


@router.get("/users/{username}/grants", response_model=list[GrantOut])
def list_grants(username: str, sessions: SessionsDep, actor: CurrentActor) -> list[GrantOut]:
    """Every grant the user was given, revoked ones included (with when they were revoked)."""
    grants = admin.list_grants(sessions, actor=actor, username=username)
    return [GrantOut.model_validate(g) for g in grants]


@router.post(
    "/users/{username}/grants", response_model=GrantOut, status_code=status.HTTP_201_CREATED
)
def grant_role(
    username: str, body: GrantIn, sessions: SessionsDep, actor: CurrentActor
) -> GrantOut:
    """Grant a role at a site (no site: sponsor-wide); a role already held is a 422."""
    grant = admin.grant_role(
        sessions, actor=actor, username=username, role=body.role, site_code=body.site
    )
    return GrantOut.model_validate(grant)


@router.post("/users/{username}/grants/revoke", response_model=GrantOut)
def revoke_role(
    username: str, body: RevokeGrantIn, sessions: SessionsDep, actor: CurrentActor
) -> GrantOut:
    """Revoke a grant (kept, with its revocation time; who and why audited); its sessions end."""
    grant = admin.revoke_role(
        sessions,
        actor=actor,
        username=username,
        role=body.role,
        site_code=body.site,
        reason=body.reason,
    )
    return GrantOut.model_validate(grant)


@router.post("/users/{username}/deactivate", status_code=status.HTTP_204_NO_CONTENT)
def deactivate_user(
    username: str, body: DeactivateUserIn, sessions: SessionsDep, actor: CurrentActor
) -> None:
    """Deactivate an account (kept; the name is never reused); its sessions and tokens end."""
    admin.deactivate_user(sessions, actor=actor, username=username, reason=body.reason)


@router.post("/users/{username}/password", status_code=status.HTTP_204_NO_CONTENT)
@returns_secret  # the request holds passwords: no key, so no fingerprint of them is kept
def reset_password(
    username: str, body: PasswordResetIn, sessions: SessionsDep, actor: CurrentActor
) -> None:
    """Set another person's password, re-entering your own; their sessions and tokens end."""
    admin.reset_password(
        sessions,
        actor=actor,
        username=username,
        new_password=body.new_password,
        reason=body.reason,
        admin_password=body.admin_password,
    )


@router.post("/users/{username}/tokens/revoke", response_model=RevokedTokensOut)
def revoke_tokens(
    username: str, body: RevokeTokensIn, sessions: SessionsDep, actor: CurrentActor
) -> RevokedTokensOut:
    """Revoke every API token of the account at once (audited, with the reason)."""
    count = admin.revoke_user_tokens(sessions, actor=actor, username=username, reason=body.reason)
    return RevokedTokensOut(revoked=count)
