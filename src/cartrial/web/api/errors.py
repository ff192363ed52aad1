"""One exception hierarchy mapped to one error shape (STYLE practice 15).

Every error is JSON ``{"code", "message", "field"}``; ``field`` names the input
at fault when there is one. The table below is the whole mapping; besides it:

- a body that is not JSON, or not UTF-8 (RFC 8259 section 8.1), is a 400 ``invalid_body``;
- a body over the size limit is a 413 ``body_too_large`` (:mod:`cartrial.web.api.body_limit`);
- any other HTTP error of the framework (unknown path, method not allowed) keeps its
  status, in this shape.

A message never echoes a long value whole (:data:`SHOWN_CHARACTERS` characters, then an
ellipsis and its length) nor a secret at all (:func:`is_secret_field`: passwords, tokens;
OWASP ASVS 4.0.3 V7.1.1, no credentials in logs or answers).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from cartrial.errors import (
    AuthenticationError,
    CartrialError,
    ConflictError,
    DataLocked,
    EnrolmentBlocked,
    InfusionRefused,
    InputError,
    InvalidTransition,
    NotFoundError,
    PermissionDenied,
    ProtocolError,
    clean_location,
    format_location,
)
from cartrial.store.idempotency import KeyInFlight, KeyReused

__all__ = [
    "ERROR_STATUS",
    "SHOWN_CHARACTERS",
    "ErrorOut",
    "install_error_handlers",
    "is_secret_field",
    "shown_value",
]

logger = logging.getLogger("cartrial.web")


class ErrorOut(BaseModel):
    code: str
    message: str
    field: str | None = None


#: exception class -> (HTTP status, code); the first matching class wins.
ERROR_STATUS: list[tuple[type[CartrialError], int, str]] = [
    (AuthenticationError, 401, "unauthenticated"),
    (PermissionDenied, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InfusionRefused, 409, "infusion_refused"),
    (EnrolmentBlocked, 409, "enrolment_blocked"),
    (InvalidTransition, 409, "invalid_transition"),
    (KeyReused, 409, "idempotency_key_reused"),
    (KeyInFlight, 409, "idempotency_key_in_flight"),
    (DataLocked, 423, "data_locked"),
    (InputError, 422, "invalid_input"),
    (ProtocolError, 422, "invalid_protocol"),
    (CartrialError, 400, "refused"),
]


#: Characters of a received value a message shows; the rest is summarised by its length.
SHOWN_CHARACTERS = 40

#: Field names whose values are never shown (the last part of the field's path).
SECRET_FIELDS = frozenset({"password", "token", "secret", "api_key", "authorization"})


def is_secret_field(field: str | None) -> bool:
    """Whether ``field`` (a path such as ``record.password``) holds a secret.

    >>> is_secret_field("new_password"), is_secret_field("token"), is_secret_field("reason")
    (True, True, False)
    """
    if not field:
        return False
    name = field.rsplit(".", 1)[-1].split("[", 1)[0].lower()
    return name in SECRET_FIELDS or name.endswith(("password", "_secret", "_token"))


def shown_value(field: str | None, value: Any) -> str:
    """How a message shows a received ``value``: hidden when secret, cut when long.

    >>> shown_value("subject_id", "S-001")
    "'S-001'"
    >>> shown_value("subject_id", "X" * 50)
    "'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX...' (50 characters)"
    >>> shown_value("password", "hunter2")
    '(hidden)'
    """
    if is_secret_field(field):
        return "(hidden)"
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, str) and len(value) > SHOWN_CHARACTERS:
        return f"{value[:SHOWN_CHARACTERS]!r}".removesuffix("'") + f"...' ({len(value)} characters)"
    text = repr(value)
    if len(text) > SHOWN_CHARACTERS:
        return f"{text[:SHOWN_CHARACTERS]}... ({len(text)} characters)"
    return text


def _response(
    status: int,
    code: str,
    message: str,
    field: str | None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = ErrorOut(code=code, message=message, field=field).model_dump()
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(status_code=status, content=body, headers=headers)


def _input_message(exc: InputError) -> str:
    """The error's message, its value shown by :func:`shown_value`."""
    plain = repr(exc.value)
    if not is_secret_field(exc.field) and len(plain) <= SHOWN_CHARACTERS:
        return str(exc)
    where = f"{exc.source}: " if exc.source else ""
    shown = shown_value(exc.field, exc.value)
    return f"{where}field '{exc.field}': got {shown}, expected {exc.expected}"


def _expected(error: dict[str, Any]) -> str:
    """What pydantic expected, in the words of the rest of the API."""
    ctx = error.get("ctx") or {}
    kind = error.get("type")
    if kind == "string_too_long":
        return f"text of at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return f"text of at least {ctx.get('min_length')} character(s)"
    return str(error.get("msg", "a valid value")).removeprefix("Value error, ")


#: Framework HTTP errors by status: their code.
_HTTP_CODES = {
    400: "invalid_body",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
}

_UNREADABLE_BODY = (
    "the request body could not be read: expected JSON encoded as UTF-8 (RFC 8259 section 8.1)"
)


def install_error_handlers(app: FastAPI) -> None:
    """Map cartrial errors and request validation errors to ``ErrorOut``."""

    @app.exception_handler(CartrialError)
    async def _cartrial(_request: Request, exc: CartrialError) -> JSONResponse:
        for cls, status, code in ERROR_STATUS:
            if isinstance(exc, cls):
                field = exc.field if isinstance(exc, InputError) else None
                if isinstance(exc, ConflictError | KeyReused | KeyInFlight):
                    field = exc.field
                if isinstance(exc, ProtocolError):  # the first problem's YAML path
                    field = exc.problems[0][0] or None if exc.problems else None
                message = _input_message(exc) if isinstance(exc, InputError) else str(exc)
                return _response(status, code, message, field)
        return _response(400, "refused", str(exc), None)  # pragma: no cover

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:  # the server went away (a COMMIT in flight may have landed)
            logger.warning("database connection lost: %s", exc.orig)
            return _response(
                503,
                "database_unavailable",
                (
                    "the database connection was lost; reload before entering the change again "
                    "(a change sent as the connection dropped may have been saved)"
                ),
                None,
            )
        logger.exception("unexpected database error", exc_info=exc)
        return _response(500, "internal_error", "internal error; it has been logged", None)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        return _response(500, "internal_error", "internal error; it has been logged", None)

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "refused")
        message = str(exc.detail)
        if exc.status_code == 400 and message == "There was an error parsing the body":
            message = _UNREADABLE_BODY  # FastAPI's words for a body it could not decode
        headers = dict(exc.headers) if exc.headers else None
        return _response(exc.status_code, code, message, None, headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        if first.get("type") == "json_invalid":  # the body is not JSON at all
            position = first.get("loc", ("body", "?"))[-1]
            reason = (first.get("ctx") or {}).get("error", "not JSON")
            message = f"the request body is not JSON: {reason} at character {position}"
            return _response(400, "invalid_body", message, None)
        loc = [p for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        loc = clean_location(loc)  # no union tags or validator names
        field = format_location(loc) or None
        shown = shown_value(field, first.get("input"))
        expected = _expected(first)
        if first.get("type") == "missing":
            shown, expected = "nothing", "a value (the field is required)"
        message = f"field '{field}': got {shown}, expected {expected}"
        return _response(422, "invalid_input", message, field)
