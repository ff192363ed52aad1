"""Access control (21 CFR 11.10(d), (g), 11.300) and e-signatures (11.50, 11.70, 11.200)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cartrial.actor import Actor
from cartrial.errors import AuthenticationError, NotFoundError, PermissionDenied
from cartrial.services import safety, screening
from cartrial.services.access import PERMISSIONS, authorize
from cartrial.services.context import Sessions, transaction
from cartrial.store.accounts import MAX_FAILED_LOGINS, hash_password, verify_login
from cartrial.store.models import AuditEntry, EligibilityDecision, Signature, User
from cartrial.store.signatures import signature_status
from cartrial.vocabulary import ROLES
from tests.store.trial import PASSWORD, World, build_world, screened


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def test_coordinator_of_site_b_gets_not_found_for_a_site_a_subject(world: World) -> None:
    subject_id = screened(world)
    with pytest.raises(NotFoundError, match=f"unknown subject '{subject_id}'"):
        safety.record_adverse_event(
            world.sessions,
            actor=world.actors["coordinator_b"],
            subject_id=subject_id,
            term="Fatigue",
            onset_date=dt.date(2026, 3, 8),
            grading_scale="ctcae_v5",
            reported_grade=1,
        )


def test_sponsor_wide_monitor_sees_every_site_but_cannot_record_an_ae(world: World) -> None:
    subject_id = screened(world)
    with pytest.raises(PermissionDenied, match=r"role monitor may not ae\.record"):
        safety.record_adverse_event(
            world.sessions,
            actor=world.actors["monitor"],
            subject_id=subject_id,
            term="Fatigue",
            onset_date=dt.date(2026, 3, 8),
            grading_scale="ctcae_v5",
            reported_grade=1,
        )


# The role x action matrix, written out (a change to PERMISSIONS must change this table).
MATRIX = {
    "subject.screen": {"investigator", "coordinator"},
    "eligibility.sign": {"investigator"},
    "subject.enrol": {"investigator", "coordinator"},
    "treatment.record": {"investigator", "coordinator"},
    "ae.record": {"investigator", "coordinator"},
    "dlt.adjudicate": {"investigator", "safety_committee"},
    "escalation.decide": {"safety_committee"},
    "query.open": {"monitor", "data_manager"},
    "query.close": {"monitor", "data_manager"},
    "data.lock": {"data_manager"},
    "user.manage": {"admin"},
    "audit.read": {"admin", "data_manager", "monitor"},
    "data.export": {"investigator", "data_manager", "statistician"},
    "report.produce": {"data_manager", "statistician"},
}


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_action_matrix(role: str, action: str) -> None:
    actor = Actor(user_id="u", username="u", role=role)
    if role in MATRIX[action]:
        authorize(actor, action)
    else:
        with pytest.raises(PermissionDenied):
            authorize(actor, action)
    assert set(PERMISSIONS[action]) == MATRIX[action]


def test_passwords_are_stored_as_argon2id_hashes() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def _login(sessions: Sessions, password: str) -> None:
    with transaction(sessions, Actor(None, "login", None)) as session:
        try:
            verify_login(session, username="coord_a", password=password)
        except AuthenticationError as exc:
            session.info["error"] = exc
    # the failure count and its audit entry are committed before the error is shown


def test_account_locks_after_five_failed_logins_and_refuses_the_right_password(
    world: World,
) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        _login(world.sessions, "wrong password!")
    with world.sessions() as s:
        user = s.scalars(select(User).where(User.username == "coord_a")).one()
        assert (user.failed_logins, user.locked_at is not None) == (5, True)
        failed = s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()
        assert len(failed) == MAX_FAILED_LOGINS
    with (
        world.sessions() as s,
        s.begin(),
        pytest.raises(AuthenticationError, match="too many failed attempts"),
    ):
        verify_login(s, username="coord_a", password=PASSWORD)


def test_signature_needs_the_password_re_entered(world: World) -> None:
    subject_id = screened(world)
    with pytest.raises(AuthenticationError, match="signature refused"):
        screening.sign_eligibility(
            world.sessions,
            actor=world.actors["investigator"],
            subject_id=subject_id,
            password="not my password",
        )


def test_signature_shows_printed_name_utc_time_and_meaning_and_is_invalidated_by_a_change(
    world: World,
) -> None:
    subject_id = screened(world)
    screening.sign_eligibility(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
    )
    with world.sessions() as s:
        signature = s.scalars(select(Signature)).one()
        status = signature_status(s, signature)
        assert status.is_valid and status.reason == "valid"
        assert status.manifest.startswith("Ada Investigator (investigator), ")
        assert status.manifest.endswith(" UTC: I confirm this subject's eligibility")
    with world.sessions() as s, s.begin():
        s.info.update(actor=world.actors["data_manager"], reason="wrong wording")
        s.scalars(select(EligibilityDecision)).one().reason = "changed"
    with world.sessions() as s:
        status = signature_status(s, s.scalars(select(Signature)).one())
    assert (status.is_valid, status.reason) == (
        False,
        "invalidated: the record changed after signing (signed version 1, now 2)",
    )


def test_coordinator_cannot_sign_eligibility(world: World) -> None:
    subject_id = screened(world)
    with pytest.raises(PermissionDenied, match=r"role coordinator may not eligibility\.sign"):
        screening.sign_eligibility(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            password=PASSWORD,
        )
