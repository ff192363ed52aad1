"""Every follow-up and read-back route, table-driven: another site's subject is not
found (404), the monitor reads but may not write (403), bad input is a 422 naming the
field, the value and what was expected.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cartrial.services import adjudication, followup, product, safety, tumour
from cartrial.services.context import Sessions
from cartrial.store.models import ProductLot, Visit
from cartrial.web.api import create_app
from tests.store.http import error, token
from tests.store.trial import PASSWORD, World, build_world, enrolled, infused

API = "/api/v1"


@dataclass
class Ids:
    subject: str  # S-001, infused, with one record of every kind
    ended: str  # S-002: withdrawn, then died
    visit: str
    sample: str
    assessment: str
    lot: str
    ae: str


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


@pytest.fixture
def ids(world: World) -> Ids:
    coord = world.actors["coordinator"]
    subject_id = infused(world)
    at = dt.datetime(2026, 3, 13, 8, 0, tzinfo=dt.UTC)
    with world.sessions() as s:
        visit = s.scalars(select(Visit).where(Visit.visit_code == "d28")).one()
        lot = s.scalars(select(ProductLot)).one()
    product.record_custody(
        world.sessions,
        actor=coord,
        lot_id=lot.id,
        at=at,
        from_party="lab",
        to_party="ward",
        location="Site A",
        condition="thawed",
    )
    sample = followup.record_sample(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        sample_code="S-001-D7",
        analyte="car_transgene_qpcr",
        matrix="blood",
        collected_at=at,
    )
    assessment = tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=dt.date(2026, 2, 20),
        method="CT",
        lesions=[tumour.LesionInput("T1", "target", "pleura", Decimal("40.0"))],
    )
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    adjudication.adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=dt.datetime(2026, 4, 10, tzinfo=dt.UTC),
    )
    ended = enrolled(world, "S-002")
    followup.withdraw(
        world.sessions,
        actor=coord,
        subject_id=ended,
        withdrawn_on=dt.date(2026, 2, 10),
        initiated_by="subject",
        reason="consent withdrawn",
    )
    followup.record_death(
        world.sessions, actor=coord, subject_id=ended, died_on=dt.date(2026, 6, 1), cause="PD"
    )
    return Ids(subject_id, ended, visit.id, sample.id, assessment.id, lot.id, ae.id)


def _reads(ids: Ids) -> list[str]:
    s = f"{API}/subjects/{ids.subject}"
    return [
        f"{s}/visits",
        f"{s}/vital-signs",
        f"{s}/samples",
        f"{s}/assay-results",
        f"{s}/con-meds",
        f"{s}/tumour-assessments",
        f"{API}/tumour-assessments/{ids.assessment}",
        f"{API}/subjects/{ids.ended}/death",
        f"{API}/subjects/{ids.ended}/withdrawal",
        f"{s}/apheresis",
        f"{s}/lots",
        f"{API}/lots/{ids.lot}/custody",
        f"{s}/lymphodepletion",
        f"{s}/infusion",
        f"{s}/dlt-adjudications",
        f"{API}/adverse-events/{ids.ae}/observations",
        f"{s}/queries",
        f"{s}/data-locks",
    ]


def _writes(ids: Ids) -> list[tuple[str, str, dict[str, Any] | None]]:
    s = f"{API}/subjects/{ids.subject}"
    lesion = {"lesion_code": "T1", "kind": "target", "location": "pleura", "diameter_mm": "30.0"}
    return [
        ("POST", f"{s}/visits/plan", None),
        (
            "PATCH",
            f"{API}/visits/{ids.visit}",
            {"expected_version": 1, "actual_date": "2026-04-03"},
        ),
        (
            "POST",
            f"{s}/vital-signs",
            {"measured_at": "2026-03-07T08:00:00Z", "test": "pulse", "value": "96", "unit": "/min"},
        ),
        (
            "POST",
            f"{s}/samples",
            {
                "sample_code": "S-001-D14",
                "analyte": "cytokines",
                "matrix": "serum",
                "collected_at": "2026-03-20T08:00:00Z",
            },
        ),
        (
            "POST",
            f"{API}/samples/{ids.sample}/results",
            {"test": "CAR copies", "value": "100", "unit": "copies/ug gDNA"},
        ),
        ("POST", f"{s}/con-meds", {"name": "dexamethasone", "start_date": "2026-03-09"}),
        (
            "POST",
            f"{s}/tumour-assessments",
            {"assessed_on": "2026-05-01", "method": "CT", "lesions": [lesion]},
        ),
        ("POST", f"{s}/death", {"died_on": "2026-05-02", "cause": "sepsis"}),
        (
            "POST",
            f"{s}/withdrawal",
            {"withdrawn_on": "2026-05-02", "initiated_by": "investigator", "reason": "safety"},
        ),
    ]


def test_another_sites_coordinator_is_told_not_found_by_every_route(
    client: TestClient, ids: Ids
) -> None:
    coord_b = token(client, "coord_b", "coordinator", "B")
    got = {}
    for path in _reads(ids):
        got[("GET", path)] = error(client.get(path, headers=coord_b))[:2]
    for method, path, body in _writes(ids):
        got[(method, path)] = error(client.request(method, path, json=body, headers=coord_b))[:2]
    assert {k: v for k, v in got.items() if v != (404, "not_found")} == {}
    # lists over every subject show site B nothing of site A's
    assert client.get(f"{API}/queries", headers=coord_b).json()["total"] == 0


def test_the_monitor_reads_every_route_and_may_write_none(client: TestClient, ids: Ids) -> None:
    monitor = token(client, "mon", "monitor", None)
    got = {}
    for path in [*_reads(ids), f"{API}/queries", f"{API}/escalation-decisions", f"{API}/holds"]:
        got[("GET", path)] = (client.get(path, headers=monitor).status_code, 200)
    for method, path, body in _writes(ids):
        reply = client.request(method, path, json=body, headers=monitor)
        got[(method, path)] = (error(reply), (403, "forbidden", None))
    assert {k: v for k, (v, expected) in got.items() if v != expected} == {}


def test_the_site_writes_every_follow_up_record(client: TestClient, ids: Ids) -> None:
    # the same requests succeed for the site's own coordinator (death and withdrawal
    # last: after the death the subject's status is final)
    coord = token(client, "coord_a", "coordinator", "A")
    got = {}
    for method, path, body in _writes(ids)[:-1]:
        got[(method, path)] = client.request(method, path, json=body, headers=coord).status_code
    assert got == {
        ("POST", f"{API}/subjects/{ids.subject}/visits/plan"): 200,
        ("PATCH", f"{API}/visits/{ids.visit}"): 200,
        ("POST", f"{API}/subjects/{ids.subject}/vital-signs"): 201,
        ("POST", f"{API}/subjects/{ids.subject}/samples"): 201,
        ("POST", f"{API}/samples/{ids.sample}/results"): 201,
        ("POST", f"{API}/subjects/{ids.subject}/con-meds"): 201,
        ("POST", f"{API}/subjects/{ids.subject}/tumour-assessments"): 201,
        ("POST", f"{API}/subjects/{ids.subject}/death"): 201,
    }
    method, path, body = _writes(ids)[-1]
    # withdrawn after death: the lifecycle refuses it
    reply = client.request(method, path, json=body, headers=coord)
    assert error(reply) == (409, "invalid_transition", None)


def _bad_inputs(ids: Ids) -> list[tuple[str, str, dict[str, Any] | None, str]]:
    """(method, path, body or query, the field the 422 must name)."""
    s = f"{API}/subjects/{ids.subject}"
    vital = {"measured_at": "2026-03-07T08:00:00Z", "test": "pulse", "value": "96", "unit": "/min"}
    sample = {
        "sample_code": "S-001-D14",
        "analyte": "cytokines",
        "matrix": "serum",
        "collected_at": "2026-03-20T08:00:00Z",
    }
    target = {"lesion_code": "T1", "kind": "target", "location": "pleura"}
    assessment = {"assessed_on": "2026-05-01", "method": "CT"}
    withdrawal = {"withdrawn_on": "2026-05-02", "initiated_by": "investigator", "reason": "safety"}
    return [
        ("POST", f"{API}/subjects/{ids.ended}/visits/plan", None, "subject"),
        (
            "PATCH",
            f"{API}/visits/{ids.visit}",
            {"expected_version": 1, "actual_date": "2026-02-30"},
            "actual_date",
        ),
        (
            "PATCH",
            f"{API}/visits/{ids.visit}",
            {"expected_version": 1, "actual_date": "2026-04-03", "reason": ""},
            "reason",
        ),
        ("PATCH", f"{API}/visits/{ids.visit}", {"actual_date": "2026-04-03"}, "expected_version"),
        (
            "PATCH",
            f"{API}/visits/{ids.visit}",
            {"expected_version": 0, "actual_date": "2026-04-03"},
            "expected_version",
        ),
        ("POST", f"{s}/vital-signs", {**vital, "unit": None}, "unit"),
        ("POST", f"{s}/vital-signs", {**vital, "unit": "   "}, "unit"),
        ("POST", f"{s}/vital-signs", {**vital, "value": "-1"}, "value"),
        (
            "POST",
            f"{s}/vital-signs",
            {**vital, "measured_at": "2026-03-07T08:00:00"},
            "measured_at",
        ),
        # a time before year 1 in UTC, and NUL (PostgreSQL text cannot hold it): 422, not 500
        (
            "POST",
            f"{s}/vital-signs",
            {**vital, "measured_at": "0001-01-01T00:30:00+01:00"},
            "measured_at",
        ),
        ("POST", f"{s}/con-meds", {"name": "toci\x00lizumab", "start_date": "2026-03-09"}, "name"),
        ("POST", f"{s}/samples", {**sample, "analyte": "urine_pcr"}, "analyte"),
        ("POST", f"{API}/samples/{ids.sample}/results", {"test": "CAR", "value": "1"}, "unit"),
        ("POST", f"{API}/samples/{ids.sample}/results", {"test": "CAR"}, "result_text"),
        (
            "POST",
            f"{s}/con-meds",
            {"name": "tocilizumab", "start_date": "2026-03-09", "end_date": "2026-03-08"},
            "end_date",
        ),
        (
            "POST",
            f"{s}/tumour-assessments",
            {**assessment, "lesions": [{**target, "status": "present"}]},
            "lesions[0].status",
        ),
        (
            "POST",
            f"{s}/tumour-assessments",
            {**assessment, "lesions": [{**target, "diameter_mm": "12.34"}]},
            "lesions[0].diameter_mm",
        ),
        (
            "POST",
            f"{s}/tumour-assessments",
            {**assessment, "lesions": [{**target, "diameter_mm": "12"}] * 2},
            "lesions[1].lesion_code",
        ),
        ("POST", f"{s}/tumour-assessments", {**assessment, "lesions": []}, "lesions"),
        ("POST", f"{s}/death", {"died_on": "2026-04-31", "cause": "sepsis"}, "died_on"),
        ("POST", f"{s}/death", {"died_on": "2026-04-30", "cause": ""}, "cause"),
        ("POST", f"{s}/withdrawal", {**withdrawal, "initiated_by": "family"}, "initiated_by"),
        ("GET", f"{s}/samples", {"analyte": "blood"}, "analyte"),
        ("GET", f"{s}/vital-signs", {"limit": 0}, "limit"),
        ("GET", f"{s}/lots", {"status": "frozen"}, "status"),
        # NUL in a filter or a path parameter: PostgreSQL text cannot hold it (was a 500 there)
        ("GET", f"{s}/vital-signs", {"test": "pul\x00se"}, "test"),
        ("GET", f"{s}/samples", {"analyte": "\x00"}, "analyte"),
        ("GET", f"{s}/assay-results", {"sample_id": f"{ids.sample}\x00"}, "sample_id"),
        ("GET", f"{API}/subjects", {"code": "S-001\x00"}, "code"),
        ("GET", f"{API}/audit", {"table": "visit", "record_id": "\x00"}, "record_id"),
        ("GET", f"{API}/escalation-decisions", {"protocol_id": "store\x00test"}, "protocol_id"),
        ("GET", f"{API}/subjects/{ids.subject}%00", None, "subject_id"),
        ("GET", f"{API}/queries", {"status": "pending"}, "status"),
        ("GET", f"{API}/holds", {"active": "maybe"}, "active"),
    ]


def test_bad_input_is_422_naming_the_field_the_value_and_what_was_expected(
    client: TestClient, ids: Ids
) -> None:
    coord = token(client, "coord_a", "coordinator", "A")
    wrong = {}
    for method, path, body, field in _bad_inputs(ids):
        if method == "GET":
            reply = client.get(path, params=body, headers=coord)
        else:
            reply = client.request(method, path, json=body, headers=coord)
        message = reply.json().get("message", "")
        if error(reply) != (422, "invalid_input", field) or not message.startswith(
            f"field '{field}': got "
        ):
            wrong[(method, path, field)] = (reply.status_code, reply.json())
        elif ", expected " not in message:
            wrong[(method, path, field)] = (reply.status_code, message)
    assert wrong == {}


def test_bad_input_messages_say_what_was_expected(client: TestClient, ids: Ids) -> None:
    coord = token(client, "coord_a", "coordinator", "A")
    s = f"{API}/subjects/{ids.subject}"
    vital = {"measured_at": "2026-03-07T08:00:00Z", "test": "pulse", "value": "96"}
    reply = client.post(f"{s}/vital-signs", json=vital, headers=coord)
    assert reply.json()["message"] == (
        "field 'unit': got nothing, expected a value (the field is required)"
    )
    result = {"test": "CAR copies", "value": "15400"}
    reply = client.post(f"{API}/samples/{ids.sample}/results", json=result, headers=coord)
    assert reply.json()["message"] == (
        "field 'unit': got None, expected a unit for the value and LLOQ (units are never assumed)"
    )
    plan = client.post(f"{API}/subjects/{ids.ended}/visits/plan", headers=coord)
    assert plan.json()["message"] == (
        "field 'subject': got 'S-002', expected an infused subject (visits count from day 0)"
    )
