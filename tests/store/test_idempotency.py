"""``Idempotency-Key`` on the API's POSTs (issue 14: retries duplicated AEs and labs).

Each test fails on the code before the header was read: there a retry recorded a
second AE (draft-ietf-httpapi-idempotency-key-header-06).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import MutableMapping
from typing import Any

import anyio
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from cartrial.services.context import Sessions
from cartrial.store import idempotency
from cartrial.store.archive import EXCLUDED_TABLES
from cartrial.store.audit import verify_chain
from cartrial.store.audit_replay import replay_trail
from cartrial.store.idempotency import KEEP_FOR, RequestUnit, StoredReply, purge_expired
from cartrial.store.models import AdverseEvent, AuditEntry, IdempotencyKey, LabResult
from cartrial.web.api import create_app
from cartrial.web.api.idempotency import ApiRoute, fingerprint
from tests.store.http import error, ok, token
from tests.store.trial import PASSWORD, World, build_world, enrolled, with_lot

AE = {
    "term": "Fever",
    "onset_date": "2026-03-07",
    "grading_scale": "ctcae_v5",
    "reported_grade": 1,
}


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _aes(sessions: Sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(AdverseEvent)) or 0)


def _keys(sessions: Sessions) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(IdempotencyKey)) or 0)


def _post_ae(client: TestClient, subject_id: str, headers: dict[str, str], **ae: Any) -> Any:
    return client.post(
        f"/api/v1/subjects/{subject_id}/adverse-events", json={**AE, **ae}, headers=headers
    )


def test_a_retry_with_the_same_key_replays_the_reply_and_records_one_ae(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": '"ae-1"'}
    first = _post_ae(client, subject_id, headers)
    again = _post_ae(client, subject_id, headers)
    assert first.status_code == again.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content  # byte for byte, the same id
    assert again.headers["content-type"] == "application/json"
    assert _aes(world.sessions) == 1
    # A bare key is the same key as its quoted form.
    bare = {**headers, "Idempotency-Key": "ae-1"}
    assert _post_ae(client, subject_id, bare).content == first.content
    assert _aes(world.sessions) == 1
    with world.sessions() as s:
        assert replay_trail(s).matches and verify_chain(s).is_intact


def test_without_the_header_each_post_records_again(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    headers = token(client, "coord_a", "coordinator", "A")
    ids = {ok(_post_ae(client, subject_id, headers), 201)["id"] for _ in range(2)}
    assert len(ids) == 2 and _aes(world.sessions) == 2
    assert _keys(world.sessions) == 0


def test_the_same_key_with_another_body_or_url_is_a_409_naming_the_header(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "k-7"}
    ok(_post_ae(client, subject_id, headers), 201)
    other_body = _post_ae(client, subject_id, headers, reported_grade=2)
    assert error(other_body) == (409, "idempotency_key_reused", "Idempotency-Key")
    assert "'k-7' was used at " in other_body.json()["message"]
    assert f"POST /api/v1/subjects/{subject_id}/adverse-events" in other_body.json()["message"]
    lab = {
        "collected_at": "2026-03-08T08:00:00Z",
        "test": "anc",
        "value": "1.2",
        "unit": "x10^9/L",
    }
    other_url = client.post(f"/api/v1/subjects/{subject_id}/labs", json=lab, headers=headers)
    assert error(other_url)[:2] == (409, "idempotency_key_reused")
    assert _aes(world.sessions) == 1
    with world.sessions() as s:
        assert s.scalar(select(func.count()).select_from(LabResult)) == 0


def test_another_user_with_the_same_key_is_another_request(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    key = {"Idempotency-Key": '"shared-key"'}
    coord = ok(
        _post_ae(client, subject_id, {**token(client, "coord_a", "coordinator", "A"), **key}), 201
    )
    inv = ok(
        _post_ae(client, subject_id, {**token(client, "inv_a", "investigator", "A"), **key}), 201
    )
    assert coord["id"] != inv["id"] and _aes(world.sessions) == 2
    assert _keys(world.sessions) == 2


def test_a_refusal_is_not_stored_so_the_corrected_retry_is_validated_again(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "k-1"}
    assert error(_post_ae(client, subject_id, headers, reported_grade=9))[:2] == (
        422,
        "invalid_input",
    )
    assert _keys(world.sessions) == 0
    # The same key, now with a valid body: a new request (nothing was stored for the 422).
    ok(_post_ae(client, subject_id, headers), 201)
    assert _aes(world.sessions) == 1


def test_a_refused_interlock_keeps_its_audit_entry_and_stores_no_reply(
    client: TestClient, world: World
) -> None:
    """What a refused use case commits itself (its ``refuse`` entry) is kept, as without a key."""
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id, release=False)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "inf-1"}
    body = {
        "lot_id": lot_id,
        "scanned_chain_of_identity_id": "AXXXX26000001M",
        "cells_infused": 7000000,
        "started_at": "2026-03-06T10:00:00Z",
    }
    path = f"/api/v1/subjects/{subject_id}/infusion"
    for _attempt in range(2):  # not stored: the retry is checked (and refused) again
        assert error(client.post(path, json=body, headers=headers))[:2] == (409, "infusion_refused")
    with world.sessions() as s:
        refusals = s.scalars(select(AuditEntry).where(AuditEntry.action == "refuse")).all()
        assert [(e.table_name, e.record_id) for e in refusals] == [("infusion", subject_id)] * 2
        assert verify_chain(s).is_intact
    assert _keys(world.sessions) == 0


async def _lose_the_reply(app: Any, path: str, headers: dict[str, str], body: bytes) -> None:
    """Run one request through the ASGI app, and drop its reply as a crash would."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-type", b"application/json"), (b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    sent = False

    async def receive() -> MutableMapping[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def send(message: MutableMapping[str, Any]) -> None:
        raise ConnectionResetError("the server died before the reply left")

    with pytest.raises(ConnectionResetError):
        await app(scope, receive, send)


def test_a_reply_lost_after_commit_is_replayed_to_the_retry(world: World) -> None:
    app = create_app(world.sessions)
    client = TestClient(app)
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "lost-1"}
    path = f"/api/v1/subjects/{subject_id}/adverse-events"
    import json

    anyio.run(_lose_the_reply, app, path, headers, json.dumps(AE).encode())
    assert _aes(world.sessions) == 1  # committed, although the client heard nothing
    retry = client.post(path, content=json.dumps(AE).encode(), headers={
        **headers, "content-type": "application/json"})  # fmt: skip
    assert retry.status_code == 201 and retry.headers["idempotent-replayed"] == "true"
    with world.sessions() as s:
        stored = s.scalars(select(AdverseEvent)).one()
    assert retry.json()["id"] == stored.id and _aes(world.sessions) == 1


def test_a_reply_that_cannot_be_stored_takes_the_record_with_it(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "k-2"}

    def crash(self: RequestUnit, reply: StoredReply) -> None:
        raise OSError("the disk is full")

    monkeypatch.setattr(RequestUnit, "store", crash)
    with pytest.raises(OSError):
        _post_ae(client, subject_id, headers)
    assert _aes(world.sessions) == 0 and _keys(world.sessions) == 0
    monkeypatch.undo()
    ok(_post_ae(client, subject_id, headers), 201)
    assert _aes(world.sessions) == 1


def test_a_connection_killed_before_the_commit_keeps_neither_record_nor_reply(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the AE, its audit entry and the reply were sent, then the server lost the
    connection before COMMIT (as in a crash): none of them is kept, and the retry records one."""
    engine = world.sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("terminating a backend is PostgreSQL's; on SQLite the crash test above")
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "k-3"}
    original = RequestUnit.store

    def killed_before_commit(self: RequestUnit, reply: StoredReply) -> None:
        assert self.connection is not None
        pid = self.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        original(self, reply)

    monkeypatch.setattr(RequestUnit, "store", killed_before_commit)
    assert error(_post_ae(client, subject_id, headers))[:2] == (503, "database_unavailable")
    monkeypatch.undo()
    assert _aes(world.sessions) == 0 and _keys(world.sessions) == 0
    first = ok(_post_ae(client, subject_id, headers), 201)
    again = _post_ae(client, subject_id, headers)
    assert again.json() == first and _aes(world.sessions) == 1
    with world.sessions() as s:
        assert verify_chain(s).is_intact and replay_trail(s).matches


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        # cut to 40 characters with the length by the error layer (web.api.errors)
        ('"' + "k" * 256 + '"', "(258 characters)"),
        ("k" * 256, "(256 characters)"),
        ('""', '""'),
        ('"open', '"open'),
        ('"a" b', '"a" b'),
        ("two words", "two words"),
        ('"tab\there"', "tab"),
    ],
)
def test_a_malformed_key_is_a_422_naming_the_header_and_nothing_is_done(
    client: TestClient, world: World, value: str, shown: str
) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": value}
    reply = _post_ae(client, subject_id, headers)
    assert error(reply) == (422, "invalid_input", "Idempotency-Key")
    message = reply.json()["message"]
    assert shown in message and "printable ASCII" in message
    assert len(message) < 400  # a long key is not echoed whole
    assert _aes(world.sessions) == 0


def test_two_key_headers_are_a_422(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    headers = [
        *token(client, "coord_a", "coordinator", "A").items(),
        ("Idempotency-Key", "a"),
        ("Idempotency-Key", "b"),
    ]
    reply = client.post(f"/api/v1/subjects/{subject_id}/adverse-events", json=AE, headers=headers)
    assert error(reply) == (422, "invalid_input", "Idempotency-Key")


def test_a_key_on_login_or_token_issue_is_refused_their_secret_is_never_stored(
    client: TestClient, world: World
) -> None:
    login = {"username": "coord_a", "password": PASSWORD, "role": "coordinator", "site": "A"}
    reply = client.post("/api/v1/auth/login", json=login, headers={"Idempotency-Key": "l-1"})
    assert error(reply) == (422, "invalid_input", "Idempotency-Key")
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "t-1"}
    reply = client.post("/api/v1/auth/tokens", json={"label": "tablet"}, headers=headers)
    assert error(reply) == (422, "invalid_input", "Idempotency-Key")
    assert "secret" in reply.json()["message"] and _keys(world.sessions) == 0


def test_a_204_reply_is_replayed_as_a_204(client: TestClient, world: World) -> None:
    session = token(client, "coord_a", "coordinator", "A")
    secret = ok(client.post("/api/v1/auth/tokens", json={"label": "t"}, headers=session), 201)
    headers = {"Authorization": f"Bearer {secret['token']}", "Idempotency-Key": "out-1"}
    first = client.post("/api/v1/auth/logout", headers=headers)
    again = client.post("/api/v1/auth/logout", headers=headers)
    assert first.status_code == again.status_code == 204
    assert again.content == b"" and again.headers["idempotent-replayed"] == "true"
    assert _keys(world.sessions) == 1


def test_an_expired_key_is_a_new_key_and_is_purged(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "old"}
    ok(_post_ae(client, subject_id, headers), 201)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with world.sessions() as s, s.begin():
        s.execute(update(IdempotencyKey).values(expires_at=past))
    assert ok(_post_ae(client, subject_id, headers), 201) and _aes(world.sessions) == 2
    with world.sessions() as s:
        row = s.scalars(select(IdempotencyKey)).one()
    assert row.expires_at - row.created_at == KEEP_FOR == dt.timedelta(hours=24)
    later = row.expires_at + dt.timedelta(seconds=1)
    assert purge_expired(world.sessions, now=later) == 1 and _keys(world.sessions) == 0


def test_a_duplicate_sent_while_the_first_runs_is_a_409_on_postgresql_and_waits_on_sqlite(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "busy"}
    path = f"/api/v1/subjects/{subject_id}/adverse-events"
    import json

    body = json.dumps(AE).encode()
    first = RequestUnit(
        world.sessions, key="busy", fingerprint=fingerprint("POST", path, body), method="POST",
        path=path,
    )  # fmt: skip
    first.claim(world.actors["coordinator"])  # the first request, still running
    replies: list[Any] = []
    send = {**headers, "content-type": "application/json"}
    second = threading.Thread(
        target=lambda: replies.append(client.post(path, content=body, headers=send))
    )
    second.start()
    postgresql = world.sessions.kw["bind"].dialect.name == "postgresql"
    if postgresql:  # refused at once while the first holds the key
        second.join(timeout=60)
        assert error(replies[0]) == (409, "idempotency_key_in_flight", "Idempotency-Key")
        first.store(StoredReply(201, "application/json", b'{"first": true}'))
        replies[0] = client.post(path, content=body, headers=send)  # the retry, once answered
    else:  # SQLite: the second waits for the write lock, then reads the first's reply
        time.sleep(0.5)
        first.store(StoredReply(201, "application/json", b'{"first": true}'))
        second.join(timeout=60)
    assert replies[0].status_code == 201 and replies[0].content == b'{"first": true}'
    assert replies[0].headers["idempotent-replayed"] == "true"
    assert _aes(world.sessions) == 0


def test_every_post_of_the_api_takes_a_key() -> None:
    """Each POST is an ApiRoute, acting as a signed-in user or marked as returning a secret,
    and the OpenAPI document lists the header on each that takes it."""
    import pkgutil
    from importlib import import_module

    from cartrial.web.api import routes

    posts = []
    for module in pkgutil.iter_modules(routes.__path__):
        router = getattr(import_module(f"{routes.__name__}.{module.name}"), "router", None)
        for route in getattr(router, "routes", []):
            if isinstance(route, APIRoute) and "POST" in (route.methods or set()):
                posts.append(route)
    assert len(posts) >= 30
    secret = set()
    for route in posts:
        assert isinstance(route, ApiRoute), route.path
        names = {p.name for p in route.dependant.dependencies}
        if getattr(route.endpoint, "__cartrial_returns_secret__", False):
            secret.add(route.path)
        assert "sessions" in names, route.path
        assert route.path in secret or names & {"actor", "_actor"}, route.path
    # and the two that send passwords (a fingerprint would be an unsalted hash of them)
    assert secret == {
        "/auth/login",
        "/auth/tokens",
        "/auth/password",
        "/users/{username}/password",
    }
    document = create_app(None).openapi()  # type: ignore[arg-type]
    for path, operations in document["paths"].items():
        if "post" not in operations:
            continue
        headers = {p["name"] for p in operations["post"].get("parameters", [])}
        keyed = path.removeprefix("/api/v1") not in secret
        assert ("Idempotency-Key" in headers) == keyed, path
        assert not keyed or "409" in operations["post"]["responses"], path


def test_keys_are_not_trial_data_not_exported_not_audited() -> None:
    assert "idempotency_key" in EXCLUDED_TABLES
    from cartrial.store.models import Record

    assert not issubclass(IdempotencyKey, Record)
    assert idempotency.HEADER == "Idempotency-Key"


def _revision_of_the_key_table() -> tuple[str, str]:
    """(revision, down_revision) of the migration that makes ``idempotency_key``."""
    from alembic.script import ScriptDirectory

    from cartrial.store.migrate import alembic_config

    for script in ScriptDirectory.from_config(alembic_config()).walk_revisions():
        if script.path.endswith("_idempotency_keys.py"):
            down = script.down_revision
            assert isinstance(down, str)
            return script.revision, down
    raise AssertionError("no idempotency_keys migration")  # pragma: no cover


def test_the_key_table_migrates_down_and_up_on_a_populated_database(
    client: TestClient, world: World
) -> None:
    from sqlalchemy import inspect as reflect

    from cartrial.store.migrate import current_revision, downgrade, head_revision, upgrade

    engine = world.sessions.kw["bind"]
    subject_id = enrolled(world)
    headers = {**token(client, "coord_a", "coordinator", "A"), "Idempotency-Key": "m-1"}
    first = ok(_post_ae(client, subject_id, headers), 201)
    assert _keys(world.sessions) == 1
    revision, before = _revision_of_the_key_table()
    assert downgrade(engine, before) == before
    assert "idempotency_key" not in reflect(engine).get_table_names()
    assert _aes(world.sessions) == 1
    with world.sessions() as s:
        assert verify_chain(s).is_intact and replay_trail(s).matches
    assert upgrade(engine) == head_revision() and current_revision(engine) != before
    assert _keys(world.sessions) == 0  # the keys went with the table (documented)
    again = ok(_post_ae(client, subject_id, headers), 201)
    assert again["id"] != first["id"] and _aes(world.sessions) == 2
    assert revision  # one place to renumber: the migration's own ``revision``
