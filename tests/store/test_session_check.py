"""The session check and a read on the same connection (auth.resolve_session_then),
on SQLite and PostgreSQL (autocommit there): the touch interval, the idle timeout,
a revoked grant and a deactivated account, and the read seeing what was committed
before it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Connection, select, update

from cartrial.errors import AuthenticationError, PermissionDenied
from cartrial.services import auth, site_view
from cartrial.services.context import Sessions
from cartrial.store.models import IDLE_TIMEOUT, AuthSession, RoleGrant, User, utcnow
from tests.store.trial import PASSWORD, World, build_world, screened


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _login(world: World) -> str:
    token, _actor = auth.login(
        world.sessions, username="coord_a", password=PASSWORD, role="coordinator", site_code="A"
    )
    return token


def _last_seen(world: World) -> dt.datetime:
    with world.sessions() as s:
        return s.scalars(select(AuthSession.last_seen_at)).one()


def _set_last_seen(world: World, when: dt.datetime) -> None:
    with world.sessions() as s, s.begin():
        s.execute(update(AuthSession).values(last_seen_at=when))


def test_the_check_reads_and_touches_at_most_every_touch_interval(world: World) -> None:
    token = _login(world)
    first = _last_seen(world)
    actor, head = auth.resolve_session_then(world.sessions, token, site_view.audit_head_on)
    assert (actor.username, actor.role) == ("coord_a", "coordinator")
    assert actor.site_id == world.site_a
    assert head == site_view.audit_head(world.sessions) > 0
    assert _last_seen(world) == first  # inside the interval: read, not written
    _set_last_seen(world, first - auth.TOUCH_INTERVAL)
    auth.resolve_session_then(world.sessions, token, site_view.audit_head_on)
    assert _last_seen(world) > first - auth.TOUCH_INTERVAL  # written, and committed


def test_the_read_sees_a_write_committed_before_it(world: World) -> None:
    token = _login(world)
    _actor, before = auth.resolve_session_then(world.sessions, token, site_view.audit_head_on)
    screened(world, "S-070")
    _actor, after = auth.resolve_session_then(world.sessions, token, site_view.audit_head_on)
    assert after > before


def test_an_idle_session_ends_and_the_read_does_not_run(world: World) -> None:
    token = _login(world)
    _set_last_seen(world, utcnow() - IDLE_TIMEOUT - dt.timedelta(minutes=1))
    reads: list[int] = []

    def read(connection: Connection) -> None:
        reads.append(1)

    with pytest.raises(AuthenticationError, match="session expired after 15 minutes"):
        auth.resolve_session_then(world.sessions, token, read)
    with world.sessions() as s:
        assert s.scalars(select(AuthSession.ended_at)).one() is not None  # committed
    with pytest.raises(AuthenticationError, match="unknown or ended session"):
        auth.resolve_session_then(world.sessions, token, read)
    assert reads == []


def test_a_revoked_grant_or_a_deactivated_account_is_refused(world: World) -> None:
    token = _login(world)
    with world.sessions() as s, s.begin():
        user_id = s.scalars(select(User.id).where(User.username == "coord_a")).one()
        s.execute(update(RoleGrant).where(RoleGrant.user_id == user_id).values(revoked_at=utcnow()))
    with pytest.raises(PermissionDenied, match="that grant was revoked"):
        auth.resolve_session_then(world.sessions, token, site_view.audit_head_on)
    with world.sessions() as s, s.begin():
        s.execute(update(RoleGrant).where(RoleGrant.user_id == user_id).values(revoked_at=None))
        s.execute(update(User).where(User.id == user_id).values(is_active=False))
    with pytest.raises(AuthenticationError, match="the account is deactivated"):
        auth.resolve_session(world.sessions, token)
    with pytest.raises(AuthenticationError, match="unknown or ended session"):
        auth.resolve_session(world.sessions, "not a token")
