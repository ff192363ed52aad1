"""The REST API: one error shape, site scoping, roles, paging, filters, conflicts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from cartrial.services import enrolment, screening
from cartrial.services.context import Sessions
from cartrial.store.models import AuthSession
from cartrial.web.api import create_app
from tests.store.trial import (
    PASSWORD,
    World,
    build_world,
    enrolled,
    screened,
    screening_record,
    with_lot,
)


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _token(client: TestClient, username: str, role: str, site: str | None) -> dict[str, str]:
    reply = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "role": role, "site": site},
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def _error(reply: Any) -> tuple[int, str, str | None]:
    body = reply.json()
    assert set(body) == {"code", "message", "field"}
    return reply.status_code, body["code"], body["field"]


def test_without_a_token_every_route_answers_401_in_the_error_shape(client: TestClient) -> None:
    for method, path in [
        ("GET", "/api/v1/subjects"),
        ("GET", "/api/v1/subjects/x"),
        ("GET", "/api/v1/audit"),
        ("POST", "/api/v1/auth/tokens"),
    ]:
        assert _error(client.request(method, path)) == (401, "unauthenticated", None)


def test_coordinator_of_site_b_gets_404_for_a_site_a_subject(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    b = _token(client, "coord_b", "coordinator", "B")
    assert _error(client.get(f"/api/v1/subjects/{subject_id}", headers=b))[:2] == (404, "not_found")
    ae = {
        "term": "Fever",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }
    reply = client.post(f"/api/v1/subjects/{subject_id}/adverse-events", json=ae, headers=b)
    assert _error(reply)[:2] == (404, "not_found")
    assert client.get("/api/v1/subjects", headers=b).json()["total"] == 0
    a = _token(client, "coord_a", "coordinator", "A")
    assert client.get(f"/api/v1/subjects/{subject_id}", headers=a).json()["code"] == "S-001"


def test_monitor_reads_but_may_not_record_an_ae(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    mon = _token(client, "mon", "monitor", None)
    assert (
        client.get(f"/api/v1/subjects/{subject_id}/adverse-events", headers=mon).json()["total"]
        == 0
    )
    ae = {
        "term": "Fever",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }
    reply = client.post(f"/api/v1/subjects/{subject_id}/adverse-events", json=ae, headers=mon)
    assert _error(reply) == (403, "forbidden", None)


def test_injection_through_filters_matches_nothing_and_bad_filters_name_the_field(
    client: TestClient, world: World
) -> None:
    enrolled(world)
    dm = _token(client, "dm", "data_manager", None)
    for code in ["' OR '1'='1", "S-001'; DROP TABLE subject; --", "%"]:
        reply = client.get("/api/v1/subjects", params={"code": code}, headers=dm)
        assert (reply.status_code, reply.json()["total"]) == (200, 0)
    assert client.get("/api/v1/subjects", headers=dm).json()["total"] == 1
    reply = client.get("/api/v1/subjects", params={"status": "infused' --"}, headers=dm)
    assert _error(reply)[::2] == (422, "status")
    reply = client.get("/api/v1/subjects", params={"limit": 201}, headers=dm)
    assert _error(reply)[::2] == (422, "limit")


def test_paging_returns_total_and_the_requested_slice(client: TestClient, world: World) -> None:
    # Three enrolled back to back: the level is the recorded decision's (the live 3+3
    # engine would make the third wait for the first two, who hold their places).
    for n in range(1, 4):
        enrolled(world, f"S-00{n}", assign_dose=enrolment.assign_dose_from_decisions)
    dm = _token(client, "dm", "data_manager", None)
    page = client.get("/api/v1/subjects", params={"limit": 2, "offset": 2}, headers=dm).json()
    assert (page["total"], [s["code"] for s in page["items"]]) == (3, ["S-003"])


def test_screen_sign_enrol_through_the_api(client: TestClient, world: World) -> None:
    coord = _token(client, "coord_a", "coordinator", "A")
    inv = _token(client, "inv_a", "investigator", "A")
    body = {
        "site_id": world.site_a,
        "protocol_version_id": world.protocol_version,
        "record": screening_record().model_dump(mode="json"),
    }
    reply = client.post("/api/v1/subjects/screen", json=body, headers=coord)
    assert (reply.status_code, reply.json()["decision"]) == (201, "eligible")
    subject_id = reply.json()["subject"]["id"]
    reply = client.post(
        f"/api/v1/subjects/{subject_id}/enrol", json={"weight_kg": "70"}, headers=coord
    )
    assert _error(reply)[:2] == (409, "enrolment_blocked")
    reply = client.post(
        f"/api/v1/subjects/{subject_id}/eligibility/sign", json={"password": PASSWORD}, headers=inv
    )
    assert reply.status_code == 200
    reply = client.post(
        f"/api/v1/subjects/{subject_id}/enrol", json={"weight_kg": "70"}, headers=coord
    )
    assert (reply.json()["status"], reply.json()["dose_level"]) == ("enrolled", 1)


def test_stale_ae_edit_is_409_naming_both_values(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    coord = _token(client, "coord_a", "coordinator", "A")
    ae = {
        "term": "Fever",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }
    created = client.post(
        f"/api/v1/subjects/{subject_id}/adverse-events", json=ae, headers=coord
    ).json()
    path = f"/api/v1/adverse-events/{created['id']}"
    first = client.patch(
        path, json={"expected_version": 1, "reason": "worse", "reported_grade": 2}, headers=coord
    )
    assert (first.status_code, first.json()["version"]) == (200, 2)
    second = client.patch(
        path, json={"expected_version": 1, "reason": "typo", "reported_grade": 3}, headers=coord
    )
    assert _error(second) == (409, "conflict", "reported_grade")
    assert "is now '2', you wrote '3'" in second.json()["message"]


def test_refused_infusion_is_409_listing_reasons(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id, release=False)
    coord = _token(client, "coord_a", "coordinator", "A")
    body = {
        "lot_id": lot_id,
        "scanned_chain_of_identity_id": "AXXXX26000001M",
        "cells_infused": 7000000,
        "started_at": "2026-03-06T10:00:00Z",
    }
    reply = client.post(f"/api/v1/subjects/{subject_id}/infusion", json=body, headers=coord)
    assert _error(reply)[:2] == (409, "infusion_refused")
    assert "product lot L-001 is not released (status manufacturing)" in reply.json()["message"]


def test_expired_session_and_revoked_token_are_401(client: TestClient, world: World) -> None:
    coord = _token(client, "coord_a", "coordinator", "A")
    token = client.post("/api/v1/auth/tokens", json={"label": "lab feed"}, headers=coord).json()
    api = {"Authorization": f"Bearer {token['token']}"}
    assert client.get("/api/v1/subjects", headers=api).status_code == 200
    assert client.delete(f"/api/v1/auth/tokens/{token['id']}", headers=coord).status_code == 204
    assert _error(client.get("/api/v1/subjects", headers=api))[:2] == (401, "unauthenticated")
    with world.sessions() as s, s.begin():
        s.execute(
            update(AuthSession).values(
                last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
            )
        )
    reply = client.get("/api/v1/subjects", headers=coord)
    assert _error(reply)[:2] == (401, "unauthenticated")
    assert "session expired" in reply.json()["message"]


def test_login_lockout_after_five_failures_answers_as_a_wrong_password(client: TestClient) -> None:
    body = {"username": "coord_a", "password": "wrong password", "role": "coordinator", "site": "A"}
    for _ in range(5):
        assert client.post("/api/v1/auth/login", json=body).status_code == 401
    reply = client.post("/api/v1/auth/login", json={**body, "password": PASSWORD})
    assert _error(reply)[:2] == (401, "unauthenticated")
    assert "too many failed attempts" in reply.json()["message"]


def test_audit_verify_route_for_auditors_only(client: TestClient) -> None:
    dm = _token(client, "dm", "data_manager", None)
    reply = client.get("/api/v1/audit/verify", headers=dm).json()
    assert reply["is_intact"] and reply["message"].startswith("audit trail intact")
    coord = _token(client, "coord_a", "coordinator", "A")
    assert _error(client.get("/api/v1/audit/verify", headers=coord)) == (403, "forbidden", None)


def test_a_time_outside_utc_and_nul_in_text_are_422_naming_the_field(
    client: TestClient, world: World
) -> None:
    subject_id = screened(world)
    coord = _token(client, "coord_a", "coordinator", "A")
    labs = f"/api/v1/subjects/{subject_id}/labs"
    lab = {"collected_at": "2026-03-07T08:00:00Z", "test": "crp", "value": "5", "unit": "mg/L"}
    # 00:30 on 1 January of year 1 at UTC+1 is before year 1 in UTC: the store cannot hold it
    early = {**lab, "collected_at": "0001-01-01T00:30:00+01:00"}
    assert _error(client.post(labs, json=early, headers=coord)) == (
        422,
        "invalid_input",
        "collected_at",
    )
    # PostgreSQL text cannot hold NUL
    ae = {
        "term": "Fe\x00ver",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }
    reply = client.post(f"/api/v1/subjects/{subject_id}/adverse-events", json=ae, headers=coord)
    assert _error(reply) == (422, "invalid_input", "term")
    assert (
        reply.json()["message"]
        == "field 'term': got 'Fe\\x00ver', expected text without NUL characters"
    )
    missing = {k: v for k, v in lab.items() if k != "unit"}
    reply = client.post(labs, json=missing, headers=coord)
    assert reply.json()["message"] == (
        "field 'unit': got nothing, expected a value (the field is required)"
    )


OPERATIONS = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/tokens"),
    ("delete", "/api/v1/auth/tokens/{token_id}"),
    ("get", "/api/v1/subjects"),
    ("get", "/api/v1/subjects/{subject_id}"),
    ("post", "/api/v1/subjects/screen"),
    ("post", "/api/v1/subjects/{subject_id}/eligibility/sign"),
    ("post", "/api/v1/subjects/{subject_id}/enrol"),
    ("get", "/api/v1/subjects/{subject_id}/adverse-events"),
    ("post", "/api/v1/subjects/{subject_id}/adverse-events"),
    ("patch", "/api/v1/adverse-events/{ae_id}"),
    ("get", "/api/v1/subjects/{subject_id}/labs"),
    ("post", "/api/v1/subjects/{subject_id}/labs"),
    ("post", "/api/v1/subjects/{subject_id}/infusion"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/audit/verify"),
    ("post", "/api/v1/subjects/{subject_id}/apheresis"),
    ("post", "/api/v1/apheresis/{apheresis_id}/lots"),
    ("post", "/api/v1/lots/{lot_id}/release"),
    ("post", "/api/v1/lots/{lot_id}/custody"),
    ("post", "/api/v1/subjects/{subject_id}/lymphodepletion"),
    ("post", "/api/v1/subjects/{subject_id}/queries"),
    ("post", "/api/v1/queries/{query_id}/answer"),
    ("post", "/api/v1/queries/{query_id}/close"),
    ("post", "/api/v1/subjects/{subject_id}/data-locks"),
    ("post", "/api/v1/data-locks/{lock_id}/lift"),
    ("post", "/api/v1/users/{username}/unlock"),
    ("post", "/api/v1/adverse-events/{ae_id}/observations"),
    ("post", "/api/v1/subjects/{subject_id}/dlt-adjudications"),
    ("post", "/api/v1/escalation-decisions"),
    ("post", "/api/v1/holds"),
    ("post", "/api/v1/holds/{hold_id}/lift"),
    ("get", "/api/v1/subjects/{subject_id}/casebook"),
    ("get", "/api/v1/subjects/{subject_id}/signatures"),
    # follow-up records
    ("post", "/api/v1/subjects/{subject_id}/status"),
    ("post", "/api/v1/subjects/{subject_id}/visits/plan"),
    ("get", "/api/v1/subjects/{subject_id}/visits"),
    ("patch", "/api/v1/visits/{visit_id}"),
    ("get", "/api/v1/subjects/{subject_id}/vital-signs"),
    ("post", "/api/v1/subjects/{subject_id}/vital-signs"),
    ("get", "/api/v1/subjects/{subject_id}/samples"),
    ("post", "/api/v1/subjects/{subject_id}/samples"),
    ("post", "/api/v1/samples/{sample_id}/results"),
    ("get", "/api/v1/subjects/{subject_id}/assay-results"),
    ("get", "/api/v1/subjects/{subject_id}/con-meds"),
    ("post", "/api/v1/subjects/{subject_id}/con-meds"),
    ("get", "/api/v1/subjects/{subject_id}/tumour-assessments"),
    ("post", "/api/v1/subjects/{subject_id}/tumour-assessments"),
    ("get", "/api/v1/tumour-assessments/{assessment_id}"),
    ("get", "/api/v1/subjects/{subject_id}/death"),
    ("post", "/api/v1/subjects/{subject_id}/death"),
    ("get", "/api/v1/subjects/{subject_id}/withdrawal"),
    ("post", "/api/v1/subjects/{subject_id}/withdrawal"),
    # reading back what the other routes write
    ("get", "/api/v1/subjects/{subject_id}/apheresis"),
    ("get", "/api/v1/subjects/{subject_id}/lots"),
    ("get", "/api/v1/lots/{lot_id}/custody"),
    ("get", "/api/v1/subjects/{subject_id}/lymphodepletion"),
    ("get", "/api/v1/subjects/{subject_id}/infusion"),
    ("get", "/api/v1/adverse-events/{ae_id}/observations"),
    ("get", "/api/v1/subjects/{subject_id}/dlt-adjudications"),
    ("get", "/api/v1/escalation-decisions"),
    ("get", "/api/v1/holds"),
    ("get", "/api/v1/queries"),
    ("get", "/api/v1/subjects/{subject_id}/queries"),
    ("get", "/api/v1/subjects/{subject_id}/data-locks"),
    ("post", "/api/v1/protocol-versions"),
    ("get", "/api/v1/protocol-versions"),
    ("get", "/api/v1/users/{username}/grants"),
    ("post", "/api/v1/users/{username}/grants"),
    ("post", "/api/v1/users/{username}/grants/revoke"),
    ("post", "/api/v1/users/{username}/deactivate"),
    ("post", "/api/v1/users/{username}/password"),
    ("post", "/api/v1/users/{username}/tokens/revoke"),
    ("post", "/api/v1/auth/password"),
    ("get", "/api/v1/subjects/{subject_id}/infusion-check"),
}


def test_openapi_schema_lists_every_operation_with_a_response_model_and_error_shape(
    client: TestClient,
) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    found = {(m, p) for p, ops in schema["paths"].items() for m in ops}
    assert found == OPERATIONS
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            ok = next(code for code in op["responses"] if code.startswith("2"))
            content = op["responses"][ok].get("content", {})
            if ok != "204" and "text/html" not in content:  # the casebook is a page
                assert "$ref" in str(content), (method, path)
            assert "ErrorOut" in str(op["responses"]["422"]), (method, path)


def test_enrolled_subject_to_infusion_over_http(client: TestClient, world: World) -> None:
    subject_id = enrolled(world)
    coord = _token(client, "coord_a", "coordinator", "A")
    coi = client.get(f"/api/v1/subjects/{subject_id}", headers=coord).json()["chain_of_identity_id"]

    def post(path: str, body: dict[str, Any], expected: int = 201) -> dict[str, Any]:
        reply = client.post(f"/api/v1{path}", json=body, headers=coord)
        assert reply.status_code == expected, reply.text
        result: dict[str, Any] = reply.json()
        return result

    collection = post(
        f"/subjects/{subject_id}/apheresis",
        {
            "collection_id": "APH-1",
            "chain_of_identity_id": coi,
            "collected_at": "2026-02-01T09:00:00Z",
        },
    )
    lot = post(f"/apheresis/{collection['id']}/lots", {"lot_number": "L-1"})
    post(
        f"/lots/{lot['id']}/custody",
        {
            "at": "2026-02-20T08:00:00Z",
            "from_party": "manufacturing site",
            "to_party": "Site A cell therapy lab",
            "location": "Site A",
            "condition": "cryopreserved, LN2 vapour shipper, -180 C",
        },
    )
    released = post(
        f"/lots/{lot['id']}/release",
        {"viable_car_cells": 50000000, "is_released": True, "note": "release tests passed"},
        200,
    )
    assert released["status"] == "released"
    for day, when in ((-5, "2026-03-01"), (-4, "2026-03-02"), (-3, "2026-03-03")):
        for agent in ("fludarabine", "cyclophosphamide"):
            post(
                f"/subjects/{subject_id}/lymphodepletion",
                {
                    "agent": agent,
                    "study_day": day,
                    "dose_mg": "54",
                    "completed_at": f"{when}T10:00:00Z",
                },
            )
    infusion = post(
        f"/subjects/{subject_id}/infusion",
        {
            "lot_id": lot["id"],
            "scanned_chain_of_identity_id": coi,
            "cells_infused": 7000000,
            "started_at": "2026-03-06T10:00:00Z",
        },
    )
    assert infusion["dose_level"] == 1
    subject = client.get(f"/api/v1/subjects/{subject_id}", headers=coord).json()
    assert subject["status"] == "infused"


def test_only_the_safety_committee_approves_escalation_and_a_hold_blocks_enrolment(
    client: TestClient, world: World
) -> None:
    decision = {
        "protocol_id": "store-test",
        "current_level": 1,
        "action": "escalate",
        "next_level": 2,
        "reason": "0 DLT in 3",
        "engine_version": "test 1",
        "password": PASSWORD,
    }
    coord = _token(client, "coord_a", "coordinator", "A")
    reply = client.post("/api/v1/escalation-decisions", json=decision, headers=coord)
    assert _error(reply) == (403, "forbidden", None)
    smc = _token(client, "smc", "safety_committee", None)
    assert (
        client.post("/api/v1/escalation-decisions", json=decision, headers=smc).status_code == 201
    )
    hold = client.post(
        "/api/v1/holds",
        json={"protocol_id": "store-test", "reason": "grade 5 event under review"},
        headers=smc,
    ).json()
    subject_id = screened(world, "S-009")
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    enrol = f"/api/v1/subjects/{subject_id}/enrol"
    reply = client.post(enrol, json={"weight_kg": "70"}, headers=coord)
    assert _error(reply)[:2] == (409, "enrolment_blocked")
    assert reply.json()["message"] == (
        "enrolment blocked: enrolment is on hold for store-test: grade 5 event under review"
    )
    lifted = client.post(
        f"/api/v1/holds/{hold['id']}/lift", json={"reason": "reviewed"}, headers=smc
    ).json()
    assert lifted["lifted_at"] is not None
    reply = client.post(enrol, json={"weight_kg": "70"}, headers=coord)
    # the live escalation engine assigns the level: nobody treated yet, start level 1
    assert (reply.status_code, reply.json()["dose_level"]) == (200, 1)


def test_data_manager_locks_and_lifts_a_subjects_data_over_http(
    client: TestClient, world: World
) -> None:
    subject_id = screened(world)
    dm = _token(client, "dm", "data_manager", None)
    coord = _token(client, "coord_a", "coordinator", "A")
    lab = {"collected_at": "2026-03-07T08:00:00Z", "test": "crp", "value": "5", "unit": "mg/L"}
    lock_body = {"reason": "database lock for the interim analysis", "password": PASSWORD}
    refused = client.post(
        f"/api/v1/subjects/{subject_id}/data-locks", json=lock_body, headers=coord
    )
    assert _error(refused) == (403, "forbidden", None)
    wrong = {**lock_body, "password": "not the password"}
    bad = client.post(f"/api/v1/subjects/{subject_id}/data-locks", json=wrong, headers=dm)
    assert _error(bad)[:2] == (401, "unauthenticated")
    reply = client.post(f"/api/v1/subjects/{subject_id}/data-locks", json=lock_body, headers=dm)
    assert reply.status_code == 201, reply.text
    lock = reply.json()
    assert (lock["subject_id"], lock["lifted_at"]) == (subject_id, None)
    blocked = client.post(f"/api/v1/subjects/{subject_id}/labs", json=lab, headers=coord)
    assert _error(blocked)[:2] == (423, "data_locked")
    lift = {"reason": "query on visit 3 needs a correction"}
    assert _error(client.post(f"/api/v1/data-locks/{lock['id']}/lift", json=lift, headers=coord))[
        :2
    ] == (403, "forbidden")
    lifted = client.post(f"/api/v1/data-locks/{lock['id']}/lift", json=lift, headers=dm)
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["lifted_at"] is not None
    assert (
        client.post(f"/api/v1/subjects/{subject_id}/labs", json=lab, headers=coord).status_code
        == 201
    )
    missing = client.post("/api/v1/data-locks/nope/lift", json=lift, headers=dm)
    assert _error(missing)[:2] == (404, "not_found")


def test_admin_lifts_a_login_lockout_over_http(client: TestClient, world: World) -> None:
    from cartrial.services import admin
    from tests.store.conftest import ADMIN

    admin.add_user(
        world.sessions,
        actor=ADMIN,
        username="root",
        full_name="Ann Admin",
        password=PASSWORD,
        roles=[("admin", None)],
    )
    body = {"username": "coord_a", "password": "wrong password", "role": "coordinator", "site": "A"}
    for _ in range(5):
        client.post("/api/v1/auth/login", json=body)
    good = {**body, "password": PASSWORD}
    assert client.post("/api/v1/auth/login", json=good).status_code == 401
    unlock = {"reason": "identity checked by phone call-back"}
    dm = _token(client, "dm", "data_manager", None)
    refused = client.post("/api/v1/users/coord_a/unlock", json=unlock, headers=dm)
    assert _error(refused) == (403, "forbidden", None)
    root = _token(client, "root", "admin", None)
    unknown = client.post("/api/v1/users/nobody/unlock", json=unlock, headers=root)
    assert _error(unknown)[:2] == (404, "not_found")
    assert client.post("/api/v1/users/coord_a/unlock", json=unlock, headers=root).status_code == 204
    assert client.post("/api/v1/auth/login", json=good).status_code == 200


# role -> (username, site) as built by tests.store.trial.build_world, plus an admin.
_PEOPLE = {
    "admin": ("root", None),
    "investigator": ("inv_a", "A"),
    "coordinator": ("coord_a", "A"),
    "safety_committee": ("smc", None),
    "data_manager": ("dm", None),
    "monitor": ("mon", None),
}


@pytest.mark.parametrize("role", sorted(_PEOPLE))
def test_role_action_matrix_over_http_matches_the_permissions_table(
    client: TestClient, world: World, role: str
) -> None:
    from cartrial.services import admin
    from cartrial.services.access import PERMISSIONS
    from tests.store.conftest import ADMIN

    admin.add_user(
        world.sessions,
        actor=ADMIN,
        username="root",
        full_name="Ann Admin",
        password=PASSWORD,
        roles=[("admin", None)],
    )
    subject_id = screened(world)
    username, site = _PEOPLE[role]
    headers = _token(client, username, role, site)
    ae = {
        "term": "Fever",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }
    query = {"table_name": "subject", "record_id": subject_id, "field": "code", "text": "check"}
    # action -> (method, path, body, status when allowed); the withdrawal and the lock go last.
    requests: dict[str, tuple[str, str, dict[str, Any] | None, int]] = {
        "ae.record": ("POST", f"/api/v1/subjects/{subject_id}/adverse-events", ae, 201),
        "query.open": ("POST", f"/api/v1/subjects/{subject_id}/queries", query, 201),
        "audit.read": ("GET", "/api/v1/audit", None, 200),
        "user.manage": ("POST", "/api/v1/users/mon/unlock", {"reason": "checked"}, 204),
        "subject.read": ("GET", f"/api/v1/subjects/{subject_id}/vital-signs", None, 200),
        "subject.enrol": (
            "POST",
            f"/api/v1/subjects/{subject_id}/withdrawal",
            {"withdrawn_on": "2026-02-01", "initiated_by": "subject", "reason": "moved away"},
            201,
        ),
        "data.lock": (
            "POST",
            f"/api/v1/subjects/{subject_id}/data-locks",
            {"reason": "interim", "password": PASSWORD},
            201,
        ),
    }
    got = {}
    for action, (method, path, body, allowed_status) in requests.items():
        reply = client.request(method, path, json=body, headers=headers)
        expected = allowed_status if role in PERMISSIONS[action] else 403
        got[action] = (reply.status_code, expected)
    assert {a: s for a, (s, e) in got.items() if s != e} == {}
