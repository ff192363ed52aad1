"""Safety fidelity on stored data: ICANS tool by age; CRS daily-worst entries.

ICANS entry checks the tool against the subject's age from the screening record.

Lee DW et al. 2019 (Biol Blood Marrow Transplant 25:625-638): ICE for patients >= 12
years, CAPD for children < 12. The store's test subject was born 1970-05-01, so on
2026-03-07 they are 55 years old (2026 - 1970 - 1, the birthday not yet reached).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cartrial.errors import InputError
from cartrial.services import safety
from cartrial.services.context import Sessions
from cartrial.services.syndromes import grade_series, record_syndrome_observation
from cartrial.store.models import AdverseEvent, Subject
from tests.store.trial import World, build_world, enrolled


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def test_capd_for_an_adult_is_refused_and_ice_is_reported(world: World) -> None:
    subject_id = enrolled(world)
    coord = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Immune effector cell-associated neurotoxicity syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    with pytest.raises(InputError) as err:
        record_syndrome_observation(
            world.sessions,
            actor=coord,
            ae_id=ae.id,
            payload={"time": "2026-03-07T08:00", "capd": 5},
        )
    assert err.value.field == "assessments[0].capd"
    assert "55 years" in err.value.expected
    ice = {"orientation": 3, "naming": 3, "commands": 1, "writing": 1, "attention": 0}
    stored = record_syndrome_observation(
        world.sessions, actor=coord, ae_id=ae.id, payload={"time": "2026-03-07T08:00", "ice": ice}
    )
    assert stored.derived_grade == 1  # ICE 8/10 is grade 1
    with world.sessions() as s:
        event = s.get(AdverseEvent, ae.id)
        assert event is not None
        subject = s.get(Subject, event.subject_id)
        assert subject is not None
        (score,) = grade_series(s, event, subject).assessments
    assert (score.tool, score.ice_score, score.age_years) == ("ICE", 8, 55)


def test_crs_daily_worst_entries_are_graded_by_their_own_day(world: World) -> None:
    """A day's worst entry (a vasopressor, grade 3) is not carried into the next day (grade 2).

    Each daily-worst entry stands for its calendar day (docs/safety.md, CRS day
    boundaries); the AE's grade is its worst day (Lee 2019, Table 3).
    """
    subject_id = enrolled(world)
    coord = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 4),
        grading_scale="astct_2019",
        reported_grade=3,
    )
    for day, pressors in (("04", [{"agent": "norepinephrine"}]), ("05", [])):
        for payload in (
            {"kind": "temperature", "time": f"2026-03-{day}T08:00", "celsius": "39.1"},
            {"kind": "blood_pressure", "hypotension": True, "vasopressors": pressors},
        ):
            payload = {"time": f"2026-03-{day}T08:00", **payload, "daily_worst": True}
            stored = record_syndrome_observation(
                world.sessions, actor=coord, ae_id=ae.id, payload=payload
            )
    assert stored.derived_grade == 3
    with world.sessions() as s:
        event = s.get(AdverseEvent, ae.id)
        assert event is not None
        subject = s.get(Subject, event.subject_id)
        assert subject is not None
        days = grade_series(s, event, subject).days
    assert [(d.date.day, d.grade) for d in days] == [(4, 3), (5, 2)]


def test_stored_infection_keeps_its_pathogen_for_the_aesi_rule(world: World) -> None:
    """uclm802's AESI "Serious or opportunistic infection" on stored AEs.

    A grade 2 non-serious E. coli urinary tract infection is not an AESI; a grade 2
    non-serious Pneumocystis lung infection is (opportunistic organism).
    """
    from cartrial.protocol.model import Window
    from cartrial.safety.events import classify_adverse_events
    from cartrial.services.adjudication import patient_safety

    subject_id = enrolled(world)
    coord = world.actors["coordinator"]
    for term, pathogen in (
        ("Urinary tract infection", "Escherichia coli"),
        ("Lung infection", "Pneumocystis jirovecii"),
    ):
        safety.record_adverse_event(
            world.sessions,
            actor=coord,
            subject_id=subject_id,
            term=term,
            onset_date=dt.date(2026, 3, 9),
            grading_scale="ctcae_v5",
            reported_grade=2,
            pathogen=pathogen,
        )
    with world.sessions() as s:
        subject = s.get(Subject, subject_id)
        assert subject is not None
        patient = patient_safety(s, subject)
    from cartrial.protocol.load import load_protocol

    patient = patient.model_copy(update={"infusion": dt.datetime(2026, 3, 1, 10)})
    flags = classify_adverse_events(
        patient=patient,
        window=Window(anchor="infusion", days_after_infusion=30),
        aesi=load_protocol("uclm802").protocol.aesi,
    )
    assert {f.term: f.aesi for f in flags} == {
        "Urinary tract infection": None,
        "Lung infection": "infection",
    }


def test_febrile_neutropenia_from_stored_temperatures_and_anc(world: World) -> None:
    """CTCAE v5.0: ANC < 1000/mm3 with a single temperature > 38.3 °C is grade 3.

    The site clock is UTC in this world, so the ANC collected 2026-03-07 09:00 UTC is
    09:00 on the site's clock, one hour after the 38.6 °C reading.
    """
    from decimal import Decimal

    from cartrial.services import followup
    from cartrial.services.syndromes import febrile_neutropenia

    subject_id = enrolled(world)
    coord = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    record_syndrome_observation(
        world.sessions,
        actor=coord,
        ae_id=ae.id,
        payload={"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "38.6"},
    )
    followup.record_lab(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        collected_at=dt.datetime(2026, 3, 7, 9, tzinfo=dt.UTC),
        test="anc",
        value=Decimal("0.4"),
        unit="x10^9/L",
    )
    with world.sessions() as s:
        event = s.get(AdverseEvent, ae.id)
        assert event is not None
        subject = s.get(Subject, event.subject_id)
        assert subject is not None
        fn = febrile_neutropenia(s, event, subject)
        fever = grade_series(s, event, subject).ctcae_fever
    assert fn.grade == 3
    assert "ANC 0.4 x10^9/L on 2026-03-07T09:00:00" in fn.reason
    assert fever is not None and fever.grade == 1  # 38.6 °C: 38.0 - 39.0
