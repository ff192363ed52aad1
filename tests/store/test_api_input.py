"""Bad input to the API, without a 500 or a traceback (issue 14): lengths, sizes, encodings.

- a text longer than its column is a 422 naming the field and the limit (a subject code
  of 33 characters was a 500 on PostgreSQL and kept whole on SQLite);
- a body over the size limit is a 413 before it is parsed, with or without a length;
- a 422 shows a long value cut and a secret never;
- a body that is not JSON, or not UTF-8, answers in the error shape;
- the OpenAPI document lists each operation's error answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import String, func, select
from starlette.types import Message

from cartrial.errors import InputError
from cartrial.services import screening
from cartrial.services.context import Sessions
from cartrial.store.models import Base, Subject
from cartrial.web.api import create_app
from cartrial.web.api.body_limit import DEFAULT_MAX_BODY_BYTES
from cartrial.web.api.serve import max_body_bytes
from tests.store.http import error, token
from tests.store.trial import World, build_world, screening_record


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _screen_body(world: World, code: str, **record: Any) -> dict[str, Any]:
    return {
        "site_id": world.site_a,
        "protocol_version_id": world.protocol_version,
        "record": {"subject_id": code, "consent_date": "2026-01-10", **record},
    }


def test_a_subject_code_longer_than_its_column_is_a_422_naming_the_field_and_the_limit(
    client: TestClient, world: World
) -> None:
    coord = token(client, "coord_a", "coordinator", "A")
    reply = client.post(
        "/api/v1/subjects/screen", json=_screen_body(world, "S" * 33), headers=coord
    )
    assert error(reply) == (422, "invalid_input", "record.subject_id")
    assert "at most 32 characters" in reply.json()["message"]
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Subject)) == 0  # nothing half-written
    reply = client.post(
        "/api/v1/subjects/screen", json=_screen_body(world, "S" * 32), headers=coord
    )
    assert reply.status_code == 201, reply.text


def test_the_store_refuses_text_longer_than_its_column_on_every_backend(world: World) -> None:
    """Whatever the entry (a web form, the CLI): PostgreSQL's DataError or SQLite's silence."""
    with pytest.raises(InputError) as refused:
        screening.screen(
            world.sessions,
            actor=world.actors["coordinator"],
            site_id=world.site_a,
            protocol_version_id=world.protocol_version,
            record=screening_record("S" * 33),
        )
    assert refused.value.field == "code" and "at most 32 characters" in str(refused.value)
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Subject)) == 0


def _request_schemas(document: dict[str, Any]) -> set[str]:
    """Names of every schema reachable from a request body."""
    schemas = document["components"]["schemas"]
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                name = ref.rsplit("/", 1)[-1]
                if name not in found:
                    found.add(name)
                    walk(schemas[name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for operations in document["paths"].values():
        for operation in operations.values():
            walk(operation.get("requestBody", {}))
    return found


def _text_properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(property, its string schema) for each property that may be free text."""
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [prop])
        if any(o.get("type") == "number" for o in options):
            continue  # a decimal: bounded by its digits
        for option in options:
            if option.get("type") == "string" and not {"enum", "const", "format"} & set(option):
                yield name, {**prop, **option}


def test_every_request_text_field_is_bounded_and_a_stored_one_by_its_own_column(
    client: TestClient,
) -> None:
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    columns = {
        f"{table.name}.{column.name}": column.type.length
        for table in Base.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String)
    }
    bound = 0
    for name in sorted(_request_schemas(document)):
        for field, prop in _text_properties(schemas[name]):
            where = f"{name}.{field}"
            assert "maxLength" in prop or "pattern" in prop, f"{where} has no length limit"
            if "x-column" in prop:
                bound += 1
                assert prop["maxLength"] == columns[prop["x-column"]], where
    assert bound >= 40
    subject_id = schemas["ScreeningRecordIn"]["properties"]["subject_id"]
    assert (subject_id["x-column"], subject_id["maxLength"]) == ("subject.code", 32)


def test_a_body_over_the_limit_is_a_413_before_it_is_parsed(world: World) -> None:
    client = TestClient(create_app(world.sessions, max_body_bytes=1000))
    too_big = b"{" + b" " * 1000  # not even JSON: it is never parsed
    reply = client.post(
        "/api/v1/auth/login", content=too_big, headers={"content-type": "application/json"}
    )
    assert error(reply) == (413, "body_too_large", None)
    assert "1001 bytes" in reply.json()["message"] and "1000 bytes" in reply.json()["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        yield b'{"username": "'
        yield b"x" * 1200
        yield b'"}'

    reply = client.post(
        "/api/v1/auth/login", content=chunks(), headers={"content-type": "application/json"}
    )
    assert error(reply) == (413, "body_too_large", None)
    at_limit = json.dumps({"username": "x" * 900, "password": "p", "role": "coordinator"})
    reply = client.post("/api/v1/auth/login", content=at_limit.ljust(1000).encode())
    assert error(reply)[0] == 422  # read and parsed: the username is too long for its column


def test_a_stream_longer_than_its_limit_is_refused_as_the_bytes_arrive(world: World) -> None:
    app = create_app(world.sessions, max_body_bytes=1000)
    parts = [b"[" + b"1," * 299, b"1," * 300, b"1]"]
    sent: list[Message] = []
    asked: list[int] = []

    async def receive() -> Message:
        asked.append(1)
        part = parts.pop(0)
        return {"type": "http.request", "body": part, "more_body": bool(parts)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/auth/login",
        "raw_path": b"/api/v1/auth/login",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "app": app,
    }
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert len(asked) == 2  # the third part was never read
    assert json.loads(sent[1]["body"])["code"] == "body_too_large"


def test_the_default_limit_is_one_mebibyte_and_serve_reads_it_from_the_environment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    client = TestClient(create_app(world.sessions))
    body = b"[" + b" " * DEFAULT_MAX_BODY_BYTES + b"]"
    reply = client.post("/api/v1/auth/login", content=body)
    assert error(reply)[:2] == (413, "body_too_large")
    monkeypatch.setenv("CARTRIAL_API_MAX_BODY_BYTES", "2048")
    assert max_body_bytes() == 2048
    monkeypatch.setenv("CARTRIAL_API_MAX_BODY_BYTES", "lots")
    assert max_body_bytes() == DEFAULT_MAX_BODY_BYTES


def test_a_422_shows_a_long_value_cut_and_never_shows_a_password(
    client: TestClient, world: World
) -> None:
    secret = "correct-horse-" * 100
    reply = client.post(
        "/api/v1/auth/login",
        json={"username": "coord_a", "password": secret, "role": "coordinator"},
    )
    assert error(reply) == (422, "invalid_input", "password")
    assert "correct-horse" not in reply.text and "(hidden)" in reply.json()["message"]

    coord = token(client, "coord_a", "coordinator", "A")
    long_code = "ABCDEFGHIJ" * 100
    reply = client.post(
        "/api/v1/subjects/screen", json=_screen_body(world, long_code), headers=coord
    )
    message = reply.json()["message"]
    assert long_code not in reply.text and len(message) < 300, message
    assert f"'{long_code[:40]}...' (1000 characters)" in message


def test_an_input_error_from_a_service_is_cut_and_its_secrets_hidden(world: World) -> None:
    app: FastAPI = create_app(world.sessions)

    @app.get("/raise/{field}")
    def _raise(field: str) -> None:
        value = "hunter2-hunter2" if "password" in field else "Z" * 500
        raise InputError(field, value, "something else")

    client = TestClient(app)
    reply = client.get("/raise/new_password")
    assert error(reply) == (422, "invalid_input", "new_password")
    assert "hunter2" not in reply.text
    reply = client.get("/raise/note")
    assert "Z" * 41 not in reply.text and "(500 characters)" in reply.text


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe{\x00", "application/json"),  # not UTF-8
        (b'{"username": "caf\xe9"}', "application/json"),  # Latin-1, not UTF-8
        (b"{not json", "application/json"),
        (b"", "application/json"),
    ],
)
def test_a_body_that_is_not_json_or_not_utf8_answers_in_the_error_shape(
    client: TestClient, body: bytes, content_type: str
) -> None:
    reply = client.post("/api/v1/auth/login", content=body, headers={"content-type": content_type})
    status, code, _field = error(reply)
    assert (status, code) in {(400, "invalid_body"), (422, "invalid_input")}, reply.text
    assert "Traceback" not in reply.text


@pytest.mark.parametrize(
    ("body", "said"),
    [
        # the second "grade" won silently before: one AE meant two things
        (
            b'{"term": "Fatigue", "reported_grade": 1, "reported_grade": 3}',
            "got 'reported_grade', expected each key once",
        ),
        (b'{"term": "Fatigue", "reported_grade": NaN}', "got 'NaN', expected a finite number"),
        (b"[" * 100 + b"]" * 100, "expected JSON nested at most 64 deep"),
    ],
)
def test_a_duplicate_key_nan_or_deep_nesting_is_refused_as_the_cli_refuses_it(
    client: TestClient, world: World, body: bytes, said: str
) -> None:
    """One JSON parser for the CLI and the API (cartrial.jsontext, web.api.strict_json)."""
    from tests.store.trial import enrolled

    subject_id = enrolled(world)
    coord = token(client, "coord_a", "coordinator", "A")
    reply = client.post(
        f"/api/v1/subjects/{subject_id}/adverse-events",
        content=body,
        headers={**coord, "content-type": "application/json"},
    )
    assert error(reply)[:2] == (400, "invalid_body"), reply.text
    assert said in reply.json()["message"]
    # the same object with each key once is read as before (a 422 for the missing fields)
    plain = client.post(
        f"/api/v1/subjects/{subject_id}/adverse-events",
        content=b'{"term": "Fatigue", "reported_grade": 1}',
        headers={**coord, "content-type": "application/json"},
    )
    assert plain.status_code in (201, 422), plain.text


def test_an_unknown_path_and_a_wrong_method_answer_in_the_error_shape(client: TestClient) -> None:
    assert error(client.get("/api/v1/no-such-thing"))[:2] == (404, "not_found")
    reply = client.delete("/api/v1/auth/login")
    assert error(reply)[:2] == (405, "method_not_allowed")
    assert "POST" in reply.headers["allow"]


def test_openapi_lists_the_error_answers_of_every_operation(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = (method, path)
            responses = operation["responses"]
            listed = {int(s) for s in responses if not s.startswith("2")}
            assert 422 in listed, where
            if "requestBody" in operation:
                assert {400, 413, 422} <= listed, where
            if operation.get("security"):
                assert {401, 403} <= listed, where
                if method in {"post", "put", "patch", "delete"}:
                    assert {409, 423} <= listed, where
            if "{" in path:
                assert 404 in listed, where
            for status in listed:
                assert "ErrorOut" in json.dumps(responses[str(status)]), (where, status)
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"400", "401", "413", "422"} <= set(login)
