"""The follow-up routes over HTTP: visits, vital signs, samples and assay results,
con-meds, tumour assessments, death and withdrawal, and lab units.

Expected values are written out by hand from the fixture trial (tests.store.trial):
infusion on 2026-03-06 at 10:00 UTC, the protocol's visits d0 and d28.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cartrial.services.context import Sessions
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import World, build_world, enrolled, infused

API = "/api/v1"


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _trail(client: TestClient, record_id: str, table: str) -> list[tuple[Any, ...]]:
    """(action, field, old, new, reason) of a record's audit entries, read as the monitor."""
    monitor = token(client, "mon", "monitor", None)
    page = ok(
        client.get(f"{API}/audit", params={"record_id": record_id, "table": table}, headers=monitor)
    )
    return [
        (e["action"], e["field"], e["old_value"], e["new_value"], e["reason"])
        for e in page["items"]
    ]


def test_visits_are_planned_from_day_0_listed_and_dated_with_reason_for_a_correction(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    page = ok(client.get(f"{API}/subjects/{subject_id}/visits", headers=coord))
    assert page["total"] == 2
    assert [(v["visit_code"], v["planned_date"], v["actual_date"]) for v in page["items"]] == [
        ("d0", "2026-03-06", None),
        ("d28", "2026-04-03", None),
    ]
    # the infusion planned both; planning again adds nothing
    assert ok(client.post(f"{API}/subjects/{subject_id}/visits/plan", headers=coord)) == []
    d28 = page["items"][1]["id"]
    assert page["items"][1]["version"] == 1
    first = client.patch(
        f"{API}/visits/{d28}",
        json={"expected_version": 1, "actual_date": "2026-04-02"},
        headers=coord,
    )
    assert (ok(first)["actual_date"], first.json()["version"]) == ("2026-04-02", 2)
    bare = client.patch(
        f"{API}/visits/{d28}",
        json={"expected_version": 2, "actual_date": "2026-04-03"},
        headers=coord,
    )
    assert error(bare) == (422, "invalid_input", "reason")
    reason = "visit took place on 3 April (transcription error)"
    fixed = client.patch(
        f"{API}/visits/{d28}",
        json={"expected_version": 2, "actual_date": "2026-04-03", "reason": reason},
        headers=coord,
    )
    assert (ok(fixed)["actual_date"], fixed.json()["version"]) == ("2026-04-03", 3)
    updates = [e[1:] for e in _trail(client, d28, "visit") if e[0] == "update"]
    assert updates == [
        ("actual_date", None, "2026-04-02", None),
        ("actual_date", "2026-04-02", "2026-04-03", reason),
    ]


def test_planning_adds_the_protocol_visits_a_subject_is_missing(
    client: TestClient, world: World
) -> None:
    from sqlalchemy import select

    from cartrial.services.context import transaction
    from cartrial.store.models import Visit
    from tests.store.trial import ROOT

    subject_id = infused(world)
    with transaction(world.sessions, ROOT, reason="set-up: d0 recoded as unscheduled") as s:
        d0 = s.scalars(select(Visit).where(Visit.visit_code == "d0")).one()
        d0.visit_code = "unscheduled"
    coord = token(client, "coord_a", "coordinator", "A")
    planned = ok(client.post(f"{API}/subjects/{subject_id}/visits/plan", headers=coord))
    assert [(v["visit_code"], v["planned_date"], v["actual_date"]) for v in planned] == [
        ("d0", "2026-03-06", None)
    ]
    page = ok(client.get(f"{API}/subjects/{subject_id}/visits", headers=coord))
    assert [v["visit_code"] for v in page["items"]] == ["d0", "unscheduled", "d28"]


def test_vital_signs_are_recorded_with_their_units_and_filtered_by_test(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    path = f"{API}/subjects/{subject_id}/vital-signs"
    fever = {
        "measured_at": "2026-03-07T08:00:00Z",
        "test": "temperature",
        "value": "38.4",
        "unit": "°C",
    }
    pressure = {
        "measured_at": "2026-03-07T09:30:00+02:00",
        "test": "systolic_bp",
        "value": "92",
        "unit": "mmHg",
    }
    created = ok(client.post(path, json=fever, headers=coord), 201)
    assert (created["test"], Decimal(created["value"]), created["unit"]) == (
        "temperature",
        Decimal("38.4"),
        "°C",
    )
    ok(client.post(path, json=pressure, headers=coord), 201)
    page = ok(client.get(path, headers=coord))
    assert [
        (v["test"], Decimal(v["value"]), v["unit"], dt.datetime.fromisoformat(v["measured_at"]))
        for v in page["items"]
    ] == [
        ("systolic_bp", Decimal(92), "mmHg", dt.datetime(2026, 3, 7, 7, 30, tzinfo=dt.UTC)),
        ("temperature", Decimal("38.4"), "°C", dt.datetime(2026, 3, 7, 8, 0, tzinfo=dt.UTC)),
    ]
    only = ok(client.get(path, params={"test": "temperature"}, headers=coord))
    assert (only["total"], only["items"][0]["id"]) == (1, created["id"])


def test_samples_and_assay_results_are_recorded_and_read_back(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    samples = f"{API}/subjects/{subject_id}/samples"
    qpcr = ok(
        client.post(
            samples,
            json={
                "sample_code": "S-001-D7-QPCR",
                "analyte": "car_transgene_qpcr",
                "matrix": "blood",
                "collected_at": "2026-03-13T08:00:00Z",
                "study_day": 7,
            },
            headers=coord,
        ),
        201,
    )
    assert (qpcr["analyte"], qpcr["study_day"], qpcr["subject_id"]) == (
        "car_transgene_qpcr",
        7,
        subject_id,
    )
    ada = ok(
        client.post(
            samples,
            json={
                "sample_code": "S-001-D28-ADA",
                "analyte": "anti_drug_antibody",
                "matrix": "serum",
                "collected_at": "2026-04-03T08:00:00Z",
                "study_day": 28,
            },
            headers=coord,
        ),
        201,
    )
    copies = {"test": "CAR copies", "value": "15400", "unit": "copies/ug gDNA", "lloq": "5"}
    result = ok(client.post(f"{API}/samples/{qpcr['id']}/results", json=copies, headers=coord), 201)
    assert (result["sample_id"], result["subject_id"]) == (qpcr["id"], subject_id)
    negative = {"test": "ADA", "result_text": "negative"}
    ok(client.post(f"{API}/samples/{ada['id']}/results", json=negative, headers=coord), 201)

    results = f"{API}/subjects/{subject_id}/assay-results"
    page = ok(client.get(results, headers=coord))
    assert [
        (
            r["test"],
            None if r["value"] is None else Decimal(r["value"]),
            r["unit"],
            None if r["lloq"] is None else Decimal(r["lloq"]),
            r["result_text"],
        )
        for r in page["items"]
    ] == [
        ("CAR copies", Decimal(15400), "copies/ug gDNA", Decimal(5), None),
        ("ADA", None, None, None, "negative"),
    ]
    one = ok(client.get(results, params={"sample_id": ada["id"]}, headers=coord))
    assert [r["test"] for r in one["items"]] == ["ADA"]
    by_analyte = ok(client.get(samples, params={"analyte": "anti_drug_antibody"}, headers=coord))
    assert [s["sample_code"] for s in by_analyte["items"]] == ["S-001-D28-ADA"]
    again = client.post(
        samples,
        json={
            "sample_code": "S-001-D7-QPCR",
            "analyte": "car_t_flow",
            "matrix": "blood",
            "collected_at": "2026-03-13T08:00:00Z",
        },
        headers=coord,
    )
    assert error(again) == (409, "conflict", "sample_code")
    # one sample per code (a unique constraint): the conflict shows how the two differ
    assert again.json()["message"] == (
        f"sample: sample_code 'S-001-D7-QPCR' is already recorded (sample {qpcr['id']}: "
        "analyte 'car_transgene_qpcr', study_day '7'); yours: analyte 'car_t_flow', "
        "study_day None; nothing was stored"
    )
    assert ok(client.get(samples, headers=coord))["total"] == 2


def test_con_meds_link_only_to_the_subjects_own_adverse_events(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    other_id = enrolled(world, "S-002")
    coord = token(client, "coord_a", "coordinator", "A")
    crs = {
        "term": "Cytokine release syndrome",
        "onset_date": "2026-03-07",
        "grading_scale": "astct_2019",
        "reported_grade": 2,
    }
    ae = ok(
        client.post(f"{API}/subjects/{subject_id}/adverse-events", json=crs, headers=coord), 201
    )
    other_ae = ok(
        client.post(f"{API}/subjects/{other_id}/adverse-events", json=crs, headers=coord), 201
    )
    path = f"{API}/subjects/{subject_id}/con-meds"
    med = {
        "name": "tocilizumab",
        "start_date": "2026-03-08",
        "end_date": "2026-03-08",
        "indication": "CRS grade 2",
        "dose": "8 mg/kg IV",
        "adverse_event_id": ae["id"],
    }
    ok(client.post(path, json=med, headers=coord), 201)
    ok(
        client.post(path, json={"name": "paracetamol", "start_date": "2026-03-07"}, headers=coord),
        201,
    )
    page = ok(client.get(path, headers=coord))
    assert [
        (m["name"], m["start_date"], m["end_date"], m["dose"], m["adverse_event_id"])
        for m in page["items"]
    ] == [
        ("paracetamol", "2026-03-07", None, None, None),
        ("tocilizumab", "2026-03-08", "2026-03-08", "8 mg/kg IV", ae["id"]),
    ]
    wrong = client.post(path, json={**med, "adverse_event_id": other_ae["id"]}, headers=coord)
    assert error(wrong) == (422, "invalid_input", "adverse_event_id")
    assert wrong.json()["message"].endswith("expected an adverse event of S-001")


def test_tumour_assessments_store_lesions_and_derive_the_recist_response(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    path = f"{API}/subjects/{subject_id}/tumour-assessments"
    baseline = {
        "assessed_on": "2026-02-20",
        "method": "CT",
        "lesions": [
            {"lesion_code": "T1", "kind": "target", "location": "pleura", "diameter_mm": "40.0"},
            {"lesion_code": "T2", "kind": "target", "location": "liver", "diameter_mm": "20.0"},
            {
                "lesion_code": "N1",
                "kind": "non_target",
                "location": "peritoneum",
                "status": "present",
            },
        ],
    }
    first = ok(client.post(path, json=baseline, headers=coord), 201)
    assert (first["derived_response"], first["criteria"]) == (None, "recist11")
    week8 = {
        "assessed_on": "2026-05-01",
        "method": "CT",
        "lesions": [
            {"lesion_code": "T1", "kind": "target", "location": "pleura", "diameter_mm": "26.0"},
            {"lesion_code": "T2", "kind": "target", "location": "liver", "diameter_mm": "12.0"},
            {
                "lesion_code": "N1",
                "kind": "non_target",
                "location": "peritoneum",
                "status": "present",
            },
        ],
    }
    second = ok(client.post(path, json=week8, headers=coord), 201)
    # targets 40 + 20 = 60 mm at baseline, 26 + 12 = 38 mm now: -36.67 %, a partial response
    assert second["derived_response"] == "PR"
    assert second["derivation_reason"].startswith(
        "target PR: sum 38.0 mm is -36.67% from baseline 60.0 mm"
    )
    assert [
        (
            m["lesion_code"],
            m["kind"],
            None if m["diameter_mm"] is None else Decimal(m["diameter_mm"]),
            m["status"],
        )
        for m in second["lesions"]
    ] == [
        ("N1", "non_target", None, "present"),
        ("T1", "target", Decimal(26), None),
        ("T2", "target", Decimal(12), None),
    ]
    page = ok(client.get(path, headers=coord))
    assert [
        (a["assessed_on"], a["derived_response"], len(a["lesions"])) for a in page["items"]
    ] == [
        ("2026-02-20", None, 3),
        ("2026-05-01", "PR", 3),
    ]
    one = ok(client.get(f"{API}/tumour-assessments/{second['id']}", headers=coord))
    assert (one["assessed_on"], one["derived_response"]) == ("2026-05-01", "PR")


def test_recorded_death_moves_the_subject_to_died_with_audit_entries(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    body = {"died_on": "2026-04-20", "cause": "progressive disease"}
    death = ok(client.post(f"{API}/subjects/{subject_id}/death", json=body, headers=coord), 201)
    assert (death["subject_id"], death["died_on"], death["cause"]) == (
        subject_id,
        "2026-04-20",
        "progressive disease",
    )
    assert ok(client.get(f"{API}/subjects/{subject_id}", headers=coord))["status"] == "died"
    read_back = ok(client.get(f"{API}/subjects/{subject_id}/death", headers=coord))
    assert read_back["id"] == death["id"]
    inserted = _trail(client, death["id"], "death")
    assert [(e[0], e[4]) for e in inserted] == [("insert", "death: progressive disease")]
    status_changes = [e[1:] for e in _trail(client, subject_id, "subject") if e[1] == "status"]
    assert status_changes[-1] == ("status", "infused", "died", "death: progressive disease")
    again = client.post(f"{API}/subjects/{subject_id}/death", json=body, headers=coord)
    assert error(again) == (409, "invalid_transition", None)
    assert again.json()["message"] == (
        "subject S-001: status 'died' cannot become 'died'; allowed: none (final status)"
    )


def test_withdrawal_moves_the_subject_to_withdrawn_and_a_later_death_is_still_recorded(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    coord = token(client, "coord_a", "coordinator", "A")
    path = f"{API}/subjects/{subject_id}/withdrawal"
    assert error(client.get(path, headers=coord))[:2] == (404, "not_found")
    body = {"withdrawn_on": "2026-02-10", "initiated_by": "subject", "reason": "consent withdrawn"}
    row = ok(client.post(path, json=body, headers=coord), 201)
    assert (row["withdrawn_on"], row["initiated_by"], row["reason"]) == (
        "2026-02-10",
        "subject",
        "consent withdrawn",
    )
    assert ok(client.get(f"{API}/subjects/{subject_id}", headers=coord))["status"] == "withdrawn"
    assert ok(client.get(path, headers=coord))["id"] == row["id"]
    assert [(e[0], e[4]) for e in _trail(client, row["id"], "withdrawal")] == [
        ("insert", "withdrawal: consent withdrawn")
    ]
    status_changes = [e[1:] for e in _trail(client, subject_id, "subject") if e[1] == "status"]
    assert status_changes[-1] == (
        "status",
        "enrolled",
        "withdrawn",
        "withdrawal: consent withdrawn",
    )
    again = client.post(path, json=body, headers=coord)
    assert error(again) == (409, "invalid_transition", None)
    death = {"died_on": "2026-06-01", "cause": "progressive disease"}
    ok(client.post(f"{API}/subjects/{subject_id}/death", json=death, headers=coord), 201)
    assert ok(client.get(f"{API}/subjects/{subject_id}", headers=coord))["status"] == "died"


def test_lab_units_are_checked_where_cartrial_units_knows_the_test(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    path = f"{API}/subjects/{subject_id}/labs"
    graded = {
        "collected_at": "2026-03-10T08:00:00Z",
        "test": "platelets",
        "value": "20",
        "unit": "x10^9/L",
        "ctcae_term": "Platelet count decreased",
        "lln": "150",
    }
    lab = ok(client.post(path, json=graded, headers=coord), 201)
    assert lab["derived_grade"] == 4
    assert lab["derivation_reason"] == (
        "Platelet count decreased grade 4: 20 x10^9/L < 25 x10^9/L (CTCAE v5.0: <25.0 x 10e9 /L)"
    )
    bad = client.post(path, json={**graded, "unit": "furlongs"}, headers=coord)
    assert error(bad) == (422, "invalid_input", "unit")
    assert bad.json()["message"] == (
        "field 'unit': got 'furlongs', expected one of the units of platelets: /mm3, /mm^3, "
        "/uL, 10^3/uL, 10^9/L, G/L, K/uL, cells/mm3, cells/uL, x10^3/uL, x10^9/L "
        "(unit symbols are case-sensitive; the litre may be written L or l)"
    )
    # g/L is grams per litre, not G/L (10^9 per litre): refused, never read as a count
    grams = client.post(path, json={**graded, "unit": "g/L"}, headers=coord)
    assert error(grams) == (422, "invalid_input", "unit")
    assert grams.json()["message"].startswith(
        "field 'unit': got 'g/L', expected one of the units of platelets: "
    )
    giga = ok(client.post(path, json={**graded, "unit": "G/L"}, headers=coord), 201)
    assert (giga["unit"], giga["derived_grade"]) == ("G/L", 4)
    ungraded = {
        "collected_at": "2026-03-10T08:00:00Z",
        "test": "anc",
        "value": "1.2",
        "unit": "mmol/L",
    }
    assert error(client.post(path, json=ungraded, headers=coord)) == (422, "invalid_input", "unit")
    unknown_term = client.post(path, json={**graded, "ctcae_term": "Fever"}, headers=coord)
    assert error(unknown_term) == (422, "invalid_input", "ctcae_term")
    # a test cartrial.units does not know is stored with its unit as entered
    crp = {"collected_at": "2026-03-10T08:00:00Z", "test": "crp", "value": "85", "unit": "mg/L"}
    assert ok(client.post(path, json=crp, headers=coord), 201)["unit"] == "mg/L"
    assert ok(client.get(path, params={"test": "platelets"}, headers=coord))["total"] == 2
