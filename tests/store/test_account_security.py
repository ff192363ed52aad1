"""Accounts that can be revoked (issue 14, "Accounts and access"), on SQLite and PostgreSQL.

- grants are read on every request: a session or token whose grant is gone is refused
  at the next request, in one SELECT;
- API tokens expire (NIST SP 800-63B section 7.1);
- a password change re-enters the current password, an administrator's reset the
  administrator's own; both audited, and they end the user's (other) sessions;
- nobody deactivates their own account or the last sponsor-wide administrator;
- an administrator granted at a site manages only that site's people (404 otherwise);
- a lock after failed logins expires, growing with each failure (NIST SP 800-63B
  section 5.2.2; OWASP Authentication Cheat Sheet), and a wrong user name, a wrong
  password and a locked account get the same answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update
from typer.testing import CliRunner

from cartrial.actor import Actor
from cartrial.cli.main import app
from cartrial.errors import AuthenticationError, InputError, NotFoundError, PermissionDenied
from cartrial.services import admin, auth
from cartrial.services.context import Sessions
from cartrial.store import make_sessionmaker
from cartrial.store.accounts import LOGIN_REFUSED, lock_delay, verify_login
from cartrial.store.migrate import downgrade, head_revision, upgrade
from cartrial.store.models import ApiToken, AuditEntry, AuthSession, RoleGrant, User, utcnow
from cartrial.web.api import create_app
from tests.store.conftest import ADMIN
from tests.store.http import error, ok, token
from tests.store.trial import PASSWORD, World, build_world

NEW_PASSWORD = "a new passphrase of mine"


@pytest.fixture
def world(sessions: Sessions) -> World:
    world = build_world(sessions)
    for username, site in (("root", None), ("admin_a", "A")):
        admin.add_user(
            sessions,
            actor=ADMIN,
            username=username,
            full_name=f"Admin {username}",
            password=PASSWORD,
            roles=[("admin", site)],
        )
    return world


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _login(world: World, username: str, role: str, site: str | None) -> tuple[str, Actor]:
    return auth.login(
        world.sessions, username=username, password=PASSWORD, role=role, site_code=site
    )


def _user(world: World, username: str) -> User:
    with world.sessions() as s:
        return s.scalars(select(User).where(User.username == username)).one()


def _revoke_in_the_store(world: World, username: str) -> None:
    """Revoke the user's grants without ending anything: what a revocation racing a login
    (the login read the grant before the revocation committed) or any other path leaves."""
    user = _user(world, username)
    with world.sessions() as s, s.begin():
        s.execute(update(RoleGrant).where(RoleGrant.user_id == user.id).values(revoked_at=utcnow()))


# --- grants read on every request ------------------------------------------------------


def test_a_session_and_token_whose_grant_is_gone_are_refused_at_the_next_request(
    world: World,
) -> None:
    secret, actor = _login(world, "coord_a", "coordinator", "A")
    api_token, _ = auth.create_api_token(world.sessions, actor=actor, label="bedside tablet")
    assert auth.resolve_session(world.sessions, secret) == actor
    assert auth.resolve_api_token(world.sessions, api_token) == actor
    _revoke_in_the_store(world, "coord_a")
    with pytest.raises(PermissionDenied, match="that grant was revoked"):
        auth.resolve_session(world.sessions, secret)
    with pytest.raises(PermissionDenied, match="that grant was revoked"):
        auth.resolve_api_token(world.sessions, api_token)


def test_over_http_a_lost_grant_is_a_403_for_the_session_and_the_token(
    client: TestClient, world: World
) -> None:
    coord = token(client, "coord_a", "coordinator", "A")
    made = ok(client.post("/api/v1/auth/tokens", json={"label": "feed"}, headers=coord), 201)
    api = {"Authorization": f"Bearer {made['token']}"}
    ok(client.get("/api/v1/subjects", headers=coord))
    ok(client.get("/api/v1/subjects", headers=api))
    _revoke_in_the_store(world, "coord_a")
    assert error(client.get("/api/v1/subjects", headers=coord))[:2] == (403, "forbidden")
    assert error(client.get("/api/v1/subjects", headers=api))[:2] == (403, "forbidden")


def test_a_sponsor_wide_session_needs_the_sponsor_wide_grant_not_a_site_one(world: World) -> None:
    admin.grant_role(world.sessions, actor=ADMIN, username="mon", role="monitor", site_code="A")
    wide, _ = _login(world, "mon", "monitor", None)
    at_a, _ = _login(world, "mon", "monitor", "A")
    user = _user(world, "mon")
    with world.sessions() as s, s.begin():  # only the sponsor-wide grant goes
        s.execute(
            update(RoleGrant)
            .where(RoleGrant.user_id == user.id, RoleGrant.site_id.is_(None))
            .values(revoked_at=utcnow())
        )
    with pytest.raises(PermissionDenied):
        auth.resolve_session(world.sessions, wide)
    assert auth.resolve_session(world.sessions, at_a).site_id == world.site_a


@contextmanager
def _selects(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_each_request_resolves_its_actor_and_grant_in_one_select(world: World) -> None:
    secret, actor = _login(world, "coord_a", "coordinator", "A")
    api_token, _ = auth.create_api_token(world.sessions, actor=actor, label="feed")
    engine = world.sessions.kw["bind"]
    with _selects(engine) as seen:
        auth.resolve_session(world.sessions, secret)
    assert len(seen) == 1 and "role_grant" in seen[0]
    with _selects(engine) as seen:
        auth.resolve_api_token(world.sessions, api_token)
    assert len(seen) == 1 and "role_grant" in seen[0]


# --- API tokens expire -----------------------------------------------------------------


def test_a_token_expires_after_90_days_by_default_or_its_chosen_life(world: World) -> None:
    _, actor = _login(world, "coord_a", "coordinator", "A")
    _, default = auth.create_api_token(world.sessions, actor=actor, label="default")
    assert default.expires_at - default.created_at == dt.timedelta(days=90)
    short_secret, short = auth.create_api_token(
        world.sessions, actor=actor, label="short", lifetime=dt.timedelta(days=1)
    )
    assert short.expires_at - short.created_at == dt.timedelta(days=1)
    for days in (0, 366):
        with pytest.raises(InputError, match=r"field 'lifetime_days'.*from 1 to 365 days"):
            auth.create_api_token(
                world.sessions, actor=actor, label="x", lifetime=dt.timedelta(days=days)
            )
    with world.sessions() as s, s.begin():
        s.execute(
            update(ApiToken)
            .where(ApiToken.id == short.id)
            .values(expires_at=utcnow() - dt.timedelta(seconds=1))
        )
    with pytest.raises(AuthenticationError, match=r"API token expired at .*create a new one"):
        auth.resolve_api_token(world.sessions, short_secret)


def test_over_http_a_token_names_its_expiry_and_an_expired_one_is_a_401(
    client: TestClient, world: World
) -> None:
    coord = token(client, "coord_a", "coordinator", "A")
    made = ok(
        client.post(
            "/api/v1/auth/tokens", json={"label": "feed", "lifetime_days": 7}, headers=coord
        ),
        201,
    )
    expires = dt.datetime.fromisoformat(made["expires_at"].replace("Z", "+00:00"))
    assert dt.timedelta(days=7) - dt.timedelta(minutes=1) < expires - utcnow() <= dt.timedelta(7)
    too_long = client.post(
        "/api/v1/auth/tokens", json={"label": "x", "lifetime_days": 400}, headers=coord
    )
    assert error(too_long) == (422, "invalid_input", "lifetime_days")
    with world.sessions() as s, s.begin():
        s.execute(update(ApiToken).values(expires_at=utcnow() - dt.timedelta(days=1)))
    reply = client.get("/api/v1/subjects", headers={"Authorization": f"Bearer {made['token']}"})
    assert error(reply)[:2] == (401, "unauthenticated")
    assert "API token expired at" in reply.json()["message"]


def test_tokens_made_before_expiry_existed_get_90_days_from_their_creation(
    engine: Engine,
) -> None:
    sessions = make_sessionmaker(engine)
    world = build_world(sessions)
    _, actor = auth.login(
        sessions, username="coord_a", password=PASSWORD, role="coordinator", site_code="A"
    )
    _, row = auth.create_api_token(sessions, actor=actor, label="old", lifetime=dt.timedelta(1))
    assert downgrade(engine, "0012") == "0012"
    assert upgrade(engine) == head_revision()
    with world.sessions() as s:
        stored = s.get(ApiToken, row.id)
        assert stored is not None
        assert stored.expires_at - stored.created_at == dt.timedelta(days=90)


# --- password change and reset ---------------------------------------------------------


def _password_audit(world: World, username: str) -> list[tuple[str | None, str | None, str | None]]:
    user = _user(world, username)
    with world.sessions() as s:
        return [
            (e.new_value, e.username, e.reason)
            for e in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.record_id == user.id, AuditEntry.field == "password_hash")
                .order_by(AuditEntry.seq)
            )
        ]


def test_a_password_change_needs_the_current_one_and_ends_the_other_sessions(
    world: World,
) -> None:
    here, actor = _login(world, "coord_a", "coordinator", "A")
    elsewhere, _ = _login(world, "coord_a", "coordinator", "A")
    with pytest.raises(AuthenticationError, match="current password is wrong"):
        auth.change_password(
            world.sessions,
            actor=actor,
            current_password="not my password",
            new_password=NEW_PASSWORD,
            session_token=here,
        )
    assert _user(world, "coord_a").failed_logins == 1  # counted like a failed login
    with pytest.raises(InputError, match=r"field 'password'.*at least 12 characters"):
        auth.change_password(
            world.sessions, actor=actor, current_password=PASSWORD, new_password="short"
        )
    ended = auth.change_password(
        world.sessions,
        actor=actor,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        session_token=here,
    )
    assert ended == 1
    assert auth.resolve_session(world.sessions, here) == actor
    with pytest.raises(AuthenticationError, match="ended session"):
        auth.resolve_session(world.sessions, elsewhere)
    with pytest.raises(AuthenticationError):
        _login(world, "coord_a", "coordinator", "A")
    auth.login(
        world.sessions,
        username="coord_a",
        password=NEW_PASSWORD,
        role="coordinator",
        site_code="A",
    )
    assert _password_audit(world, "coord_a") == [
        ("[redacted]", "coord_a", "password changed by its user")
    ]


def test_an_admin_reset_needs_the_admins_own_password_and_ends_all_access(world: World) -> None:
    _, root = _login(world, "root", "admin", None)
    victim, actor = _login(world, "coord_a", "coordinator", "A")
    api_token, _ = auth.create_api_token(world.sessions, actor=actor, label="feed")
    reset = {"username": "coord_a", "new_password": NEW_PASSWORD, "reason": "forgotten"}
    with pytest.raises(AuthenticationError, match="your own password is wrong"):
        admin.reset_password(world.sessions, actor=root, admin_password="not mine!", **reset)
    assert auth.resolve_session(world.sessions, victim) == actor  # nothing changed
    assert _user(world, "root").failed_logins == 1
    with pytest.raises(InputError, match="change your own instead"):
        admin.reset_password(
            world.sessions,
            actor=root,
            admin_password=PASSWORD,
            username="root",
            new_password=NEW_PASSWORD,
            reason="x",
        )
    admin.reset_password(world.sessions, actor=root, admin_password=PASSWORD, **reset)
    with pytest.raises(AuthenticationError):
        auth.resolve_session(world.sessions, victim)
    with pytest.raises(AuthenticationError, match="revoked"):
        auth.resolve_api_token(world.sessions, api_token)
    auth.login(
        world.sessions, username="coord_a", password=NEW_PASSWORD, role="coordinator", site_code="A"
    )
    assert _password_audit(world, "coord_a") == [("[redacted]", "root", "forgotten")]


def test_password_change_and_reset_over_http(client: TestClient, world: World) -> None:
    coord = token(client, "coord_a", "coordinator", "A")
    other = token(client, "coord_a", "coordinator", "A")
    wrong = {"current_password": "wrong one!", "new_password": NEW_PASSWORD}
    reply = client.post("/api/v1/auth/password", json=wrong, headers=coord)
    assert error(reply)[:2] == (401, "unauthenticated")
    assert NEW_PASSWORD not in reply.text
    right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert ok(client.post("/api/v1/auth/password", json=right, headers=coord)) == {
        "sessions_ended": 1
    }
    ok(client.get("/api/v1/subjects", headers=coord))
    assert error(client.get("/api/v1/subjects", headers=other))[:2] == (401, "unauthenticated")

    root = token(client, "root", "admin", None)
    body = {"admin_password": PASSWORD, "new_password": PASSWORD + "!", "reason": "forgotten"}
    assert error(client.post("/api/v1/users/coord_a/password", json=body, headers=coord))[0] == 403
    wrong_admin = {**body, "admin_password": "not the admin's"}
    assert error(client.post("/api/v1/users/coord_a/password", json=wrong_admin, headers=root))[
        :2
    ] == (401, "unauthenticated")
    assert client.post("/api/v1/users/coord_a/password", json=body, headers=root).status_code == 204
    assert error(client.get("/api/v1/subjects", headers=coord))[:2] == (401, "unauthenticated")
    login = {"username": "coord_a", "password": PASSWORD + "!", "role": "coordinator", "site": "A"}
    ok(client.post("/api/v1/auth/login", json=login))


# --- deactivation: never your own, never the last admin ------------------------------------


def test_nobody_deactivates_their_own_account_or_the_last_sponsor_wide_admin(
    world: World,
) -> None:
    _, root = _login(world, "root", "admin", None)
    with pytest.raises(InputError, match="you may not deactivate your own"):
        admin.deactivate_user(world.sessions, actor=root, username="root", reason="leaving")
    with pytest.raises(InputError, match="last active sponsor-wide administrator"):
        admin.deactivate_user(world.sessions, actor=ADMIN, username="root", reason="leaving")
    with pytest.raises(InputError, match="last active sponsor-wide administrator"):
        admin.revoke_role(
            world.sessions,
            actor=ADMIN,
            username="root",
            role="admin",
            site_code=None,
            reason="leaving",
        )
    assert _user(world, "root").is_active
    admin.grant_role(world.sessions, actor=ADMIN, username="dm", role="admin", site_code=None)
    admin.deactivate_user(world.sessions, actor=ADMIN, username="root", reason="left")
    assert not _user(world, "root").is_active


def test_deactivation_ends_sessions_and_tokens_and_is_audited_over_http(
    client: TestClient, world: World
) -> None:
    root = token(client, "root", "admin", None)
    assert error(
        client.post("/api/v1/users/root/deactivate", json={"reason": "x"}, headers=root)
    ) == (422, "invalid_input", "username")
    coord = token(client, "coord_a", "coordinator", "A")
    made = ok(client.post("/api/v1/auth/tokens", json={"label": "feed"}, headers=coord), 201)
    api = {"Authorization": f"Bearer {made['token']}"}
    gone = {"reason": "left the site"}
    assert (
        client.post("/api/v1/users/coord_a/deactivate", json=gone, headers=root).status_code == 204
    )
    assert error(client.get("/api/v1/subjects", headers=coord))[0] == 401
    assert error(client.get("/api/v1/subjects", headers=api))[0] == 401
    with world.sessions() as s:
        reasons = {
            (e.table_name, e.field, e.reason)
            for e in s.scalars(select(AuditEntry).where(AuditEntry.reason == "left the site"))
        }
    assert ("user_account", "is_active", "left the site") in reasons
    assert ("api_token", "revoked_at", "left the site") in reasons


# --- a site's administrator manages that site's people only -------------------------------


def _admin_actions(world: World, actor: Actor, name: str) -> list[Callable[[], object]]:
    """Every administrator action on the account ``name``."""
    reason = "identity checked"
    return [
        partial(admin.unlock_user, world.sessions, actor=actor, username=name, reason=reason),
        partial(
            admin.revoke_user_tokens, world.sessions, actor=actor, username=name, reason=reason
        ),
        partial(
            admin.reset_password,
            world.sessions,
            actor=actor,
            username=name,
            new_password=NEW_PASSWORD,
            admin_password=PASSWORD,
            reason=reason,
        ),
        partial(admin.deactivate_user, world.sessions, actor=actor, username=name, reason=reason),
        partial(
            admin.grant_role,
            world.sessions,
            actor=actor,
            username=name,
            role="monitor",
            site_code="A",
        ),
        partial(admin.list_grants, world.sessions, actor=actor, username=name),
    ]


def test_a_site_admin_acts_only_on_that_sites_people(world: World) -> None:
    _, admin_a = _login(world, "admin_a", "admin", "A")
    _, coord_b = _login(world, "coord_b", "coordinator", "B")
    b_secret, b_token = auth.create_api_token(world.sessions, actor=coord_b, label="feed")
    reason = {"reason": "identity checked"}
    for name in ("coord_b", "dm", "root", "nobody"):
        for call in _admin_actions(world, admin_a, name):
            with pytest.raises(NotFoundError, match=f"unknown user '{name}'"):
                call()
    with pytest.raises(NotFoundError, match="unknown API token"):
        auth.revoke_api_token(world.sessions, actor=admin_a, token_id=b_token.id)
    assert auth.resolve_api_token(world.sessions, b_secret) == coord_b
    # Someone also granted elsewhere is not only this site's: the change would reach there.
    admin.grant_role(world.sessions, actor=ADMIN, username="inv_a", role="monitor", site_code=None)
    with pytest.raises(NotFoundError):
        admin.unlock_user(world.sessions, actor=admin_a, username="inv_a", **reason)
    # Grants only at the admin's own site.
    with pytest.raises(PermissionDenied, match="at site B"):
        admin.grant_role(
            world.sessions, actor=admin_a, username="coord_a", role="monitor", site_code="B"
        )
    with pytest.raises(PermissionDenied, match="all sites"):
        admin.grant_role(
            world.sessions, actor=admin_a, username="coord_a", role="monitor", site_code=None
        )
    # The site's own people: every action works.
    admin.unlock_user(world.sessions, actor=admin_a, username="coord_a", **reason)
    admin.grant_role(
        world.sessions, actor=admin_a, username="coord_a", role="investigator", site_code="A"
    )
    assert (
        admin.revoke_user_tokens(world.sessions, actor=admin_a, username="coord_a", **reason) == 0
    )
    admin.reset_password(
        world.sessions,
        actor=admin_a,
        username="coord_a",
        new_password=NEW_PASSWORD,
        admin_password=PASSWORD,
        **reason,
    )
    admin.deactivate_user(world.sessions, actor=admin_a, username="coord_a", **reason)


def test_over_http_another_sites_user_is_a_404_for_a_site_admin(client: TestClient) -> None:
    admin_a = token(client, "admin_a", "admin", "A")
    coord_b = token(client, "coord_b", "coordinator", "B")
    made = ok(client.post("/api/v1/auth/tokens", json={"label": "feed"}, headers=coord_b), 201)
    reason = {"reason": "identity checked"}
    for path, body in (
        ("/api/v1/users/coord_b/unlock", reason),
        ("/api/v1/users/coord_b/tokens/revoke", reason),
        ("/api/v1/users/coord_b/deactivate", reason),
        ("/api/v1/users/coord_b/grants", {"role": "monitor", "site": "A"}),
        (
            "/api/v1/users/coord_b/password",
            {"admin_password": PASSWORD, "new_password": NEW_PASSWORD, **reason},
        ),
    ):
        reply = client.post(path, json=body, headers=admin_a)
        assert error(reply)[:2] == (404, "not_found"), path
        assert reply.json()["message"] == "unknown user 'coord_b'"
    assert error(client.get("/api/v1/users/coord_b/grants", headers=admin_a))[0] == 404
    assert error(client.delete(f"/api/v1/auth/tokens/{made['id']}", headers=admin_a))[0] == 404
    ok(client.get("/api/v1/subjects", headers={"Authorization": f"Bearer {made['token']}"}))
    revoked = client.post("/api/v1/users/coord_a/tokens/revoke", json=reason, headers=admin_a)
    assert ok(revoked) == {"revoked": 0}


# --- a lock that expires, and one answer for every refused sign-in ------------------------


def test_the_lock_grows_from_one_minute_doubling_to_one_hour() -> None:
    minutes = {n: lock_delay(n) / dt.timedelta(minutes=1) for n in (0, 4, 5, 6, 7, 10, 11, 50)}
    assert minutes == {0: 0, 4: 0, 5: 1, 6: 2, 7: 4, 10: 32, 11: 60, 50: 60}


def _wrong(world: World, password: str = "wrong password!", username: str = "coord_a") -> str:
    with world.sessions() as s, s.begin():
        try:
            verify_login(s, username=username, password=password)
        except AuthenticationError as exc:
            return str(exc)
    raise AssertionError("signed in")


def _age_lock(world: World, by: dt.timedelta) -> None:
    with world.sessions() as s, s.begin():
        s.execute(update(User).where(User.username == "coord_a").values(locked_at=utcnow() - by))


def test_a_lock_expires_by_itself_and_a_further_failure_doubles_it(world: World) -> None:
    for _ in range(5):
        _wrong(world)
    assert _wrong(world, PASSWORD) == LOGIN_REFUSED  # locked: the right password is not tried
    assert _user(world, "coord_a").failed_logins == 5
    _age_lock(world, dt.timedelta(seconds=61))
    _wrong(world)  # the sixth failure: locked for 2 minutes
    _age_lock(world, dt.timedelta(seconds=61))
    assert _wrong(world, PASSWORD) == LOGIN_REFUSED
    _age_lock(world, dt.timedelta(seconds=121))
    with world.sessions() as s, s.begin():
        verify_login(s, username="coord_a", password=PASSWORD)
    user = _user(world, "coord_a")
    assert (user.failed_logins, user.locked_at) == (0, None)


def test_unknown_user_wrong_password_and_locked_account_get_the_same_answer(
    client: TestClient, world: World
) -> None:
    def attempt(username: str, password: str) -> tuple[int, Any]:
        body = {"username": username, "password": password, "role": "coordinator", "site": "A"}
        reply = client.post("/api/v1/auth/login", json=body)
        return reply.status_code, reply.json()

    unknown = attempt("no_such_person", "wrong password!")
    wrong = attempt("coord_a", "wrong password!")
    for _ in range(4):
        attempt("coord_a", "wrong password!")
    locked = attempt("coord_a", PASSWORD)
    assert (
        unknown
        == wrong
        == locked
        == (
            401,
            {"code": "unauthenticated", "message": LOGIN_REFUSED, "field": None},
        )
    )
    with world.sessions() as s:  # the trail tells the administrator which it was
        reasons = [
            e.reason
            for e in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "login_failed")
                .order_by(AuditEntry.seq)
            )
        ]
    assert reasons[0] == "unknown user name" and reasons[1] == "wrong password"
    assert reasons[-1] is not None and reasons[-1].startswith("locked until ")
    root = token(client, "root", "admin", None)
    unlock = {"reason": "identity checked by phone call-back"}
    assert client.post("/api/v1/users/coord_a/unlock", json=unlock, headers=root).status_code == 204
    assert attempt("coord_a", PASSWORD)[0] == 200


def test_a_deactivated_account_is_named_only_to_who_gives_its_password(world: World) -> None:
    admin.deactivate_user(world.sessions, actor=ADMIN, username="coord_a", reason="left")
    assert _wrong(world) == LOGIN_REFUSED
    assert "deactivated" in _wrong(world, PASSWORD)


# --- the command line ---------------------------------------------------------------------


def _cli(url: str, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--url", url], input=stdin)
    return result.exit_code, result.output


def test_cli_unlock_reset_password_and_revoke_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'trial.db'}"
    _cli(url, "db", "init")
    _cli(url, "site", "add", "A", "Site A", "--time-zone", "UTC")
    add = ["user", "add", "ada", "--name", "Ada I", "--role", "investigator@A"]
    assert _cli(url, *add, "--password", PASSWORD)[0] == 0
    sessions = make_sessionmaker(__import__("cartrial.store", fromlist=["x"]).make_engine(url))
    _, actor = auth.login(
        sessions, username="ada", password=PASSWORD, role="investigator", site_code="A"
    )
    auth.create_api_token(sessions, actor=actor, label="feed")
    assert _cli(url, "user", "revoke-tokens", "ada", "--reason", "laptop lost") == (
        0,
        "user ada: 1 API token(s) revoked\n",
    )
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            auth.login(
                sessions, username="ada", password="wrong!", role="investigator", site_code="A"
            )
    assert _cli(url, "user", "unlock", "ada", "--reason", "called back") == (
        0,
        "user ada unlocked\n",
    )
    code, out = _cli(
        url, "user", "reset-password", "ada", "--reason", "forgotten", "--password", "short"
    )
    assert code == 2 and "at least 12 characters" in out
    code, out = _cli(
        url,
        "user",
        "reset-password",
        "ada",
        "--reason",
        "forgotten",
        stdin=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert code == 0 and "password reset" in out and NEW_PASSWORD not in out
    auth.login(sessions, username="ada", password=NEW_PASSWORD, role="investigator", site_code="A")
    assert _cli(url, "user", "unlock", "nobody", "--reason", "x")[0] == 2
    assert _cli(url, "audit", "verify")[0] == 0
    with sessions() as s:
        assert s.scalars(select(AuthSession)).all()  # sessions were stored (and ended)


def test_wrong_passwords_at_the_signature_prompt_count_towards_the_lock(world: World) -> None:
    """NIST SP 800-63B 5.2.2: every attempt to prove the password is rate-limited. A
    signature's re-entered password is one (21 CFR 11.200(a)(1)); before, a borrowed
    session could try passwords at the signature prompt without end."""
    from cartrial.errors import SignatureRefused
    from cartrial.services import screening
    from tests.store.trial import screened

    subject_id = screened(world)
    investigator = world.actors["investigator"]
    username = _user_name_of(world, investigator)
    for _ in range(5):
        with pytest.raises(SignatureRefused):
            screening.sign_eligibility(
                world.sessions, actor=investigator, subject_id=subject_id, password="guess"
            )
    user = _user(world, username)
    assert user.failed_logins == 5 and user.locked_at is not None
    # locked: the right password is not tried, at the prompt or at sign-in
    with pytest.raises(SignatureRefused):
        screening.sign_eligibility(
            world.sessions, actor=investigator, subject_id=subject_id, password=PASSWORD
        )
    with world.sessions() as s, pytest.raises(AuthenticationError, match=re.escape(LOGIN_REFUSED)):
        verify_login(s, username=username, password=PASSWORD)
    with world.sessions() as s:
        reasons = s.scalars(
            select(AuditEntry.reason).where(AuditEntry.action == "login_failed")
        ).all()
    assert reasons.count("wrong password re-entered for a signature") == 5


def _user_name_of(world: World, actor: Actor) -> str:
    with world.sessions() as s:
        user = s.get(User, actor.user_id)
        assert user is not None
        return user.username
