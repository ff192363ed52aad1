"""Request bodies parsed as strictly as the CLI parses files (issue 14).

Python's :func:`json.loads`, which FastAPI calls on a request body, keeps the last of
two equal keys in one object (``{"grade": 1, "grade": 4}`` is grade 4), accepts
``NaN`` and ``Infinity`` (not JSON: RFC 8259 section 6), and nests without bound. The
CLI already refuses all three through :func:`cartrial.jsontext.parse_json_text`; this
route class gives the API the same parser, so a body means one thing on every path.

RFC 8259 section 4 says only that names *should* be unique and that receivers differ
on duplicates; an entry system must not pick one silently, so a duplicate is a 400
``invalid_body`` naming the key. A body that is not JSON at all keeps FastAPI's own
refusal (the decoder's message and position), and one that is not UTF-8 FastAPI's
"could not parse" 400, both in the ``{code, message, field}`` shape
(:mod:`cartrial.web.api.errors`). The request model then validates the parsed value as
before. No library offers this: FastAPI documents a custom ``Request`` class on a
custom route class as the way to change how a body is read, which is what this is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.routing import APIRoute

from cartrial.errors import InputError
from cartrial.jsontext import parse_json_text

__all__ = ["StrictJsonRequest", "StrictJsonRoute"]

_SOURCE = "request body"


class StrictJsonRequest(Request):
    """A request whose :meth:`json` refuses duplicate keys, NaN/Infinity and deep nesting."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            text = (await self.body()).decode("utf-8")  # not UTF-8: FastAPI's 400, as before
            try:
                self._json = parse_json_text(text, _SOURCE)
            except InputError as exc:
                if isinstance(exc.__cause__, json.JSONDecodeError):
                    raise exc.__cause__ from None  # not JSON at all: FastAPI's answer
                raise HTTPException(status_code=400, detail=str(exc)) from None
        return self._json


class StrictJsonRoute(APIRoute):
    """An API route that reads its body through :class:`StrictJsonRequest`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handler(StrictJsonRequest(request.scope, request.receive))

        return strict
