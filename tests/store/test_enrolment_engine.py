"""Enrolment's dose level from the live escalation engine (3+3 of the test protocol),
DLT windows adjudicated from stored data at the time of asking."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

import pytest
from sqlalchemy import select

from cartrial.errors import EnrolmentBlocked
from cartrial.services import enrolment, screening, treatment
from cartrial.services.context import Sessions
from cartrial.store.models import AuditEntry, Subject
from tests.store.trial import (
    INFUSION_AT,
    PASSWORD,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    screened,
    with_lot,
)


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _treat_three(world: World) -> None:
    for n in (1, 2, 3):
        subject_id = enrolled(world, f"S-00{n}")
        lot_id = with_lot(world, subject_id, lot_number=f"L-00{n}")
        lymphodepleted(world, subject_id)
        treatment.record_infusion(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            lot_id=lot_id,
            scanned_chain_of_identity_id=coi_of(world, subject_id),
            cells_infused=7_000_000,
            started_at=INFUSION_AT,
        )


def _enrol_fourth(world: World, as_of: dt.datetime) -> Subject:
    subject_id = screened(world, "S-004")
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    assign = functools.partial(enrolment.assign_dose_from_engine, as_of=as_of)
    return enrolment.enrol(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        weight_kg=Decimal(70),
        assign_dose=assign,
    )


def test_first_subject_starts_at_the_protocols_start_level(world: World) -> None:
    subject_id = enrolled(world)
    with world.sessions() as s:
        assert s.get(Subject, subject_id).dose_level == 1  # type: ignore[union-attr]
        reason = s.scalars(select(AuditEntry.reason).where(AuditEntry.field == "dose_level")).one()
    assert reason == (
        "enrolment: dose level 1 (no patient treated yet: start at level 1 with 3 patient(s), "
        "per 3+3)"
    )


def test_three_without_dlt_after_the_28_day_window_escalate_to_level_2(world: World) -> None:
    _treat_three(world)
    subject = _enrol_fourth(world, INFUSION_AT + dt.timedelta(days=29))
    assert subject.dose_level == 2


def test_three_inside_their_dlt_window_make_enrolment_wait(world: World) -> None:
    _treat_three(world)
    with pytest.raises(EnrolmentBlocked) as err:
        _enrol_fourth(world, INFUSION_AT + dt.timedelta(days=10))
    said_once = (
        "the escalation engine says wait: 3 patient(s) inside the "
        "28-day DLT window (3 at level 1) and the decision depends on them; "
    )
    assert str(err.value).startswith("enrolment blocked: " + said_once)
    with world.sessions() as s:
        refused = s.scalars(select(AuditEntry.new_value).where(AuditEntry.action == "refuse")).one()
    assert (refused or "").startswith(said_once)


def test_an_engine_that_says_stop_is_quoted_once_as_stop_in_the_refusal_and_the_trail(
    world: World,
) -> None:
    subject_id = screened(world)
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    why = "2 DLTs in 3 at level 1, the lowest level: stop, no MTD, per 3+3"

    def stopped(_session: object, _protocol: object) -> enrolment.DoseAssignment:
        return enrolment.DoseAssignment(None, why, "test-engine 1", "stop")

    with pytest.raises(EnrolmentBlocked) as err:
        enrolment.enrol(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            weight_kg=Decimal(70),
            assign_dose=stopped,
        )
    expected = (
        "the escalation engine says stop: 2 DLTs in 3 at level 1, the lowest level: stop, "
        "no MTD, per 3+3"
    )
    assert err.value.reason == expected
    with world.sessions() as s:
        refused = s.scalars(select(AuditEntry.new_value).where(AuditEntry.action == "refuse")).one()
    assert refused == expected


def test_subjects_enrolled_and_awaiting_infusion_hold_their_places(world: World) -> None:
    """Three subjects enrolled at level 1 and still awaiting their product fill the 3+3
    cohort (Storer 1989: three treated, then the rule); a fourth waits for their DLT windows
    instead of being given a place at level 1 as if no one were treated."""
    for n in (1, 2, 3):
        enrolled(world, f"S-00{n}")
    with pytest.raises(EnrolmentBlocked, match=r"wait: 3 patient\(s\) inside the 28-day"):
        _enrol_fourth(world, INFUSION_AT)


def test_a_withdrawn_subject_frees_its_place_in_the_cohort(world: World) -> None:
    from cartrial.services import followup

    ids = [enrolled(world, f"S-00{n}") for n in (1, 2, 3)]
    followup.withdraw(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=ids[0],
        withdrawn_on=dt.date(2026, 2, 1),
        initiated_by="subject",
        reason="consent withdrawn before apheresis",
    )
    subject = _enrol_fourth(world, INFUSION_AT)
    assert subject.dose_level == 1


def test_after_the_committee_opens_the_expansion_patients_are_enrolled_in_parallel(
    world: World,
) -> None:
    """Seed 001: "dose escalation phase followed by dose expansion phase". Once the safety
    committee has signed the decision that ends escalation at the RP2D, a third subject is
    enrolled at that level while two are still awaiting their product, where the 3+3
    engine alone would make it wait (test_subjects_enrolled_and_awaiting_infusion_...)."""
    from cartrial.services import safety

    safety.record_escalation_decision(
        world.sessions,
        actor=world.actors["safety_committee"],
        protocol_id="store-test",
        outcome=safety.EscalationOutcome(
            current_level=1,
            action="stay",
            next_level=1,
            reason=f"{safety.EXPANSION}, level 1: MTD level 1 declared (0 DLTs in 6 at level 1)",
            engine_version="test",
        ),
        password=PASSWORD,
    )
    for n in (1, 2):
        enrolled(world, f"S-00{n}")
    third = enrolled(world, "S-003")  # the protocol's own assignment (assign_dose_for_protocol)
    with world.sessions() as s:
        subject = s.get(Subject, third)
        assert subject is not None and subject.dose_level == 1
        reason = s.scalars(
            select(AuditEntry.reason).where(
                AuditEntry.field == "dose_level", AuditEntry.record_id == subject.id
            )
        ).one()
    assert reason is not None and "expansion at the RP2D, level 1" in reason


def test_when_escalation_declares_the_mtd_enrolment_waits_for_the_committee(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expansion at the RP2D opens with the safety committee's signed decision, not with
    the engine's MTD alone (seed 001: escalation, then expansion; the committee declares the
    RP2D). Until then an eligible subject waits, and the message says for whom."""
    from cartrial.escalation.engine import NextDecision

    declared = NextDecision(
        design="3+3",
        action="stop",
        current_level=2,
        next_level=None,
        cohort_size=None,
        mtd_declared=True,
        mtd_level=2,
        reason="1 DLT in 6 at level 2 (level 3 exceeded the MTD): level 2 is the MTD, per 3+3",
        treated=[3, 6, 3],
        dlts=[0, 1, 2],
        pending=[0, 0, 0],
    )
    monkeypatch.setattr(enrolment, "engine_decision", lambda *a, **k: declared)
    subject_id = screened(world, "S-009")
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    with pytest.raises(EnrolmentBlocked, match="opens when the safety committee records"):
        enrolment.enrol(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            weight_kg=Decimal(70),
        )


def test_the_investigators_signed_adjudication_is_what_the_engine_counts(world: World) -> None:
    """The engine's verdict for S-001 is "no DLT", but the investigator adjudicates and signs
    a DLT (the decision of record, 21 CFR 11.50): 1 DLT in 3 at level 1 makes 3+3 expand
    level 1 to six (Storer 1989), not escalate as three DLT-free patients would."""
    from cartrial.services.adjudication import adjudicate_dlt
    from cartrial.services.safety import DltVerdict

    _treat_three(world)
    with world.sessions() as s:
        first = s.scalars(select(Subject).where(Subject.code == "S-001")).one()
    adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=first.id,
        password=PASSWORD,
        verdict=DltVerdict(
            is_dlt=True,
            rule_id="investigator",
            reason="grade 3 hepatotoxicity judged dose-limiting by the investigator",
            engine_version="investigator",
            outcome="yes",
        ),
    )
    subject = _enrol_fourth(world, INFUSION_AT + dt.timedelta(days=29))
    assert subject.dose_level == 1
