"""Refuse a request body over a set size before anything reads it (413).

A body is parsed whole into memory (JSON, then pydantic); without a limit one request
of a few hundred megabytes ties up a worker and its memory. The limit is checked at the
ASGI layer, before routing and parsing (nginx's ``client_max_body_size``, default 1 MiB;
OWASP ASVS 4.0.3 V13.1.3, request size limits):

- a ``Content-Length`` above the limit is answered 413 at once, without reading the body;
- a body sent without a length (``Transfer-Encoding: chunked``), or longer than it said,
  is counted as it streams in, and refused as soon as the count passes the limit.

The answer is the API's error shape (:mod:`cartrial.web.api.errors`), with
``Connection: close`` since the rest of the body is not read (RFC 9110 section 15.5.14).
The limit is ``$CARTRIAL_API_MAX_BODY_BYTES`` under ``cartrial serve``
(:func:`cartrial.web.api.serve.max_body_bytes`), default :data:`DEFAULT_MAX_BODY_BYTES`.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_MAX_BODY_BYTES", "BodyTooLarge", "LimitBodySize"]

#: 1 MiB: a screening record with every field is about 10 KiB.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def _message(limit: int, got: str) -> str:
    return f"the request body is {got}; the limit is {limit} bytes"


class BodyTooLarge(HTTPException):
    """Raised inside ``receive`` when a streamed body passes the limit.

    An ``HTTPException``, so that the framework's body parsing lets it through (it
    turns other errors into a 400) and the API's handler answers it in the error shape.
    """

    def __init__(self, limit: int):
        super().__init__(
            413,
            _message(limit, f"over {limit} bytes (counted as it was sent)"),
            headers={"Connection": "close"},
        )


class LimitBodySize:
    """ASGI middleware: a 413 for any HTTP request body over ``max_bytes``."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = DEFAULT_MAX_BODY_BYTES):
        if max_bytes < 1:
            raise ValueError(f"max_bytes: got {max_bytes}, expected at least 1")
        self.app = app
        self.max_bytes = max_bytes

    async def _refuse(self, send: Send, got: str) -> None:
        body = json.dumps(
            {"code": "body_too_large", "message": _message(self.max_bytes, got), "field": None}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                declared = value.decode("latin-1").strip()
                if not declared.isdigit():
                    await self._refuse_bad_length(send, declared)
                    return
                if int(declared) > self.max_bytes:
                    await self._refuse(send, f"{int(declared)} bytes (Content-Length)")
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:  # read outside the API's handlers (none today)
            if started:  # pragma: no cover - an app that answers before reading its body
                raise
            await self._refuse(send, f"over {self.max_bytes} bytes (counted as it was sent)")

    async def _refuse_bad_length(self, send: Send, declared: str) -> None:
        body = json.dumps(
            {
                "code": "invalid_body",
                "message": f"Content-Length {declared[:40]!r} is not a number of bytes",
                "field": None,
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 400,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
