"""User accounts: lifting a lockout (admin)."""

from __future__ import annotations

from fastapi import APIRouter, status

from cartrial.services import admin
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.schemas import UnlockUserIn

router = APIRouter(tags=["users"])


@router.post("/users/{username}/unlock", status_code=status.HTTP_204_NO_CONTENT)
def unlock_user(
    username: str, body: UnlockUserIn, sessions: SessionsDep, actor: CurrentActor
) -> None:
    """Lift a lockout after the person's identity was checked (21 CFR 11.300(d))."""
    admin.unlock_user(sessions, actor=actor, username=username, reason=body.reason)
