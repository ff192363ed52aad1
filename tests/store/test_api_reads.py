"""A site reads back over HTTP what it can write (TRIAL_DATA.md 1.5 item 9): product,
treatment and oversight records. Expected values are written out from the fixture
trial (tests.store.trial): collection APH-L-001 on 2026-02-01 09:00 UTC, lot L-001
released with 5 x 10^7 cells, lymphodepletion on 1-3 March at 10:00 UTC, infusion on
2026-03-06 at 10:00 UTC of 7 x 10^6 cells at dose level 1.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from cartrial.services import product, treatment
from cartrial.services.context import Sessions
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
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

API = "/api/v1"


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _infused(world: World) -> tuple[str, str]:
    """(subject id, lot id) of S-001 infused, with one custody hand-off of its lot."""
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    product.record_custody(
        world.sessions,
        actor=world.actors["coordinator"],
        lot_id=lot_id,
        at=dt.datetime(2026, 2, 20, 8, 0, tzinfo=dt.UTC),
        from_party="manufacturing site",
        to_party="Site A cell therapy lab",
        location="Site A",
        condition="cryopreserved, LN2 vapour shipper",
    )
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
    return subject_id, lot_id


def test_site_reads_back_collection_lot_custody_lymphodepletion_and_infusion(
    client: TestClient, world: World
) -> None:
    subject_id, lot_id = _infused(world)
    coi = coi_of(world, subject_id)
    coord = token(client, "coord_a", "coordinator", "A")
    subject = f"{API}/subjects/{subject_id}"

    collections = ok(client.get(f"{subject}/apheresis", headers=coord))
    assert [
        (a["collection_id"], a["chain_of_identity_id"], a["collected_at"])
        for a in collections["items"]
    ] == [("APH-L-001", coi, "2026-02-01T09:00:00Z")]

    lots = ok(client.get(f"{subject}/lots", headers=coord))
    assert [
        (x["id"], x["lot_number"], x["status"], x["viable_car_cells"], x["chain_of_identity_id"])
        for x in lots["items"]
    ] == [(lot_id, "L-001", "released", 50_000_000, coi)]
    pending = ok(client.get(f"{subject}/lots", params={"status": "manufacturing"}, headers=coord))
    assert pending["total"] == 0

    custody = ok(client.get(f"{API}/lots/{lot_id}/custody", headers=coord))
    assert [
        (c["at"], c["from_party"], c["to_party"], c["condition"]) for c in custody["items"]
    ] == [
        (
            "2026-02-20T08:00:00Z",
            "manufacturing site",
            "Site A cell therapy lab",
            "cryopreserved, LN2 vapour shipper",
        )
    ]

    doses = ok(client.get(f"{subject}/lymphodepletion", params={"limit": 2}, headers=coord))
    assert doses["total"] == 6
    assert [
        (d["agent"], d["study_day"], Decimal(d["dose_mg"]), d["completed_at"])
        for d in doses["items"]
    ] == [
        ("cyclophosphamide", -5, Decimal(900), "2026-03-01T10:00:00Z"),
        ("fludarabine", -5, Decimal(54), "2026-03-01T10:00:00Z"),
    ]

    infusion = ok(client.get(f"{subject}/infusion", headers=coord))
    assert (
        infusion["lot_id"],
        infusion["scanned_chain_of_identity_id"],
        infusion["dose_level"],
        infusion["cells_infused"],
        infusion["started_at"],
    ) == (lot_id, coi, 1, 7_000_000, "2026-03-06T10:00:00Z")


def test_infusion_of_a_subject_not_yet_infused_is_not_found(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    coord = token(client, "coord_a", "coordinator", "A")
    reply = client.get(f"{API}/subjects/{subject_id}/infusion", headers=coord)
    assert error(reply) == (404, "not_found", None)
    assert reply.json()["message"] == "unknown infusion record of subject 'S-001'"


def test_oversight_records_are_read_back_by_site_and_sponsor_roles(
    client: TestClient, world: World
) -> None:
    subject_id, _lot = _infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    inv = token(client, "inv_a", "investigator", "A")
    smc = token(client, "smc", "safety_committee", None)
    subject = f"{API}/subjects/{subject_id}"

    # day 35 after the infusion, no adverse event: the 28-day window passed without a DLT
    dlt = {"password": PASSWORD, "as_of": "2026-04-10T10:00:00Z"}
    ok(client.post(f"{subject}/dlt-adjudications", json=dlt, headers=inv), 201)
    adjudications = ok(client.get(f"{subject}/dlt-adjudications", headers=coord))
    assert [(a["outcome"], a["is_dlt"], a["dose_level"]) for a in adjudications["items"]] == [
        ("no", False, 1)
    ]

    decision = {
        "protocol_id": "store-test",
        "current_level": 1,
        "action": "escalate",
        "next_level": 2,
        "reason": "0 DLT in 3 evaluable subjects at level 1",
        "engine_version": "test 1",
        "password": PASSWORD,
    }
    ok(client.post(f"{API}/escalation-decisions", json=decision, headers=smc), 201)
    decisions = ok(
        client.get(
            f"{API}/escalation-decisions", params={"protocol_id": "store-test"}, headers=coord
        )
    )
    assert [(d["action"], d["current_level"], d["next_level"]) for d in decisions["items"]] == [
        ("escalate", 1, 2)
    ]
    other = client.get(
        f"{API}/escalation-decisions", params={"protocol_id": "other"}, headers=coord
    )
    assert ok(other)["total"] == 0

    first = ok(
        client.post(
            f"{API}/holds", json={"protocol_id": "store-test", "reason": "SMC review"}, headers=smc
        ),
        201,
    )
    ok(client.post(f"{API}/holds/{first['id']}/lift", json={"reason": "reviewed"}, headers=smc))
    ok(
        client.post(
            f"{API}/holds",
            json={"protocol_id": "store-test", "reason": "grade 5 event under review"},
            headers=smc,
        ),
        201,
    )
    active = ok(client.get(f"{API}/holds", params={"active": "true"}, headers=coord))
    assert [h["reason"] for h in active["items"]] == ["grade 5 event under review"]
    lifted = ok(client.get(f"{API}/holds", params={"active": "false"}, headers=coord))
    assert [h["reason"] for h in lifted["items"]] == ["SMC review"]


def test_queries_are_a_worklist_per_site_and_per_subject(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    monitor = token(client, "mon", "monitor", None)
    coord = token(client, "coord_a", "coordinator", "A")
    coord_b = token(client, "coord_b", "coordinator", "B")
    body = {
        "table_name": "subject",
        "record_id": subject_id,
        "field": "weight_kg",
        "text": "weight differs from the source document",
    }
    opened = ok(
        client.post(f"{API}/subjects/{subject_id}/queries", json=body, headers=monitor), 201
    )
    worklist = ok(client.get(f"{API}/queries", params={"status": "open"}, headers=coord))
    assert [(q["id"], q["field"], q["status"], q["closed_at"]) for q in worklist["items"]] == [
        (opened["id"], "weight_kg", "open", None)
    ]
    assert ok(client.get(f"{API}/queries", headers=coord_b))["total"] == 0
    ok(
        client.post(
            f"{API}/queries/{opened['id']}/answer",
            json={"text": "source says 70 kg; entry is right"},
            headers=coord,
        )
    )
    per_subject = f"{API}/subjects/{subject_id}/queries"
    answered = ok(client.get(per_subject, params={"status": "answered"}, headers=monitor))
    assert [(q["status"], q["answer"]) for q in answered["items"]] == [
        ("answered", "source says 70 kg; entry is right")
    ]
    assert ok(client.get(per_subject, params={"status": "open"}, headers=monitor))["total"] == 0


def test_data_locks_and_syndrome_observations_are_read_back(
    client: TestClient, world: World
) -> None:
    subject_id, _lot = _infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    dm = token(client, "dm", "data_manager", None)
    crs = {
        "term": "Cytokine release syndrome",
        "onset_date": "2026-03-07",
        "grading_scale": "astct_2019",
        "reported_grade": 1,
    }
    ae = ok(
        client.post(f"{API}/subjects/{subject_id}/adverse-events", json=crs, headers=coord), 201
    )
    fever = {"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "38.5"}
    ok(
        client.post(
            f"{API}/adverse-events/{ae['id']}/observations",
            json={"observation": fever},
            headers=coord,
        )
    )
    observations = ok(client.get(f"{API}/adverse-events/{ae['id']}/observations", headers=coord))
    assert [(o["kind"], o["observed_at"], o["observation"]) for o in observations["items"]] == [
        (
            "temperature",
            "2026-03-07T08:00:00Z",
            {
                "kind": "temperature",
                "time": "2026-03-07T08:00:00",
                "celsius": "38.5",
                "fahrenheit": None,
                "other_cause": False,
                "daily_worst": False,
            },
        )
    ]
    lock = {"reason": "interim analysis", "password": PASSWORD}
    placed = ok(client.post(f"{API}/subjects/{subject_id}/data-locks", json=lock, headers=dm), 201)
    locks = ok(client.get(f"{API}/subjects/{subject_id}/data-locks", headers=coord))
    assert [(x["id"], x["reason"], x["lifted_at"]) for x in locks["items"]] == [
        (placed["id"], "interim analysis", None)
    ]
