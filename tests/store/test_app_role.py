"""The application's least-privileged PostgreSQL role (issue 14): it works, and it cannot.

The role is made by ``cartrial db grant-app-role`` connecting as the owner; the trial is
then built through the services connecting as the role, and every way of changing the
records behind the application's back is tried as it.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import AuthenticationError
from cartrial.services import auth
from cartrial.store import make_engine, make_sessionmaker, verify_chain
from cartrial.store.audit_replay import replay_trail
from cartrial.store.idempotency import purge_expired
from tests.store.trial import PASSWORD, build_world, infused

ON_POSTGRESQL = pytest.mark.parametrize("engine", ["postgresql"], indirect=True)

runner = CliRunner()


@pytest.fixture
def app_role(engine: Engine) -> Iterator[str]:
    """A fresh role name, dropped (with its grants) after the test."""
    role = f"cartrial_app_{uuid.uuid4().hex[:10]}"
    yield role
    owner_url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    owner = create_engine(owner_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if exists.first() is not None:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
    owner.dispose()


def _granted(engine: Engine, role: str) -> Engine:
    owner_url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["db", "grant-app-role", "--url", owner_url, "--role", role])
    assert result.exit_code == 0, result.output
    assert f"role {role} created (LOGIN)" in result.output
    assert "SELECT, INSERT on audit_entry, signature" in result.output
    return make_engine(engine.url.set(username=role).render_as_string(hide_password=False))


@ON_POSTGRESQL
def test_the_app_role_writes_through_the_services_and_the_chain_verifies(
    engine: Engine, app_role: str
) -> None:
    as_app = _granted(engine, app_role)
    try:
        sessions = make_sessionmaker(as_app)
        world = build_world(sessions)
        infused(world)
        # A wrong password updates the account's failure count; signing in and out writes
        # and ends a session row.
        with pytest.raises(AuthenticationError):
            auth.login(
                sessions, username="coord_a", password="wrong", role="coordinator", site_code="A"
            )
        token, _actor = auth.login(
            sessions, username="coord_a", password=PASSWORD, role="coordinator", site_code="A"
        )
        auth.logout(sessions, token)
        # Expired Idempotency-Key replies are purged by the application (not trial data).
        with sessions() as session, session.begin():
            session.execute(
                text(
                    "INSERT INTO idempotency_key (user_id, key, request_sha256, method, path, "
                    "status_code, media_type, body, created_at, expires_at) "
                    "SELECT id, 'k-1', 'f', 'POST', '/api/v1/x', 201, 'application/json', '', "
                    "'2026-01-01 00:00:00+00', '2026-01-02 00:00:00+00' FROM user_account LIMIT 1"
                )
            )
        assert purge_expired(sessions) == 1
        with sessions() as session:
            assert session.execute(text("SELECT current_user")).scalar_one() == app_role
            assert verify_chain(session).is_intact
            assert replay_trail(session).matches
    finally:
        as_app.dispose()


REFUSED = {
    "ALTER TABLE": "ALTER TABLE subject ADD COLUMN sneaky text",
    "DISABLE TRIGGER": "ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update",
    "TRUNCATE": "TRUNCATE subject",
    "TRUNCATE audit": "TRUNCATE audit_entry",
    "DROP": "DROP TABLE lab_result",
    "UPDATE audit row": "UPDATE audit_entry SET reason = 'rewritten'",
    "UPDATE signature": "UPDATE signature SET meaning = 'rewritten'",
    "DELETE": "DELETE FROM auth_session",
    "replication role": "SET session_replication_role = replica",
    "CREATE TABLE": "CREATE TABLE shadow (id int)",
    "CREATE TRIGGER": "CREATE TRIGGER t BEFORE INSERT ON subject "
    "FOR EACH ROW EXECUTE FUNCTION cartrial_refuse_change()",
}


@ON_POSTGRESQL
@pytest.mark.parametrize("what", sorted(REFUSED))
def test_the_app_role_cannot_change_the_records_behind_the_application(
    engine: Engine, app_role: str, what: str
) -> None:
    as_app = _granted(engine, app_role)
    try:
        with as_app.connect() as conn:
            with pytest.raises(DBAPIError) as refused:
                conn.execute(text(REFUSED[what]))
            message = str(refused.value.orig)
            assert "permission denied" in message or "must be owner" in message, message
    finally:
        as_app.dispose()


@ON_POSTGRESQL
def test_running_it_again_updates_the_role_and_refuses_the_owner(
    engine: Engine, app_role: str
) -> None:
    _granted(engine, app_role).dispose()
    owner_url = engine.url.render_as_string(hide_password=False)
    again = runner.invoke(
        app, ["db", "grant-app-role", "--url", owner_url, "--role", app_role, "--no-login"]
    )
    assert again.exit_code == 0, again.output
    assert f"role {app_role} updated (NOLOGIN)" in again.output
    owner = engine.url.username
    refused = runner.invoke(app, ["db", "grant-app-role", "--url", owner_url, "--role", str(owner)])
    assert refused.exit_code == 2
    assert "the application role must be another" in refused.output
    bad = runner.invoke(app, ["db", "grant-app-role", "--url", owner_url, "--role", "x; DROP"])
    assert bad.exit_code == 2
    assert "expected a lower-case identifier" in bad.output


def test_a_sqlite_database_is_refused(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "trial.db"
    shutil.copy(sqlite_template, path)
    refused = runner.invoke(app, ["db", "grant-app-role", "--url", f"sqlite:///{path}"])
    assert refused.exit_code == 2
    assert "an application role needs PostgreSQL" in refused.output
