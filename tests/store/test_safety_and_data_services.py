"""Enrolment blocks, AEs without lost updates, DLT and escalation signatures, queries, locks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from cartrial.errors import ConflictError, DataLocked, EnrolmentBlocked
from cartrial.services import data, enrolment, safety, screening
from cartrial.services.context import Sessions
from cartrial.store.models import AuditEntry, Signature, Subject
from tests.store.trial import PASSWORD, World, build_world, enrolled, screened


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _enrol(world: World, subject_id: str) -> None:
    enrolment.enrol(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        weight_kg=Decimal(70),
    )


def _last_entry(world: World) -> AuditEntry:
    with world.sessions() as s:
        return s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()


def test_enrolment_refused_without_signed_eligibility_and_the_refusal_is_audited(
    world: World,
) -> None:
    subject_id = screened(world)
    with pytest.raises(EnrolmentBlocked) as err:
        _enrol(world, subject_id)
    assert str(err.value) == "enrolment blocked: eligibility is not signed by an investigator"
    entry = _last_entry(world)
    assert (entry.action, entry.record_id, entry.new_value) == (
        "refuse",
        subject_id,
        "eligibility is not signed by an investigator",
    )


def _decide(world: World, action: str, next_level: int | None) -> None:
    outcome = safety.EscalationOutcome(
        current_level=1,
        action=action,
        next_level=next_level,
        reason="1 DLT in 3 evaluable; 1 DLT window pending",
        engine_version="test-engine 1",
    )
    safety.record_escalation_decision(
        world.sessions,
        actor=world.actors["safety_committee"],
        protocol_id="store-test",
        outcome=outcome,
        password=PASSWORD,
    )


def test_recorded_wait_decision_blocks_enrolment_when_enrolment_uses_decisions(
    world: World,
) -> None:
    _decide(world, "wait", None)
    subject_id = screened(world)
    screening.sign_eligibility(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
    )
    with pytest.raises(EnrolmentBlocked) as blocked:
        enrolment.enrol(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            weight_kg=Decimal(70),
            assign_dose=enrolment.assign_dose_from_decisions,
        )
    assert blocked.value.reason == (
        "the escalation engine says wait: escalation decision: "
        "1 DLT in 3 evaluable; 1 DLT window pending"
    )


def test_stop_decision_places_a_hold_that_blocks_enrolment(world: World) -> None:
    _decide(world, "stop", None)
    subject_id = screened(world)
    screening.sign_eligibility(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
    )
    with pytest.raises(EnrolmentBlocked) as err:
        _enrol(world, subject_id)
    assert str(err.value) == (
        "enrolment blocked: enrolment is on hold for store-test: "
        "stop: 1 DLT in 3 evaluable; 1 DLT window pending"
    )


def test_recorded_escalate_decision_assigns_its_level_when_enrolment_uses_decisions(
    world: World,
) -> None:
    _decide(world, "escalate", 2)
    subject_id = screened(world)
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    enrolment.enrol(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        weight_kg=Decimal(70),
        assign_dose=enrolment.assign_dose_from_decisions,
    )
    with world.sessions() as s:
        assert s.get(Subject, subject_id).dose_level == 2  # type: ignore[union-attr]
        sig = s.scalars(select(Signature).where(Signature.meaning == "escalation")).one()
        assert sig.statement == "I approve this escalation decision"


def _ae(world: World, subject_id: str) -> safety.AdverseEvent:
    return safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=2,
        derivation=safety.Derivation(
            2, "fever with hypotension not needing vasopressors", "test-engine 1"
        ),
    )


def test_second_editor_of_an_ae_gets_a_conflict_with_both_values(world: World) -> None:
    subject_id = enrolled(world)
    ae = _ae(world, subject_id)
    read_version = ae.version
    safety.update_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        ae_id=ae.id,
        expected_version=read_version,
        changes={"reported_grade": 3},
        reason="vasopressor started",
    )
    with pytest.raises(ConflictError) as err:
        safety.update_adverse_event(
            world.sessions,
            actor=world.actors["investigator"],
            ae_id=ae.id,
            expected_version=read_version,
            changes={"reported_grade": 1},
            reason="typo",
        )
    assert (err.value.yours, err.value.theirs, err.value.version) == ("1", "3", 2)
    with world.sessions() as s:
        assert s.get(safety.AdverseEvent, ae.id).reported_grade == 3  # type: ignore[union-attr]


def test_query_goes_open_answered_closed(world: World) -> None:
    subject_id = enrolled(world)
    ae = _ae(world, subject_id)
    query = data.open_query(
        world.sessions,
        actor=world.actors["monitor"],
        subject_id=subject_id,
        table_name="adverse_event",
        record_id=ae.id,
        field="onset_date",
        text="Onset precedes infusion?",
    )
    data.answer_query(
        world.sessions,
        actor=world.actors["coordinator"],
        query_id=query.id,
        answer="Confirmed against the source note",
    )
    closed = data.close_query(
        world.sessions, actor=world.actors["monitor"], query_id=query.id, note="resolved"
    )
    assert (closed.status, closed.answer) == ("closed", "Confirmed against the source note")


def test_locked_subject_refuses_new_data_until_unlocked(world: World) -> None:
    subject_id = enrolled(world)
    lock = data.lock_subject(
        world.sessions,
        actor=world.actors["data_manager"],
        subject_id=subject_id,
        reason="interim analysis",
        password=PASSWORD,
    )
    with pytest.raises(DataLocked, match="subject S-001: data are locked"):
        _ae(world, subject_id)
    data.unlock_subject(
        world.sessions,
        actor=world.actors["data_manager"],
        lock_id=lock.id,
        reason="interim analysis done",
    )
    assert _ae(world, subject_id).reported_grade == 2


def test_an_unknown_causality_word_is_refused_at_entry(sessions: Sessions) -> None:
    """'related' is not on the engine's five-point scale: refused when entered, not later
    when the DLT adjudication reads it (ICH E2A causality; cartrial.safety.events)."""
    from cartrial.errors import InputError
    from cartrial.services import safety
    from tests.store.trial import build_world, infused

    world = build_world(sessions)
    subject_id = infused(world)
    with pytest.raises(InputError, match=r"relatedness.*'related'.*unrelated, unlikely, possible"):
        safety.record_adverse_event(
            sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            term="Nausea",
            onset_date=dt.date(2026, 3, 8),
            grading_scale="ctcae_v5",
            reported_grade=1,
            relatedness="related",
        )


def test_a_grade_the_ctcae_term_does_not_define_is_refused_on_entry_and_on_edit(
    world: World,
) -> None:
    """CTCAE v5.0 (NCI 2017): Acute kidney injury defines grades 3, 4 and 5 only; Fatigue 1-3."""
    from cartrial.errors import InputError

    subject_id = enrolled(world)

    def record(term: str, grade: int) -> safety.AdverseEvent:
        return safety.record_adverse_event(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            term=term,
            onset_date=dt.date(2026, 3, 7),
            grading_scale="ctcae_v5",
            reported_grade=grade,
        )

    with pytest.raises(InputError) as err:
        record("Acute kidney injury", 2)
    assert (err.value.field, err.value.value) == ("reported_grade", 2)
    assert "'Acute kidney injury': 3, 4, 5" in str(err.value)
    with pytest.raises(InputError, match="'Fatigue': 1, 2, 3"):
        record("Fatigue", 4)
    accepted = record("Acute kidney injury", 3)
    with pytest.raises(InputError, match="'Acute kidney injury': 3, 4, 5"):
        safety.update_adverse_event(
            world.sessions,
            actor=world.actors["coordinator"],
            ae_id=accepted.id,
            expected_version=accepted.version,
            changes={"reported_grade": 1},
            reason="regraded",
        )
    with world.sessions() as s:
        stored = s.get(safety.AdverseEvent, accepted.id)
        assert stored is not None and stored.reported_grade == 3
    # A verbatim term not in CTCAE keeps the investigator's grade 1-5.
    assert record("Injection site itch, verbatim", 2).reported_grade == 2
