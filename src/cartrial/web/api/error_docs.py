"""The OpenAPI document lists, for each operation, the error answers it can give.

Each answer is the one error shape (:class:`cartrial.web.api.errors.ErrorOut`), so a
client generated from the document knows every status it must handle. The rules follow
what the handlers answer (:mod:`cartrial.web.api.errors`), read from the operation as
the document describes it:

- 400 (a body that is not JSON or not UTF-8), 413 (a body over the size limit,
  :mod:`cartrial.web.api.body_limit`) on every operation with a request body;
- 422 (a field refused) on every operation: any query parameter, even one the
  operation does not take, holding NUL is refused (``deps.refuse_nul_in_parameters``);
- 401 and 403 on every operation that needs a bearer token (``security``); 401 also
  on one whose body carries a password (signing in);
- 404 on every operation with a path parameter, and on every one that needs a bearer
  token and has a body (which may name other records: a protocol version, a lot);
- 409 (a conflict, a refused transition or infusion) and 423 (a data lock) on every
  write (POST, PUT, PATCH, DELETE) that needs a bearer token.

FastAPI's own 422 schema (``HTTPValidationError``) is replaced: it is not what we answer.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from cartrial.web.api.errors import ErrorOut

__all__ = ["ERROR_DESCRIPTIONS", "document_error_responses", "error_statuses"]

ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The body is not JSON, or not UTF-8; or the request is refused",
    401: "Not signed in, or the token has expired or was revoked",
    403: "Signed in, but the role or site may not do this",
    404: "No such record, or one of another site",
    409: "A conflict: a stale version, a refused transition, an interlock",
    413: "The request body is over the size limit",
    422: "A field is refused: the message names the field, the value and what was expected",
    423: "The subject's data are locked",
}

_WRITES = frozenset({"post", "put", "patch", "delete"})


def _body_fields(operation: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    content = operation.get("requestBody", {}).get("content", {})
    fields: set[str] = set()
    for media in content.values():
        ref = str(media.get("schema", {}).get("$ref", ""))
        schema = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else media.get("schema", {})
        fields |= set(schema.get("properties", {}))
    return fields


def error_statuses(
    method: str, operation: dict[str, Any], schemas: dict[str, Any] | None = None
) -> list[int]:
    """The error statuses of one OpenAPI operation, by the rules of the module doc.

    >>> error_statuses("get", {})
    [422]
    >>> error_statuses("post", {"requestBody": {}, "security": [{"HTTPBearer": []}]})
    [400, 401, 403, 404, 409, 413, 422, 423]
    """
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    authenticated = bool(operation.get("security"))
    statuses: set[int] = {422}
    if has_body:
        statuses |= {400, 413}
    if authenticated:
        statuses |= {401, 403}
    if "password" in _body_fields(operation, schemas or {}):
        statuses.add(401)
    if (has_body and authenticated) or any(p.get("in") == "path" for p in parameters):
        statuses.add(404)
    if authenticated and method.lower() in _WRITES:
        statuses |= {409, 423}
    return sorted(statuses)


def document_error_responses(app: FastAPI) -> None:
    """Have ``app``'s OpenAPI document list each operation's error answers (built once)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas["ErrorOut"] = ErrorOut.model_json_schema()
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in document.get("paths", {}).values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                for status in error_statuses(method, operation, schemas):
                    responses[str(status)] = {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": error,
                    }
        if "HTTPValidationError" not in str(document.get("paths")):
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
