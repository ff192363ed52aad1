"""``/protocol-versions``: register a protocol file (its YAML text), list those registered.

Annex 11 section 10: the same text again is the same version (200), a changed
text a new one (201), never an overwrite
(:func:`cartrial.services.admin.register_protocol_version`). An invalid file is
a 422 naming the line and the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from cartrial.errors import InputError
from cartrial.services import admin
from cartrial.services.access import authorize
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import Page, ProtocolVersionOut

router = APIRouter(prefix="/protocol-versions", tags=["protocols"], route_class=ApiRoute)

#: The largest protocol file accepted (the bundled ones are under 64 KiB).
MAX_PROTOCOL_BYTES = 1024 * 1024

_YAML_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "the protocol file's YAML text (UTF-8), as written (docs/protocols.md)",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


async def _request_body(request: Request) -> bytes:
    """The raw body, read on the event loop (the endpoint is a plain def: ApiRoute)."""
    return await request.body()


@router.post(
    "",
    response_model=ProtocolVersionOut,
    status_code=status.HTTP_201_CREATED,
    openapi_extra=_YAML_BODY,
    responses={200: {"model": ProtocolVersionOut, "description": "already registered"}},
)
def register_protocol(
    body: Annotated[bytes, Depends(_request_body)],
    response: Response,
    sessions: SessionsDep,
    actor: CurrentActor,
) -> ProtocolVersionOut:
    """Register a protocol version from its YAML text: 201 new, 200 the same text again."""
    authorize(actor, "protocol.register")
    if len(body) > MAX_PROTOCOL_BYTES:
        raise InputError("body", f"{len(body)} bytes", f"at most {MAX_PROTOCOL_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("body", f"byte {exc.start}", "the protocol as UTF-8 text") from exc
    registration = admin.register_protocol_version(
        sessions, actor=actor, yaml_text=text, origin="request body"
    )
    if not registration.is_new:
        response.status_code = status.HTTP_200_OK
    return ProtocolVersionOut.model_validate(registration.version)


@router.get("", response_model=Page[ProtocolVersionOut])
def list_protocol_versions(
    sessions: SessionsDep, actor: CurrentActor, limit: Limit = 50, offset: Offset = 0
) -> Page[ProtocolVersionOut]:
    """Registered protocol versions, oldest first (every role): screen under one by its id."""
    items, total = admin.list_protocol_versions(sessions, actor=actor, limit=limit, offset=offset)
    return page_of(ProtocolVersionOut, items, total, limit, offset)
