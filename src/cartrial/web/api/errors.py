"""One exception hierarchy mapped to one error shape (STYLE practice 15).

Every error is JSON ``{"code", "message", "field"}``; ``field`` names the input
at fault when there is one. The table below is the whole mapping.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError

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
    format_location,
)
from cartrial.store.idempotency import KeyInFlight, KeyReused

__all__ = ["ERROR_STATUS", "ErrorOut", "install_error_handlers"]

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


def _response(status: int, code: str, message: str, field: str | None) -> JSONResponse:
    body = ErrorOut(code=code, message=message, field=field).model_dump()
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(status_code=status, content=body, headers=headers)


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
                return _response(status, code, str(exc), field)
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

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        loc = [p for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = format_location(loc) or None
        received = first.get("input")
        shown = "{...}" if isinstance(received, dict) else repr(received)
        expected = str(first.get("msg", "a valid value")).removeprefix("Value error, ")
        if first.get("type") == "missing":
            shown, expected = "nothing", "a value (the field is required)"
        message = f"field '{field}': got {shown}, expected {expected}"
        return _response(422, "invalid_input", message, field)
