"""``POST /subjects/{id}/status``: a screen failure, follow-up and completion, with a reason.

The lifecycle (``cartrial.vocabulary.TRANSITIONS``) decides what may follow what; a
screen failure is final (CDISC SDTM DS "SCREEN FAILURE"), so such a subject can
be neither enrolled nor given a death record.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cartrial.services import screening
from cartrial.services.context import Sessions
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import PASSWORD, World, build_world, infused, screened

API = "/api/v1"


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def test_a_screen_failure_is_recorded_with_its_reason_and_is_final(
    client: TestClient, world: World
) -> None:
    subject_id = screened(world)
    screening.sign_eligibility(  # eligible and signed: only the new status stops enrolment
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    coord = token(client, "coord_a", "coordinator", "A")
    body = {"status": "screen_failed", "reason": "ANC 0.9 x10^9/L on repeat, below 1.0"}
    subject = ok(client.post(f"{API}/subjects/{subject_id}/status", json=body, headers=coord))
    assert (subject["code"], subject["status"]) == ("S-001", "screen_failed")

    dm = token(client, "dm", "data_manager", None)
    entries = ok(client.get(f"{API}/audit", params={"record_id": subject_id}, headers=dm))["items"]
    change = [e for e in entries if e["action"] == "update" and e["field"] == "status"]
    assert [(e["old_value"], e["new_value"], e["reason"]) for e in change] == [
        ("screening", "screen_failed", "ANC 0.9 x10^9/L on repeat, below 1.0")
    ]

    enrol = client.post(
        f"{API}/subjects/{subject_id}/enrol", json={"weight_kg": "70"}, headers=coord
    )
    assert error(enrol)[:2] == (409, "invalid_transition")
    assert enrol.json()["message"] == (
        "subject S-001: status 'screen_failed' cannot become 'enrolled'; "
        "allowed: none (final status)"
    )
    death = {"died_on": "2026-06-01", "cause": "disease progression"}
    again = client.post(f"{API}/subjects/{subject_id}/death", json=death, headers=coord)
    assert error(again)[:2] == (409, "invalid_transition")


def test_an_infused_subject_enters_follow_up_then_completes(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    statuses = []
    for status in ("follow_up", "completed"):
        body = {"status": status, "reason": f"protocol schedule: {status}"}
        reply = client.post(f"{API}/subjects/{subject_id}/status", json=body, headers=coord)
        statuses.append(ok(reply)["status"])
    assert statuses == ["follow_up", "completed"]


def test_a_change_the_lifecycle_refuses_is_409_naming_the_statuses(
    client: TestClient, world: World
) -> None:
    subject_id = screened(world)
    coord = token(client, "coord_a", "coordinator", "A")
    body = {"status": "completed", "reason": "entered in error"}
    reply = client.post(f"{API}/subjects/{subject_id}/status", json=body, headers=coord)
    assert error(reply)[:2] == (409, "invalid_transition")
    message = reply.json()["message"]
    assert "screening" in message and "completed" in message


def test_roles_sites_and_bad_input(client: TestClient, world: World) -> None:
    subject_id = screened(world)
    path = f"{API}/subjects/{subject_id}/status"
    body = {"status": "screen_failed", "reason": "not eligible"}
    monitor = token(client, "mon", "monitor", None)
    assert error(client.post(path, json=body, headers=monitor))[:2] == (403, "forbidden")
    site_b = token(client, "coord_b", "coordinator", "B")
    assert error(client.post(path, json=body, headers=site_b))[:2] == (404, "not_found")
    coord = token(client, "coord_a", "coordinator", "A")
    enrolled_again = {"status": "enrolled", "reason": "x"}
    assert error(client.post(path, json=enrolled_again, headers=coord)) == (
        422,
        "invalid_input",
        "status",
    )
    no_reason = {"status": "screen_failed"}
    assert error(client.post(path, json=no_reason, headers=coord)) == (
        422,
        "invalid_input",
        "reason",
    )
