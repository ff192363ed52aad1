"""The safety engine on stored records: CTCAE lab grades, DLT adjudication, signatures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from cartrial import __version__
from cartrial.services import adjudication, followup, safety, treatment
from cartrial.services.context import Sessions
from cartrial.store.models import Signature
from cartrial.store.signatures import signature_status
from tests.store.trial import (
    INFUSION_AT,
    PASSWORD,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    with_lot,
)


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _infused(world: World) -> str:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
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
    return subject_id


def test_lab_value_is_graded_by_ctcae_v5_with_reason_and_engine_version(world: World) -> None:
    subject_id = enrolled(world)
    lab = followup.record_lab(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        collected_at=INFUSION_AT,
        test="platelets",
        value=Decimal(20),
        unit="x10^9/L",
        ctcae_term="Platelet count decreased",
        lln=Decimal(150),
    )
    assert lab.derived_grade == 4
    assert lab.derivation_reason == (
        "Platelet count decreased grade 4: 20 x10^9/L < 25 x10^9/L (CTCAE v5.0: <25.0 x 10e9 /L)"
    )
    assert (lab.engine_version or "").startswith("cartrial.safety ")


def test_grade_3_related_pneumonitis_in_the_window_is_a_dlt_by_rule_d5(world: World) -> None:
    subject_id = _infused(world)
    ae = safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Pneumonitis",
        onset_date=dt.date(2026, 3, 12),
        grading_scale="ctcae_v5",
        reported_grade=3,
        relatedness="probable",
    )
    result = adjudication.adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=INFUSION_AT + dt.timedelta(days=29),
    )
    assert (result.is_dlt, result.outcome, result.rule_id, result.adverse_event_id) == (
        True,
        "yes",
        "D5",
        ae.id,
    )
    with world.sessions() as s:
        sig = s.scalars(select(Signature).where(Signature.record_id == result.id)).one()
        assert (sig.printed_name, sig.statement) == ("Ada Investigator", "I adjudicate this DLT")
        assert signature_status(s, sig).is_valid


def test_dlt_window_still_open_without_events_is_pending(world: World) -> None:
    subject_id = _infused(world)
    result = adjudication.adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=INFUSION_AT + dt.timedelta(days=10),
    )
    assert (result.is_dlt, result.outcome, result.adverse_event_id) == (False, "pending", None)


def test_not_infused_subject_is_not_dlt_evaluable(world: World) -> None:
    subject_id = enrolled(world)
    result = adjudication.adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
    )
    assert (result.outcome, result.reason) == ("not_evaluable", "not DLT-evaluable: not infused")


def test_crs_series_is_regraded_by_astct_2019_at_each_observation(world: World) -> None:
    from cartrial.services.syndromes import record_syndrome_observation

    subject_id = _infused(world)
    ae = safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    coord = world.actors["coordinator"]
    fever = {"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "39.2"}
    after_fever = record_syndrome_observation(
        world.sessions, actor=coord, ae_id=ae.id, payload=fever
    )
    assert after_fever.derived_grade == 1
    pressor = {
        "kind": "blood_pressure",
        "time": "2026-03-07T14:00",
        "hypotension": True,
        "systolic_mmhg": 78,
        "vasopressors": [{"agent": "norepinephrine"}],
    }
    after_pressor = record_syndrome_observation(
        world.sessions, actor=coord, ae_id=ae.id, payload=pressor
    )
    assert after_pressor.derived_grade == 3
    assert (after_pressor.engine_version or "").endswith("ASTCT 2019")
    assert after_pressor.derivation_reason == (
        "CRS grade 3: hypotension needing one vasopressor (norepinephrine) on day 1"
    )


def test_observation_the_engine_cannot_read_is_refused_naming_the_field(world: World) -> None:
    from cartrial.errors import InputError
    from cartrial.services.syndromes import record_syndrome_observation

    subject_id = enrolled(world)
    ae = safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    with pytest.raises(InputError, match="celsius"):
        record_syndrome_observation(
            world.sessions,
            actor=world.actors["coordinator"],
            ae_id=ae.id,
            payload={"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "55"},
        )


def test_recist_time_point_responses_are_derived_from_stored_lesions(world: World) -> None:
    from cartrial.services import tumour

    coord = world.actors["coordinator"]
    subject_id = enrolled(world)
    tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=dt.date(2026, 2, 20),
        method="CT",
        lesions=[
            tumour.LesionInput("T1", "target", "pleura", Decimal("40.0")),
            tumour.LesionInput("T2", "target", "liver", Decimal("20.0")),
            tumour.LesionInput("N1", "non_target", "peritoneum", status="present"),
        ],
    )
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    treatment.record_infusion(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    week8 = tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=dt.date(2026, 5, 1),
        method="CT",
        lesions=[
            tumour.LesionInput("T1", "target", "pleura", Decimal("26.0")),
            tumour.LesionInput("T2", "target", "liver", Decimal("12.0")),
            tumour.LesionInput("N1", "non_target", "peritoneum", status="present"),
        ],
    )
    assert (week8.derived_response, week8.engine_version) == (
        "PR",
        f"cartrial.response {__version__} RECIST 1.1",
    )
    week16 = tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=dt.date(2026, 6, 26),
        method="CT",
        lesions=[
            tumour.LesionInput("T1", "target", "pleura", Decimal("26.0")),
            tumour.LesionInput("T2", "target", "liver", Decimal("12.0")),
            tumour.LesionInput("N1", "non_target", "peritoneum", status="present"),
            tumour.LesionInput("NEW1", "new", "bone"),
        ],
    )
    assert week16.derived_response == "PD"
    assert "new" in (week16.derivation_reason or "").lower()


def test_a_grade_3_crs_improving_within_72_hours_is_not_a_dlt_whatever_the_ae_end_date(
    world: World,
) -> None:
    """D2 (CLINICAL_RULES section 2): grade >= 3 CRS not improving to <= grade 2 within
    72 h. The course comes from the stored observations graded by ASTCT 2019: grade 3 from
    day 1 14:00 (one vasopressor), grade 2 from day 2 20:00 (30 h later: hypotension off
    vasopressors, low-flow oxygen). The AE itself ends a week later, which must not be read
    as seven days at grade 3."""
    from cartrial.services.adjudication import adjudicate_dlt
    from cartrial.services.syndromes import record_syndrome_observation

    subject_id = _infused(world)
    coord = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=3,
        relatedness="probable",
    )
    series = [
        {"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "39.4"},
        {
            "kind": "blood_pressure",
            "time": "2026-03-07T14:00",
            "hypotension": True,
            "systolic_mmhg": 78,
            "vasopressors": [{"agent": "norepinephrine"}],
        },
        {"kind": "temperature", "time": "2026-03-08T20:00", "celsius": "38.6"},
        {"kind": "blood_pressure", "time": "2026-03-08T20:00", "hypotension": True},
        {"kind": "temperature", "time": "2026-03-10T08:00", "celsius": "36.8"},
        {"kind": "blood_pressure", "time": "2026-03-10T08:00", "hypotension": False},
    ]
    for payload in series:
        event = record_syndrome_observation(
            world.sessions, actor=coord, ae_id=ae.id, payload=payload
        )
    assert event.derived_grade == 3
    safety.update_adverse_event(
        world.sessions,
        actor=world.actors["investigator"],
        ae_id=ae.id,
        expected_version=event.version,
        changes={"end_date": dt.date(2026, 3, 14)},
        reason="resolved",
    )
    verdict = adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=INFUSION_AT + dt.timedelta(days=29),
    )
    assert (verdict.outcome, verdict.is_dlt) == ("no", False), verdict.reason


def test_a_grade_4_crs_dated_the_day_of_the_infusion_is_a_dlt(world: World) -> None:
    """D2: any grade 4 CRS. The AE is dated (no time) on the day of the infusion; as a
    date-only onset on the first dose date it is treatment-emergent (CDISC ADaM), not before
    the cells because midnight precedes the 10:00 infusion."""
    from cartrial.services.adjudication import adjudicate_dlt

    subject_id = _infused(world)
    safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=INFUSION_AT.date(),
        grading_scale="astct_2019",
        reported_grade=4,
        relatedness="definite",
    )
    verdict = adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=INFUSION_AT + dt.timedelta(days=29),
    )
    assert (verdict.outcome, verdict.rule_id) == ("yes", "D2"), verdict.reason
