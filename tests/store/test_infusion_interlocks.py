"""The infusion interlocks (issue 7; 21 CFR 11.10(f)), each refusal and the happy path."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from cartrial.errors import InfusionRefused
from cartrial.services import product, treatment
from cartrial.services.context import Sessions
from cartrial.store.audit import verify_chain
from cartrial.store.models import AuditEntry, EnrolmentHold, Subject
from tests.store.trial import (
    INFUSION_AT,
    ROOT,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    with_lot,
)

CELLS_OK = 7_000_000  # level 1: 1 x 10^5/kg x 70 kg; accepted 5.6-8.4 x 10^6 (+/-20 %)


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _ready(world: World) -> tuple[str, str]:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    return subject_id, lot_id


def _infuse(
    world: World,
    subject_id: str,
    lot_id: str,
    *,
    scanned: str | None = None,
    cells: int = CELLS_OK,
    at: dt.datetime = INFUSION_AT,
) -> None:
    treatment.record_infusion(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=scanned or coi_of(world, subject_id),
        cells_infused=cells,
        started_at=at,
    )


def _refusal(world: World, subject_id: str, lot_id: str, **kwargs: object) -> list[str]:
    with pytest.raises(InfusionRefused) as err:
        _infuse(world, subject_id, lot_id, **kwargs)  # type: ignore[arg-type]
    with world.sessions() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
        assert (last.action, last.table_name, last.record_id) == ("refuse", "infusion", subject_id)
        assert last.new_value == "; ".join(err.value.reasons)
        assert s.get(Subject, subject_id).status == "lymphodepleted"  # type: ignore[union-attr]
    return err.value.reasons


def test_happy_path_from_screening_to_infusion_with_intact_audit_chain(world: World) -> None:
    subject_id, lot_id = _ready(world)
    _infuse(world, subject_id, lot_id)
    with world.sessions() as s:
        subject = s.get(Subject, subject_id)
        assert subject is not None
        assert (subject.status, subject.dose_level, subject.chain_of_identity_id) == (
            "infused",
            1,
            "AXXXX26000001M",
        )
        assert verify_chain(s).is_intact


def test_infusion_refused_when_lymphodepletion_incomplete(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id, days=(-5, -4))
    last_dose = INFUSION_AT - dt.timedelta(days=1)
    assert _refusal(world, subject_id, lot_id, at=last_dose + dt.timedelta(hours=72)) == [
        "lymphodepletion is incomplete: no dose recorded for fludarabine day -3, "
        "cyclophosphamide day -3"
    ]


def test_infusion_refused_less_than_72_hours_after_last_lymphodepletion_dose(
    world: World,
) -> None:
    subject_id, lot_id = _ready(world)
    early = INFUSION_AT - dt.timedelta(hours=24)
    assert _refusal(world, subject_id, lot_id, at=early) == [
        "only 48.0 h since the last lymphodepletion dose (2026-03-03T10:00:00.000000Z); "
        "the protocol requires at least 72 h"
    ]


def test_infusion_refused_when_product_not_released(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id, release=False)
    lymphodepleted(world, subject_id)
    assert _refusal(world, subject_id, lot_id) == [
        "product lot L-001 is not released (status manufacturing)"
    ]


def test_infusion_refused_when_bedside_scan_does_not_match_chain_of_identity(
    world: World,
) -> None:
    subject_id, lot_id = _ready(world)
    assert _refusal(world, subject_id, lot_id, scanned="AXXXX26000002K") == [
        "chain of identity mismatch: subject S-001 has AXXXX26000001M, lot L-001 is "
        "labelled AXXXX26000001M, bedside scan read AXXXX26000002K"
    ]


def test_infusion_refused_with_another_subjects_lot(world: World) -> None:
    subject_id, _own_lot = _ready(world)
    other = enrolled(world, "S-002")
    other_lot = with_lot(world, other, lot_number="L-002")
    reasons = _refusal(world, subject_id, other_lot)
    assert reasons == [
        "chain of identity mismatch: subject S-001 has AXXXX26000001M, lot L-002 is "
        "labelled AXXXX26000002K, bedside scan read AXXXX26000001M"
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            5_599_999,
            "cell dose 5.599999 x 10^6 is outside dose level 1's accepted range "
            "5.6 x 10^6-8.4 x 10^6 cells",
        ),
        (
            8_400_001,
            "cell dose 8.400001 x 10^6 is outside dose level 1's accepted range "
            "5.6 x 10^6-8.4 x 10^6 cells",
        ),
    ],
)
def test_infusion_refused_when_cell_dose_outside_level_tolerance(
    world: World, cells: int, expected: str
) -> None:
    subject_id, lot_id = _ready(world)
    assert _refusal(world, subject_id, lot_id, cells=cells) == [expected]


def test_infusion_at_tolerance_edges_is_accepted(world: World) -> None:
    subject_id, lot_id = _ready(world)
    _infuse(world, subject_id, lot_id, cells=5_600_000)
    with world.sessions() as s:
        assert s.get(Subject, subject_id).status == "infused"  # type: ignore[union-attr]


def test_infusion_refused_while_enrolment_on_hold(world: World) -> None:
    subject_id, lot_id = _ready(world)
    with world.sessions() as s, s.begin():
        s.info["actor"] = ROOT
        s.add(EnrolmentHold(protocol_id="store-test", reason="SMC review of a grade 5 event"))
    assert _refusal(world, subject_id, lot_id) == [
        "enrolment is on hold for store-test: SMC review of a grade 5 event"
    ]


def test_infusion_refused_when_eligibility_signature_invalidated_by_a_change(
    world: World,
) -> None:
    subject_id, lot_id = _ready(world)
    from cartrial.store.models import EligibilityDecision

    with world.sessions() as s, s.begin():
        s.info.update(actor=ROOT, reason="correction of the reason text")
        decision = s.scalars(select(EligibilityDecision)).one()
        decision.reason = "all 2 criteria met (corrected)"
    assert _refusal(world, subject_id, lot_id) == [
        "eligibility signature invalidated: the record changed after signing "
        "(signed version 1, now 2)"
    ]


def test_lot_labelled_with_another_id_is_refused_at_apheresis(world: World) -> None:
    from cartrial.errors import InputError

    subject_id = enrolled(world)
    with pytest.raises(InputError, match="chain_of_identity_id"):
        product.record_apheresis(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            collection_id="APH-9",
            chain_of_identity_id="AXXXX26000009Z",
            collected_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        )


def test_refusal_lists_every_failed_check(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id, release=False)
    lymphodepleted(world, subject_id, days=(-5,))
    reasons = _refusal(world, subject_id, lot_id, cells=1, at=INFUSION_AT - dt.timedelta(days=3))
    assert [r.split(":")[0].split(" ")[0] for r in reasons] == [
        "lymphodepletion",
        "only",
        "product",
        "cell",
    ]
