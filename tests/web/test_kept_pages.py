"""Kept dashboard and subject page bodies on both backends (pages/cache.py).

Every write moves the audit trail's head, so the next read after a write renders
afresh; PostgreSQL's session check runs in autocommit on the same connection as
the head's read, SQLite's in one ``BEGIN IMMEDIATE`` transaction, hence both.
A subject's content is kept per site scope and shared by the roles of that
scope; each role's body keeps its own links, and another site's user still gets
the 404 page for a subject whose content is kept.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from cartrial.services import screening
from cartrial.store import make_sessionmaker
from tests.store.conftest import engine, pg_template, sqlite_template  # noqa: F401 (fixtures)
from tests.store.trial import World, build_world, screened
from tests.web.site import PASSWORD, sign_in


@pytest.fixture
def any_world(engine: Engine) -> World:  # noqa: F811 (the imported fixture)
    return build_world(make_sessionmaker(engine))


def test_a_write_shows_on_the_next_dashboard_and_subject_page(any_world: World) -> None:
    world = any_world
    cora = sign_in(world, "coordinator")
    assert "S-050" not in cora.get("/dashboard").text
    assert "S-050" not in cora.get("/dashboard").text  # kept, and still current
    subject_id = screened(world, "S-050")  # a write: the head moves
    assert "S-050" in cora.get("/dashboard").text
    page = f"/subjects/{subject_id}"
    assert "eligibility is not signed by an investigator" in cora.get(page).text
    assert "eligibility is not signed by an investigator" in cora.get(page).text  # kept
    screening.sign_eligibility(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
    )
    assert "Signed by an investigator." in cora.get(page).text


def test_a_kept_subject_content_is_shared_by_scope_and_its_links_stay_the_roles(
    any_world: World,
) -> None:
    world = any_world
    subject_id = screened(world, "S-051")
    page = f"/subjects/{subject_id}"
    sign_link = f'href="/subjects/{subject_id}/eligibility"'
    cora = sign_in(world, "coordinator")
    ada = sign_in(world, "investigator")
    ben = sign_in(world, "coordinator_b")
    mo = sign_in(world, "monitor")
    coordinators = cora.get(page)  # the content of site A's scope is kept from here
    assert coordinators.status_code == 200 and sign_link not in coordinators.text
    investigators = ada.get(page)  # same scope, the investigator's own links
    assert investigators.status_code == 200 and sign_link in investigators.text
    assert sign_link not in cora.get(page).text
    assert ben.get(page).status_code == 404  # site B: not found, kept content or not
    enrol_link = f'href="/subjects/{subject_id}/enrol"'
    monitors = mo.get(page)  # sponsor-wide scope: its own content, no site staff's links
    assert monitors.status_code == 200 and "S-051" in monitors.text
    assert enrol_link not in monitors.text and enrol_link in cora.get(page).text
