"""The ``Idempotency-Key`` header on every POST of ``/api/v1``.

IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header-06): a client names a POST with a key,
and a retry with the same key and the same request gets the first reply again,
marked ``Idempotent-Replayed: true``, instead of a second record. The storage, and
why the reply is committed in the same transaction as the records
(a crash keeps both or neither), are in :mod:`cartrial.store.idempotency`.

- The header (draft section 2.1) is a Structured Field string, ``"..."`` (RFC 8941
  section 3.3.3: printable ASCII, ``\\"`` and ``\\\\`` escaped); a bare key of visible
  ASCII (as many clients send) is read as the same key. Empty, longer than
  :data:`~cartrial.store.idempotency.MAX_KEY_LENGTH` characters, repeated or otherwise
  malformed: 422 naming the header, nothing done.
- The request's fingerprint (draft section 2.4) is the SHA-256 of its method, path,
  query and body bytes: the same key with any of them different is a 409.
- Login and API-token issue answer with a secret, which is never stored: a key there
  is refused (422); retrying them without one only issues another secret. A password
  change or reset is marked the same way: its request holds passwords, and a stored
  fingerprint would be an unsalted hash of them.

:class:`ApiRoute` is the route class of every API router: it wraps each POST
endpoint so that, when the request has a key, the key is claimed before the use case
runs and the reply is rendered and stored in the endpoint's own worker thread, before
the transaction's COMMIT (the audit chain lock is held until then, and is never held
across a hand-off to another thread).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import ResponseValidationError
from fastapi.responses import JSONResponse
from fastapi.utils import is_body_allowed_for_status_code

from cartrial.actor import Actor
from cartrial.errors import InputError
from cartrial.store.idempotency import (
    HEADER,
    MAX_KEY_LENGTH,
    Replay,
    RequestSessions,
    RequestUnit,
    StoredReply,
)
from cartrial.web.api.errors import ErrorOut
from cartrial.web.api.strict_json import StrictJsonRoute

__all__ = [
    "REPLAYED_HEADER",
    "ApiRoute",
    "fingerprint",
    "parse_key",
    "read_idempotency_key",
    "returns_secret",
]

logger = logging.getLogger("cartrial.web")

#: Marks a replayed reply (the draft names none; the same name as several APIs use).
REPLAYED_HEADER = "Idempotent-Replayed"
_SECRET = "__cartrial_returns_secret__"
_EXPECTED = (
    f'a quoted string of 1-{MAX_KEY_LENGTH} printable ASCII characters (e.g. "<a UUID>"), '
    "or the same without quotes and spaces"
)

F = TypeVar("F", bound=Callable[..., Any])

#: The header as each keyed operation lists it in the OpenAPI document.
_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH + 2},
    "description": (
        "names this request so that a retry gets its reply instead of a second record "
        "(draft-ietf-httpapi-idempotency-key-header); kept 24 h per user; docs/store.md"
    ),
}
_CONFLICT = {
    "model": ErrorOut,
    "description": "a conflict; with Idempotency-Key: the key was used for another request "
    "(idempotency_key_reused) or its first request is still running (idempotency_key_in_flight)",
}


def parse_key(raw: str) -> str:
    """The key in an ``Idempotency-Key`` header value (module doc); InputError if malformed.

    >>> parse_key('"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    '8e03978e-40d5-43e8-bc93-6894a57f9324'
    >>> parse_key('"a \\\\"b\\\\""'), parse_key("retry-1")
    ('a "b"', 'retry-1')
    """
    value = raw.strip(" \t")
    if value.startswith('"'):
        chars: list[str] = []
        index = 1
        while index < len(value):
            char = value[index]
            if char == "\\" and index + 1 < len(value) and value[index + 1] in '"\\':
                chars.append(value[index + 1])
                index += 2
                continue
            if char == '"':
                break
            if not " " <= char <= "~" or char == "\\":
                raise InputError(HEADER, raw, _EXPECTED)
            chars.append(char)
            index += 1
        if index != len(value) - 1:  # no closing quote, or something after it
            raise InputError(HEADER, raw, _EXPECTED)
        key = "".join(chars)
    else:
        key = value
        if any(not "!" <= c <= "~" or c in '"\\,' for c in key):
            raise InputError(HEADER, raw, _EXPECTED)
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise InputError(HEADER, raw, _EXPECTED)
    return key


async def read_idempotency_key(request: Request) -> None:
    """Router dependency: a POST with the header gets a :class:`RequestUnit` on its state.

    ``deps.get_sessions`` then hands the request the unit's sessions; a request
    without the header is untouched.
    """
    if request.method != "POST":
        return
    values = request.headers.getlist(HEADER)
    if not values:
        return
    if len(values) > 1:
        raise InputError(HEADER, f"{len(values)} headers", "one Idempotency-Key header")
    key = parse_key(values[0])
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    request.state.idempotency = RequestUnit(
        request.app.state.sessions,
        key=key,
        fingerprint=fingerprint(request.method, path, body),
        method=request.method,
        path=path,
    )


def fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the method, the path with its query and the body (each length-prefixed)."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def returns_secret(endpoint: F) -> F:
    """Mark a POST endpoint whose reply holds a secret: a key there is refused (module doc)."""
    setattr(endpoint, _SECRET, True)
    return endpoint


def _quietly(step: Callable[[], None]) -> None:
    try:
        step()
    except Exception:
        logger.exception("ending a keyed request's transaction failed")


def _replay(reply: StoredReply) -> Response:
    response = Response(
        content=reply.body, status_code=reply.status_code, media_type=reply.media_type
    )
    response.headers[REPLAYED_HEADER] = "true"
    return response


class ApiRoute(StrictJsonRoute):
    """An API route whose POST endpoint honours ``Idempotency-Key`` (module doc); its body
    is read strictly (:class:`~cartrial.web.api.strict_json.StrictJsonRoute`)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        methods = {m.upper() for m in kwargs.get("methods") or ()}
        if "POST" in methods:
            if inspect.iscoroutinefunction(endpoint):
                raise TypeError(
                    f"POST {path}: an idempotent endpoint must be a plain def, so that its "
                    "reply is stored in the worker thread that commits it"
                )
            if not getattr(endpoint, _SECRET, False):
                extra = dict(kwargs.get("openapi_extra") or {})
                extra["parameters"] = [*extra.get("parameters", []), _PARAMETER]
                kwargs["openapi_extra"] = extra
                kwargs["responses"] = {409: _CONFLICT, **(kwargs.get("responses") or {})}
            endpoint = self._keyed(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def _keyed(self, endpoint: Callable[..., Any]) -> Callable[..., Any]:
        secret = bool(getattr(endpoint, _SECRET, False))

        @functools.wraps(endpoint)
        def keyed(**kwargs: Any) -> Any:
            sessions = next((v for v in kwargs.values() if isinstance(v, RequestSessions)), None)
            if sessions is None:
                return endpoint(**kwargs)
            unit = sessions.unit
            try:
                if secret:
                    raise InputError(
                        HEADER,
                        unit.key,
                        "no key: this reply holds a secret, which is never stored for a replay",
                    )
                actor = next((v for v in kwargs.values() if isinstance(v, Actor)), None)
                if actor is None or actor.user_id is None:
                    raise InputError(HEADER, unit.key, "a request signed in as a user")
                unit.claim(actor)
                value = endpoint(**kwargs)
            except Replay as replay:
                unit.close()
                return _replay(replay.reply)
            except BaseException:
                # Refused or failed: keep what the use case committed itself, as without a key.
                _quietly(unit.close)
                raise
            try:
                response = self._render(value, kwargs)
                if 200 <= response.status_code < 300:
                    unit.store(
                        StoredReply(
                            response.status_code,
                            response.headers.get("content-type"),
                            bytes(response.body),
                        )
                    )
                else:
                    unit.close()
            except BaseException:
                # The reply could not be stored with the records: neither is kept.
                _quietly(unit.rollback)
                raise
            return response

        return keyed

    def _render(self, value: Any, kwargs: dict[str, Any]) -> Response:
        """The reply FastAPI would make of ``value`` (its fast path), made here so it is stored."""
        if isinstance(value, Response):
            return value
        sub = next((v for v in kwargs.values() if isinstance(v, Response)), None)
        status = (sub.status_code if sub is not None else None) or self.status_code or 200
        field = self.response_field
        response: Response
        if not is_body_allowed_for_status_code(status):
            response = Response(status_code=status)
        elif field is None:
            response = JSONResponse(jsonable_encoder(value), status_code=status)
        else:
            checked, errors = field.validate(value, {}, loc=("response",))
            if errors:
                raise ResponseValidationError(errors=errors, body=value)
            content = field.serialize_json(
                checked,
                include=self.response_model_include,
                exclude=self.response_model_exclude,
                by_alias=self.response_model_by_alias,
                exclude_unset=self.response_model_exclude_unset,
                exclude_defaults=self.response_model_exclude_defaults,
                exclude_none=self.response_model_exclude_none,
            )
            response = Response(content=content, media_type="application/json", status_code=status)
        if sub is not None:
            response.headers.raw.extend(
                (k, v) for k, v in sub.headers.raw if k.lower() != b"content-length"
            )
        return response
