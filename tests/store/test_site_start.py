"""What a site needs to start a trial (issue 11): protocol versions, grants, deactivation.

Protocol versions: Annex 11 section 10 (the same text is one version, a changed
text a new one, never an overwrite). Grants and accounts: 21 CFR 11.10(d), (g),
11.100(a); Annex 11 sections 9 and 12 (a revoked grant is kept, with who and why
in the trail, and stops acting at once).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError, PermissionDenied, ProtocolError
from cartrial.services import admin, auth
from cartrial.services.context import Sessions
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.accounts import actor_for
from cartrial.store.models import AuditEntry, ProtocolVersion, RoleGrant, User
from cartrial.web.api import create_app
from tests.store.conftest import ADMIN
from tests.store.http import error, ok, token
from tests.store.trial import PASSWORD, PROTOCOL, World, build_world

runner = CliRunner()
TEXT = PROTOCOL.read_text(encoding="utf-8")
CHANGED = TEXT.replace('version: "1"', 'version: "2"')


@pytest.fixture
def world(sessions: Sessions) -> World:
    world = build_world(sessions)
    admin.add_user(
        sessions,
        actor=ADMIN,
        username="root",
        full_name="Ann Admin",
        password=PASSWORD,
        roles=[("admin", None)],
    )
    return world


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _versions(sessions: Sessions) -> list[tuple[str, str, str]]:
    with sessions() as s:
        rows = s.scalars(select(ProtocolVersion).order_by(ProtocolVersion.registered_at)).all()
        return [(r.protocol_id, r.label, r.sha256) for r in rows]


# --- protocol versions -------------------------------------------------------------


def test_the_same_text_twice_is_one_version_and_a_changed_text_a_new_one(world: World) -> None:
    first = admin.register_protocol_version(world.sessions, actor=ADMIN, yaml_text=TEXT)
    assert (first.is_new, first.version.id) == (False, world.protocol_version)  # build_world's
    changed = admin.register_protocol_version(world.sessions, actor=ADMIN, yaml_text=CHANGED)
    assert changed.is_new and changed.version.id != world.protocol_version
    sha1 = hashlib.sha256(TEXT.encode()).hexdigest()
    sha2 = hashlib.sha256(CHANGED.encode()).hexdigest()
    assert _versions(world.sessions) == [("store-test", "1", sha1), ("store-test", "2", sha2)]
    with world.sessions() as s:  # the first version's text is as registered, not overwritten
        kept = s.get(ProtocolVersion, world.protocol_version)
        assert kept is not None and kept.yaml_text == TEXT


def test_an_invalid_text_names_its_origin_line_and_field_and_stores_nothing(
    world: World,
) -> None:
    bad = CHANGED.replace(
        "min_hours_after_lymphodepletion: 72", "min_hours_after_lymphodepletion: -1"
    )
    line = 1 + CHANGED.splitlines().index("  min_hours_after_lymphodepletion: 72")
    with pytest.raises(ProtocolError) as refused:
        admin.register_protocol_version(
            world.sessions, actor=ADMIN, yaml_text=bad, origin="site-protocol.yaml"
        )
    assert refused.value.problems[0][:2] == ("infusion.min_hours_after_lymphodepletion", line)
    assert str(refused.value).startswith(f"site-protocol.yaml:{line}: infusion.min_hours")
    assert len(_versions(world.sessions)) == 1


def test_a_coordinator_may_not_register_a_protocol(world: World) -> None:
    with pytest.raises(PermissionDenied):
        admin.register_protocol_version(
            world.sessions, actor=world.actors["coordinator"], yaml_text=CHANGED
        )
    assert len(_versions(world.sessions)) == 1


def test_protocol_versions_over_http(client: TestClient, world: World) -> None:
    root = token(client, "root", "admin", None)
    yaml_headers = {**root, "Content-Type": "application/yaml"}
    same = client.post("/api/v1/protocol-versions", content=TEXT, headers=yaml_headers)
    assert ok(same, 200)["id"] == world.protocol_version
    new = ok(client.post("/api/v1/protocol-versions", content=CHANGED, headers=yaml_headers), 201)
    assert (new["protocol_id"], new["label"]) == ("store-test", "2")
    assert new["sha256"] == hashlib.sha256(CHANGED.encode()).hexdigest()
    coord = token(client, "coord_a", "coordinator", "A")
    listed = ok(client.get("/api/v1/protocol-versions", headers=coord))
    assert [(v["id"], v["label"]) for v in listed["items"]] == [
        (world.protocol_version, "1"),
        (new["id"], "2"),
    ]
    assert set(listed["items"][0]) == {"id", "protocol_id", "label", "sha256", "registered_at"}
    refused = client.post("/api/v1/protocol-versions", content=CHANGED, headers=coord)
    assert error(refused) == (403, "forbidden", None)
    dm = token(client, "dm", "data_manager", None)
    assert client.post("/api/v1/protocol-versions", content=TEXT, headers=dm).status_code == 200


def test_an_invalid_protocol_over_http_is_a_422_naming_line_and_field(
    client: TestClient, world: World
) -> None:
    root = token(client, "root", "admin", None)
    bad = TEXT.replace("tolerance_percent: 20", "tolerance_percent: lots")
    reply = client.post("/api/v1/protocol-versions", content=bad, headers=root)
    assert error(reply) == (422, "invalid_protocol", "cell_dose.tolerance_percent")
    line = 1 + TEXT.splitlines().index("  tolerance_percent: 20")
    assert reply.json()["message"].startswith(f"request body:{line}: cell_dose.tolerance_percent")
    latin1 = client.post("/api/v1/protocol-versions", content=b"id: caf\xe9\n", headers=root)
    assert error(latin1) == (422, "invalid_input", "body")
    assert len(_versions(world.sessions)) == 1


def _cli(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args, "--url", url])
    return result.exit_code, result.output


def test_cli_registers_a_file_twice_as_one_version_and_a_changed_file_as_another(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    assert _cli(url, "db", "init")[0] == 0
    file = tmp_path / "p.yaml"
    file.write_text(TEXT, encoding="utf-8")
    sha1 = hashlib.sha256(TEXT.encode()).hexdigest()
    code, out = _cli(url, "protocol", "register", str(file))
    assert code == 0 and out.startswith("registered: protocol version ")
    assert out.splitlines()[1:] == ["  protocol store-test, version 1", f"  sha256 {sha1}"]
    first_id = out.splitlines()[0].removeprefix("registered: protocol version ")
    code, again = _cli(url, "protocol", "register", str(file))
    assert (code, again.splitlines()[0]) == (0, f"already registered: protocol version {first_id}")
    file.write_text(CHANGED, encoding="utf-8")
    code, out = _cli(url, "protocol", "register", str(file), "--json")
    body = json.loads(out)
    assert code == 0 and body["id"] != first_id
    assert (body["protocol_id"], body["label"], body["is_new"]) == ("store-test", "2", True)
    assert body["sha256"] == hashlib.sha256(CHANGED.encode()).hexdigest()
    code, out = _cli(url, "protocol", "register", "szugh-msln-2024")
    assert code == 0 and "protocol szugh-msln-2024, version 2026-02-10" in out


def test_cli_refuses_an_invalid_protocol_file_naming_file_line_and_field(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _cli(url, "db", "init")
    file = tmp_path / "bad.yaml"
    file.write_text(TEXT.replace("start_level: 1", "start_level: first"), encoding="utf-8")
    line = 1 + TEXT.splitlines().index("  start_level: 1")
    code, out = _cli(url, "protocol", "register", str(file))
    assert code == 2
    assert f"{file}:{line}: escalation.start_level:" in out.replace("\n", "")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"id: caf\xe9\n")
    code, out = _cli(url, "protocol", "register", str(binary))
    assert code == 2 and "not UTF-8 text" in out
    assert _cli(url, "protocol", "register", "no-such-protocol")[0] == 2
    assert _versions(make_sessionmaker(make_engine(url))) == []


# --- grants and accounts ------------------------------------------------------------


def _grants(sessions: Sessions, username: str) -> list[tuple[str, bool]]:
    return [
        (f"{g.role}@{g.site}" if g.site else g.role, g.revoked_at is not None)
        for g in admin.list_grants(sessions, actor=ADMIN, username=username)
    ]


def test_revoking_a_grant_keeps_it_audits_who_and_why_and_stops_it_acting(world: World) -> None:
    admin.grant_role(world.sessions, actor=ADMIN, username="mon", role="monitor", site_code="A")
    assert _grants(world.sessions, "mon") == [("monitor", False), ("monitor@A", False)]
    secret, _ = auth.login(
        world.sessions, username="mon", password=PASSWORD, role="monitor", site_code="A"
    )
    other, _ = auth.login(
        world.sessions, username="mon", password=PASSWORD, role="monitor", site_code=None
    )
    api_token, _ = auth.create_api_token(
        world.sessions, actor=auth.resolve_session(world.sessions, secret), label="monitor at A"
    )
    view = admin.revoke_role(
        world.sessions,
        actor=ADMIN,
        username="mon",
        role="monitor",
        site_code="A",
        reason="moved to another study",
    )
    assert (view.role, view.site, view.revoked_at is not None) == ("monitor", "A", True)
    assert _grants(world.sessions, "mon") == [("monitor", False), ("monitor@A", True)]
    with world.sessions() as s:
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "role_grant", AuditEntry.field == "revoked_at"
            )
        ).one()
        assert (entry.record_id, entry.username, entry.reason) == (
            view.id,
            "setup",
            "moved to another study",
        )
        user = s.scalars(select(User).where(User.username == "mon")).one()
        with pytest.raises(PermissionDenied):
            actor_for(s, user=user, role="monitor", site_code="A")
        assert actor_for(s, user=user, role="monitor", site_code=None).role == "monitor"
        assert len(s.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()) == 2
    from cartrial.errors import AuthenticationError

    with pytest.raises(AuthenticationError):
        auth.resolve_session(world.sessions, secret)
    with pytest.raises(AuthenticationError):
        auth.resolve_api_token(world.sessions, api_token)
    assert auth.resolve_session(world.sessions, other).site_id is None  # the other grant acts
    with pytest.raises(PermissionDenied):
        auth.login(world.sessions, username="mon", password=PASSWORD, role="monitor", site_code="A")


def test_a_grant_held_twice_or_revoked_twice_is_refused_naming_the_role(world: World) -> None:
    with pytest.raises(InputError, match="field 'role': got 'coordinator@A'"):
        admin.grant_role(
            world.sessions, actor=ADMIN, username="coord_a", role="coordinator", site_code="A"
        )
    with pytest.raises(InputError, match="field 'role': got 'investigator@A'"):
        admin.revoke_role(
            world.sessions,
            actor=ADMIN,
            username="coord_a",
            role="investigator",
            site_code="A",
            reason="never held",
        )
    with pytest.raises(InputError, match="field 'reason'"):
        admin.revoke_role(
            world.sessions,
            actor=ADMIN,
            username="coord_a",
            role="coordinator",
            site_code="A",
            reason="  ",
        )
    assert _grants(world.sessions, "coord_a") == [("coordinator@A", False)]


def test_a_deactivated_user_cannot_sign_in_nor_use_a_session_or_token(world: World) -> None:
    from cartrial.errors import AuthenticationError

    secret, actor = auth.login(
        world.sessions, username="coord_a", password=PASSWORD, role="coordinator", site_code="A"
    )
    api_token, _ = auth.create_api_token(world.sessions, actor=actor, label="bedside tablet")
    admin.deactivate_user(world.sessions, actor=ADMIN, username="coord_a", reason="left the site")
    with pytest.raises(AuthenticationError):
        auth.resolve_session(world.sessions, secret)
    with pytest.raises(AuthenticationError):
        auth.resolve_api_token(world.sessions, api_token)
    with pytest.raises(AuthenticationError, match="deactivated"):
        auth.login(
            world.sessions,
            username="coord_a",
            password=PASSWORD,
            role="coordinator",
            site_code="A",
        )
    with world.sessions() as s:
        user = s.scalars(select(User).where(User.username == "coord_a")).one()
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.record_id == user.id, AuditEntry.field == "is_active"
            )
        ).one()
        assert (entry.old_value, entry.new_value, entry.reason) == (
            "true",
            "false",
            "left the site",
        )
    with pytest.raises(InputError, match="already deactivated"):
        admin.deactivate_user(world.sessions, actor=ADMIN, username="coord_a", reason="again")
    with pytest.raises(InputError, match="deactivated"):
        admin.grant_role(
            world.sessions, actor=ADMIN, username="coord_a", role="monitor", site_code=None
        )


def test_grants_and_deactivation_over_http_are_admin_only(client: TestClient) -> None:
    root = token(client, "root", "admin", None)
    coord = token(client, "coord_a", "coordinator", "A")
    grant = {"role": "monitor", "site": "A"}
    assert error(client.post("/api/v1/users/mon/grants", json=grant, headers=coord))[0] == 403
    made = ok(client.post("/api/v1/users/mon/grants", json=grant, headers=root), 201)
    assert (made["username"], made["role"], made["site"], made["revoked_at"]) == (
        "mon",
        "monitor",
        "A",
        None,
    )
    again = client.post("/api/v1/users/mon/grants", json=grant, headers=root)
    assert error(again) == (422, "invalid_input", "role")
    unknown_site = client.post(
        "/api/v1/users/mon/grants", json={"role": "monitor", "site": "Z"}, headers=root
    )
    assert error(unknown_site)[:2] == (404, "not_found")
    bad_role = client.post("/api/v1/users/mon/grants", json={"role": "king"}, headers=root)
    assert error(bad_role) == (422, "invalid_input", "role")
    mon_a = token(client, "mon", "monitor", "A")
    revoke = {**grant, "reason": "monitoring visit finished"}
    assert (
        error(client.post("/api/v1/users/mon/grants/revoke", json=revoke, headers=coord))[0] == 403
    )
    revoked = ok(client.post("/api/v1/users/mon/grants/revoke", json=revoke, headers=root))
    assert revoked["id"] == made["id"] and revoked["revoked_at"] is not None
    assert error(client.get("/api/v1/subjects", headers=mon_a))[:2] == (401, "unauthenticated")
    history = ok(client.get("/api/v1/users/mon/grants", headers=root))
    assert [(g["role"], g["site"], g["revoked_at"] is None) for g in history] == [
        ("monitor", None, True),
        ("monitor", "A", False),
    ]
    no_reason = client.post("/api/v1/users/mon/deactivate", json={"reason": ""}, headers=root)
    assert error(no_reason) == (422, "invalid_input", "reason")
    gone = client.post("/api/v1/users/nobody/deactivate", json={"reason": "x"}, headers=root)
    assert error(gone)[:2] == (404, "not_found")
    deactivate = {"reason": "left the company"}
    assert (
        client.post("/api/v1/users/coord_a/deactivate", json=deactivate, headers=root).status_code
        == 204
    )
    assert error(client.get("/api/v1/subjects", headers=coord))[:2] == (401, "unauthenticated")


def test_cli_grant_revoke_deactivate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _cli(url, "db", "init")
    _cli(url, "site", "add", "A", "Site A", "--time-zone", "UTC")
    add: list[Any] = ["user", "add", "ada", "--name", "Ada I", "--role", "investigator@A"]
    assert _cli(url, *add, "--password", PASSWORD)[0] == 0
    assert _cli(url, "user", "grant", "ada", "monitor") == (
        0,
        "user ada granted monitor (all sites)\n",
    )
    assert _cli(url, "user", "grant", "ada", "monitor@A") == (0, "user ada granted monitor@A\n")
    code, out = _cli(url, "user", "grant", "ada", "monitor@A")
    assert code == 2 and "field 'role': got 'monitor@A'" in out
    code, out = _cli(url, "user", "grant", "ada", "king@A")
    assert code == 2 and "ROLE@SITE 'king@A'" in out
    assert _cli(url, "user", "grant", "nobody", "monitor")[0] == 2
    code, out = _cli(url, "user", "revoke", "ada", "monitor@A", "--reason", "visit over")
    assert code == 0 and out.startswith("user ada: monitor@A revoked at ")
    assert _cli(url, "user", "revoke", "ada", "monitor@A")[0] == 2  # --reason required
    assert _cli(url, "user", "deactivate", "ada", "--reason", "left") == (
        0,
        "user ada deactivated\n",
    )
    assert _cli(url, "audit", "verify")[0] == 0
