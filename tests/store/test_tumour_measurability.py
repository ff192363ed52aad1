"""Stored lesions carry their kind, irradiation and scan date (revision 0010).

RECIST 1.1 (Eisenhauer et al. 2009) section 3.1.2: a pleural effusion is non-measurable
whatever its size, so it may be followed as a non-target but never selected as a target.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from cartrial.errors import InputError
from cartrial.response.summary import summarise_study
from cartrial.services import treatment, tumour
from cartrial.services.context import Sessions
from cartrial.store.models import LesionMeasurement, Subject
from tests.store.trial import (
    INFUSION_AT,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    with_lot,
)


def test_service_refuses_an_effusion_recorded_as_a_target(sessions: Sessions) -> None:
    """Through the store: the site gets the rule and the lesion when it records the target."""
    world = build_world(sessions)
    subject_id = enrolled(world)
    lesions = [
        tumour.LesionInput("T1", "target", "liver", Decimal(25)),
        tumour.LesionInput("T2", "target", "pleura", Decimal(40), lesion_type="pleural_effusion"),
    ]
    with pytest.raises(InputError, match=r"lesions\[1\]\.lesion_type.*pleural effusion"):
        tumour.record_tumour_assessment(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            assessed_on=dt.date(2026, 3, 1),
            method="CT",
            lesions=lesions,
        )
    lesions[1] = tumour.LesionInput("NT1", "non_target", "pleura", lesion_type="pleural_effusion")
    tumour.record_tumour_assessment(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        assessed_on=dt.date(2026, 3, 1),
        method="CT",
        lesions=lesions,
    )
    with world.sessions() as s:
        stored = s.scalars(select(LesionMeasurement).where(LesionMeasurement.lesion_code == "NT1"))
        assert stored.one().lesion_type == "pleural_effusion"


def test_progression_is_dated_by_the_stored_scan_of_the_new_lesion(sessions: Sessions) -> None:
    """FDA 2018 PFS table: progression between scheduled visits is dated by the earliest
    scan that shows it; the scan date travels from the store to the PFS derivation."""
    world = build_world(sessions)
    coord = world.actors["coordinator"]
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=dt.date(2026, 3, 1),
        method="CT",
        lesions=[tumour.LesionInput("T1", "target", "liver", Decimal(30))],
    )
    treatment.record_infusion(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    day0 = dt.date(2026, 3, 6)
    follow_up = tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=day0 + dt.timedelta(days=56),
        method="CT",
        lesions=[
            tumour.LesionInput("T1", "target", "liver", Decimal(28)),
            tumour.LesionInput("NEW1", "new", "bone", scanned_on=day0 + dt.timedelta(days=50)),
        ],
    )
    assert follow_up.derived_response == "PD"
    with world.sessions() as s:
        subject = s.get(Subject, subject_id)
        assert subject is not None
        found = tumour.subject_assessments(s, subject)
    assert found is not None
    row = summarise_study([found]).subjects[0]
    assert (row.pfs.days, row.pfs.event, row.pfs.rule) == (50, True, "progression")


def test_a_scan_after_its_assessment_is_refused(sessions: Sessions) -> None:
    world = build_world(sessions)
    with pytest.raises(InputError, match=r"lesions\[0\]\.scanned_on"):
        tumour.record_tumour_assessment(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=enrolled(world),
            assessed_on=dt.date(2026, 3, 1),
            method="CT",
            lesions=[
                tumour.LesionInput(
                    "T1", "target", "liver", Decimal(25), scanned_on=dt.date(2026, 3, 2)
                )
            ],
        )
