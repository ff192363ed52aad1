"""Close each keep-alive connection after a number of requests, so workers stay balanced.

``cartrial serve --workers N`` runs N processes that accept from one listening
socket. A keep-alive connection stays with the worker that accepted it, and at
start-up the kernel hands connections out unevenly: measured on 2 cores with 32
clients and 4 workers, one client's median latency was 11 ms and another's 93 ms,
because each worker gets an equal share of the CPU whatever its number of
connections, and the p99 was set by the crowded worker. When a connection ends,
the client's next one is accepted by whichever worker reaches ``accept`` first,
which is most often one with little to do; so closing connections now and then
moves clients off crowded workers. This is the rule of nginx's
``keepalive_requests`` (default 1000) and of HTTP/1.1's ``Connection: close``
(RFC 9112 section 9.6); uvicorn has no such setting, hence this middleware.

The request that reaches the limit is answered in full, with ``Connection:
close``; the client opens a new connection for its next one. Nothing else changes.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DEFAULT_KEEP_ALIVE_REQUESTS", "RecycleConnections"]

#: Requests per connection before the server asks the client to reconnect.
DEFAULT_KEEP_ALIVE_REQUESTS = 100

# Connections seen but not yet at their limit; forgotten wholesale past this size
# (a client that went away leaves its entry behind; forgetting only resets counts).
_MAX_TRACKED = 4096


class RecycleConnections:
    """ASGI middleware: ``Connection: close`` on every ``max_requests``-th response of a
    connection (a connection is its client address and port)."""

    def __init__(self, app: ASGIApp, *, max_requests: int = DEFAULT_KEEP_ALIVE_REQUESTS):
        if max_requests < 1:
            raise ValueError(f"max_requests: got {max_requests}, expected at least 1")
        self.app = app
        self.max_requests = max_requests
        self._served: dict[tuple[str, int], int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or client is None:
            await self.app(scope, receive, send)
            return
        key = (str(client[0]), int(client[1]))
        served = self._served.pop(key, 0) + 1
        if served < self.max_requests:
            if len(self._served) >= _MAX_TRACKED:
                self._served.clear()
            self._served[key] = served
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)
