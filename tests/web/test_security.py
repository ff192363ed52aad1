"""Sessions, CSRF and headers of the pages (OWASP Session Management and CSRF Prevention
cheat sheets; CSP Level 3; 21 CFR 11.300(d) idle timeout)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import update

from cartrial.store.models import IDLE_TIMEOUT, AuthSession, RoleGrant, utcnow
from cartrial.web.api.app import create_app
from tests.store.trial import World
from tests.web.site import PASSWORD, csrf_of, sign_in

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_login_sets_an_httponly_strict_cookie_and_pages_carry_a_strict_csp(world: World) -> None:
    client = TestClient(create_app(world.sessions))
    login = client.get("/")
    csp = login.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    answer = client.post(
        "/login",
        data={
            "username": "coord_a",
            "password": PASSWORD,
            "role": "coordinator",
            "site": "A",
            "csrf_token": csrf_of(login.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"].lower()
    assert "cartrial_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # served over http here; Secure only over TLS
    page = client.get("/dashboard")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert not INLINE_SCRIPT.search(page.text) and not INLINE_HANDLER.search(page.text)


def test_a_wrong_password_is_shown_on_the_login_page(world: World) -> None:
    client = TestClient(create_app(world.sessions))
    token = csrf_of(client.get("/").text)
    answer = client.post(
        "/login",
        data={
            "username": "coord_a",
            "password": "wrong",
            "role": "coordinator",
            "site": "A",
            "csrf_token": token,
        },
    )
    assert answer.status_code == 401
    assert "unknown user name or wrong password" in answer.text


def test_login_without_its_csrf_cookie_is_refused(world: World) -> None:
    client = TestClient(create_app(world.sessions))
    answer = client.post(
        "/login",
        data={
            "username": "coord_a",
            "password": PASSWORD,
            "role": "coordinator",
            "site": "A",
            "csrf_token": "forged",
        },
    )
    assert answer.status_code == 403
    assert "CSRF" in answer.text


def test_a_page_without_a_session_redirects_to_login_saying_why(world: World) -> None:
    client = TestClient(create_app(world.sessions))
    answer = client.get("/dashboard", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/?why=sign")
    hx = client.get("/dashboard", headers={"HX-Request": "true"})
    assert hx.headers["hx-redirect"].startswith("/?why=")


def test_forms_without_the_sessions_csrf_token_are_refused(world: World) -> None:
    cora = sign_in(world, "coordinator")
    ben = sign_in(world, "coordinator_b")
    missing = cora.client.post("/screen", data={"subject_id": "S-9"}, follow_redirects=False)
    other = cora.client.post(
        "/screen", data={"subject_id": "S-9", "csrf_token": ben.csrf}, follow_redirects=False
    )
    assert missing.status_code == other.status_code == 403
    assert "CSRF" in missing.text
    assert cora.csrf != ben.csrf


def test_an_idle_session_ends_and_the_login_page_says_so(world: World) -> None:
    cora = sign_in(world, "coordinator")
    with world.sessions() as s, s.begin():
        for row in s.query(AuthSession).all():
            row.last_seen_at = row.last_seen_at - IDLE_TIMEOUT * 2
    answer = cora.get("/dashboard")
    assert answer.status_code == 303
    assert "expired" in answer.headers["location"]


def test_a_session_whose_grant_was_revoked_goes_back_to_the_login_page(world: World) -> None:
    """Issue 14: grants are read on every request, whichever path revoked them."""
    cora = sign_in(world, "coordinator")
    assert cora.get("/dashboard").status_code == 200
    with world.sessions() as s, s.begin():
        s.execute(update(RoleGrant).values(revoked_at=utcnow()))
    answer = cora.get("/dashboard")
    assert answer.status_code == 303
    assert "grant%20was%20revoked" in answer.headers["location"]


def test_logout_ends_the_session(world: World) -> None:
    cora = sign_in(world, "coordinator")
    assert cora.post("/logout").status_code == 303
    assert cora.get("/dashboard").status_code == 303


def test_the_vendored_htmx_is_served_from_this_origin(world: World) -> None:
    client = TestClient(create_app(world.sessions))
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:200]
    assert client.get("/static/cartrial.css").status_code == 200


def test_a_sessions_activity_is_written_at_most_every_touch_interval(world: World) -> None:
    from cartrial.services.auth import TOUCH_INTERVAL

    cora = sign_in(world, "coordinator")
    with world.sessions() as s:
        (first,) = [row.last_seen_at for row in s.query(AuthSession).all()]
    cora.get("/dashboard")
    with world.sessions() as s:
        assert s.query(AuthSession).one().last_seen_at == first  # read, not written
    with world.sessions() as s, s.begin():
        s.query(AuthSession).one().last_seen_at = first - TOUCH_INTERVAL
    cora.get("/dashboard")
    with world.sessions() as s:
        assert s.query(AuthSession).one().last_seen_at > first - TOUCH_INTERVAL
