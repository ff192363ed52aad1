"""Stored lesions carry the kind and irradiation that decide measurability (revision 0010).

RECIST 1.1 (Eisenhauer et al. 2009) section 3.1.2: a pleural effusion is non-measurable
whatever its size, so it may be followed as a non-target but never selected as a target.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from cartrial.errors import InputError
from cartrial.services import tumour
from cartrial.services.context import Sessions
from cartrial.store.models import LesionMeasurement
from tests.store.trial import build_world, enrolled


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
