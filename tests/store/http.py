"""Helpers for the API tests: a client on a built trial, sign-in tokens, the error shape."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.store.trial import PASSWORD


def token(client: TestClient, username: str, role: str, site: str | None) -> dict[str, str]:
    """Bearer headers of a fresh login session."""
    reply = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "role": role, "site": site},
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def error(reply: Any) -> tuple[int, str, str | None]:
    """(status, code, field) of an error reply, after checking it has the one error shape."""
    body = reply.json()
    assert set(body) == {"code", "message", "field"}, body
    return reply.status_code, body["code"], body["field"]


def ok(reply: Any, status: int = 200) -> Any:
    """The JSON body of a reply that must have ``status``."""
    assert reply.status_code == status, reply.text
    return reply.json()
