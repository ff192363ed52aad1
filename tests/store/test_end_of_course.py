"""A death after the end of treatment (long-term follow-up) and where the lifecycle stays final.

FDA guidance "Long Term Follow-up After Administration of Human Gene Therapy
Products" (2020): subjects given gene-modified cells are followed for up to 15
years, so a death after ``completed`` is recorded; a screen failure is not
followed and its later death is refused (``cartrial.vocabulary.TRANSITIONS``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cartrial.errors import InvalidTransition
from cartrial.services import followup, screening
from cartrial.services.context import Sessions
from cartrial.store.models import AuditEntry, Death, Subject
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import World, build_world, infused, screening_record

API = "/api/v1"


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _completed(world: World) -> str:
    subject_id = infused(world)
    for status in ("follow_up", "completed"):
        followup.advance_status(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            status=status,
            reason=f"protocol {status}",
        )
    return subject_id


def test_a_death_years_after_completion_is_recorded_and_audited(world: World) -> None:
    subject_id = _completed(world)
    client = TestClient(create_app(world.sessions))
    coord = token(client, "coord_a", "coordinator", "A")
    body = {"died_on": "2031-07-14", "cause": "second malignancy"}
    death = ok(client.post(f"{API}/subjects/{subject_id}/death", json=body, headers=coord), 201)
    assert (death["died_on"], death["cause"]) == ("2031-07-14", "second malignancy")
    assert ok(client.get(f"{API}/subjects/{subject_id}", headers=coord))["status"] == "died"
    with world.sessions() as s:
        change = s.scalars(
            select(AuditEntry).where(
                AuditEntry.record_id == subject_id, AuditEntry.field == "status"
            )
        ).all()[-1]
        assert (change.old_value, change.new_value, change.reason) == (
            "completed",
            "died",
            "death: second malignancy",
        )
    again = client.post(f"{API}/subjects/{subject_id}/death", json=body, headers=coord)
    assert error(again) == (409, "invalid_transition", None)


def test_a_screen_failure_s_later_death_is_refused_and_nothing_is_written(world: World) -> None:
    subject, decision = screening.screen(
        world.sessions,
        actor=world.actors["coordinator"],
        site_id=world.site_a,
        protocol_version_id=world.protocol_version,
        record=screening_record("S-009", anc="0.4"),
    )
    assert decision.decision == "not_eligible"
    followup.advance_status(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject.id,
        status="screen_failed",
        reason="ANC 0.4 x10^9/L, below the protocol's minimum",
    )
    with pytest.raises(InvalidTransition) as err:
        followup.record_death(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject.id,
            died_on=dt.date(2026, 6, 1),
            cause="progressive disease",
        )
    assert str(err.value) == (
        "subject S-009: status 'screen_failed' cannot become 'died'; allowed: none (final status)"
    )
    with world.sessions() as s:
        assert s.get(Subject, subject.id).status == "screen_failed"  # type: ignore[union-attr]
        assert s.scalars(select(Death)).all() == []
