"""A data query points only at a declared field of a record of its own subject (issue 14).

Before, ``table_name``/``record_id``/``field`` were stored as given: a query could name
``user_account.password_hash`` or another site's record. And another site's product lot,
given to the infusion, is not described (its lot number and chain-of-identity label).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cartrial.actor import Actor
from cartrial.errors import InputError, NotFoundError
from cartrial.services import admin, data, interlocks, product, treatment
from cartrial.services.context import Sessions, transaction
from cartrial.services.query_targets import QUERYABLE
from cartrial.store.accounts import actor_for
from cartrial.store.models import Subject, User
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import (
    INFUSION_AT,
    PASSWORD,
    ROOT,
    World,
    build_world,
    coi_of,
    enrolled,
    infused,
    lymphodepleted,
    with_lot,
)


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _monitor_at_a(world: World) -> Actor:
    """A monitor whose grant is for site A only."""
    admin.add_user(
        world.sessions,
        actor=ROOT,
        username="mon_a",
        full_name="Mia Monitor",
        password=PASSWORD,
        roles=[("monitor", "A")],
    )
    with world.sessions() as s:
        user = s.scalars(select(User).where(User.username == "mon_a")).one()
        return actor_for(s, user=user, role="monitor", site_code="A")


def _at_site_b(world: World, subject_id: str) -> None:
    """Move a subject to site B (a test shortcut, audited like any change)."""
    with transaction(world.sessions, ROOT, reason="test: the subject is at site B") as s:
        subject = s.get(Subject, subject_id)
        assert subject is not None
        subject.site_id = world.site_b


def _open(world: World, actor: Actor, subject_id: str, table: str, record: str, field: str) -> str:
    return data.open_query(
        world.sessions,
        actor=actor,
        subject_id=subject_id,
        table_name=table,
        record_id=record,
        field=field,
        text="please check",
    ).id


def test_the_declared_tables_are_the_subjects_trial_data_without_secrets() -> None:
    assert "user_account" not in QUERYABLE and "auth_session" not in QUERYABLE
    assert "api_token" not in QUERYABLE and "signature" not in QUERYABLE
    assert "data_query" not in QUERYABLE and "audit_entry" not in QUERYABLE
    assert {"subject", "lab_result", "adverse_event", "infusion", "visit"} <= set(QUERYABLE)
    assert "value" in QUERYABLE["lab_result"] and "weight_kg" in QUERYABLE["subject"]
    for fields in QUERYABLE.values():
        assert not {"id", "version", "subject_id", "password_hash", "token_sha256"} & set(fields)


def test_a_query_on_an_account_or_an_unknown_field_is_refused_naming_it(world: World) -> None:
    subject_id = enrolled(world)
    monitor = world.actors["monitor"]
    with world.sessions() as s:
        user_id = s.scalars(select(User.id).where(User.username == "coord_a")).one()
    with pytest.raises(InputError) as refused:
        _open(world, monitor, subject_id, "user_account", user_id, "password_hash")
    assert refused.value.field == "table_name" and "lab_result" in str(refused.value)
    with pytest.raises(InputError) as refused:
        _open(world, monitor, subject_id, "subject", subject_id, "password_hash")
    assert refused.value.field == "field" and "weight_kg" in str(refused.value)
    assert _open(world, monitor, subject_id, "subject", subject_id, "weight_kg")


def test_a_query_on_another_sites_record_is_not_found_and_another_subjects_is_refused(
    world: World,
) -> None:
    subject_id = enrolled(world)
    other_a = enrolled(world, "S-002")
    other_b = enrolled(world, "S-003")
    lot_b = with_lot(world, other_b, lot_number="L-003")
    _at_site_b(world, other_b)
    monitor_a = _monitor_at_a(world)
    hidden_or_missing = (
        ("subject", other_b),
        ("product_lot", lot_b),
        ("subject", "nope"),
        ("subject", "a\x00b"),  # no id holds NUL (PostgreSQL text cannot): not found
    )
    for table, record in hidden_or_missing:
        with pytest.raises(NotFoundError) as hidden:
            _open(world, monitor_a, subject_id, table, record, "status")
        assert str(hidden.value) == f"unknown {table} record {record!r}"
    with pytest.raises(InputError) as refused:
        _open(world, monitor_a, subject_id, "subject", other_a, "status")
    assert refused.value.field == "record_id" and "of subject S-001" in str(refused.value)
    own_lot = with_lot(world, subject_id)
    assert _open(world, monitor_a, subject_id, "product_lot", own_lot, "lot_number")


def test_the_api_answers_422_naming_the_field_and_404_for_another_sites_record(
    world: World,
) -> None:
    subject_id = enrolled(world)
    other_b = enrolled(world, "S-003")
    _at_site_b(world, other_b)
    client = TestClient(create_app(world.sessions))
    monitor = token(client, "mon", "monitor", None)
    _monitor_at_a(world)
    monitor_a = token(client, "mon_a", "monitor", "A")
    path = f"/api/v1/subjects/{subject_id}/queries"
    body = {"table_name": "user_account", "record_id": "x", "field": "password_hash", "text": "?"}
    assert error(client.post(path, json=body, headers=monitor)) == (
        422,
        "invalid_input",
        "table_name",
    )
    body = {"table_name": "subject", "record_id": other_b, "field": "status", "text": "?"}
    assert error(client.post(path, json=body, headers=monitor_a))[:2] == (404, "not_found")
    body["record_id"] = subject_id
    ok(client.post(path, json=body, headers=monitor_a), 201)


def test_another_sites_lot_is_refused_at_infusion_without_describing_it(world: World) -> None:
    subject_id = enrolled(world)
    with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    other_b = infused(world, "S-009")
    with world.sessions() as s:
        from cartrial.store.models import ProductLot

        lot_b = s.scalars(select(ProductLot).where(ProductLot.subject_id == other_b)).one()
    _at_site_b(world, other_b)
    answers = []
    for lot_id in (lot_b.id, "no-such-lot"):
        with pytest.raises(NotFoundError) as refused:
            treatment.record_infusion(
                world.sessions,
                actor=world.actors["coordinator"],
                subject_id=subject_id,
                lot_id=lot_id,
                scanned_chain_of_identity_id=coi_of(world, subject_id),
                cells_infused=7_000_000,
                started_at=INFUSION_AT,
            )
        answers.append(str(refused.value).replace(lot_id, "ID"))
    assert answers[0] == answers[1] == "unknown product lot 'ID'"
    assert lot_b.lot_number not in answers[0]


def test_finding_another_sites_lot_by_number_reads_as_a_missing_lot(world: World) -> None:
    """Before, the refusal named the lot's internal id, which a missing lot has not."""
    subject_id = enrolled(world)
    with_lot(world, subject_id)
    answers = []
    for key in ("L-001", "L-404"):
        with pytest.raises(NotFoundError) as refused:
            interlocks.find_lot(world.sessions, actor=world.actors["coordinator_b"], key=key)
        answers.append(str(refused.value).replace(key, "KEY"))
    assert answers == ["unknown product lot 'KEY'"] * 2


def test_another_sites_lot_and_query_are_refused_as_missing_not_by_their_subject(
    world: World,
) -> None:
    """Before, releasing, reading the custody of, or answering another site's lot or query
    answered "unknown subject '<its subject's id>'": the record existed, and whose it was."""
    from cartrial.services import read

    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id, release=False)
    query_id = _open(world, world.actors["monitor"], subject_id, "subject", subject_id, "code")
    other_site = world.actors["coordinator_b"]
    attempts: list[tuple[str, str, Callable[[], object]]] = [
        (
            "product lot",
            lot_id,
            lambda: product.release_lot(
                world.sessions,
                actor=other_site,
                lot_id=lot_id,
                viable_car_cells=1,
                is_released=True,
                note="x",
            ),
        ),
        (
            "product lot",
            lot_id,
            lambda: read.list_custody(world.sessions, actor=other_site, lot_id=lot_id),
        ),
        (
            "data query",
            query_id,
            lambda: data.answer_query(
                world.sessions, actor=other_site, query_id=query_id, answer="x"
            ),
        ),
    ]
    for what, record_id, attempt in attempts:
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert str(refused.value) == f"unknown {what} {record_id!r}"
        assert subject_id not in str(refused.value)


def test_another_sites_ae_visit_and_sample_are_refused_as_missing_not_by_their_subject(
    world: World,
) -> None:
    """The same rule for every record reached by its own id (access.load_record_subject):
    an AE (edit, observations), a visit date and an assay result of another site's subject
    answered "unknown subject '<its id>'" before; now they read as a missing record."""
    import datetime as dt
    from decimal import Decimal

    from cartrial.services import followup, read, safety
    from cartrial.store.models import Visit

    subject_id = infused(world)
    coordinator = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coordinator,
        subject_id=subject_id,
        term="Fatigue",
        onset_date=INFUSION_AT.date(),
        grading_scale="ctcae_v5",
        reported_grade=1,
    )
    sample = followup.record_sample(
        world.sessions,
        actor=coordinator,
        subject_id=subject_id,
        sample_code="TUBE-1",
        analyte="car_transgene_qpcr",
        matrix="blood",
        collected_at=INFUSION_AT + dt.timedelta(days=7),
        study_day=7,
    )
    with world.sessions() as s:
        visit = s.scalars(select(Visit).where(Visit.subject_id == subject_id)).first()
        assert visit is not None
        visit_id, visit_version = visit.id, visit.version
    other_site = world.actors["coordinator_b"]
    attempts: list[tuple[str, str, Callable[[], object]]] = [
        (
            "adverse event",
            ae.id,
            lambda: safety.update_adverse_event(
                world.sessions,
                actor=other_site,
                ae_id=ae.id,
                expected_version=ae.version,
                changes={"relatedness": "unrelated"},
                reason="x",
            ),
        ),
        (
            "adverse event",
            ae.id,
            lambda: read.list_ae_observations(world.sessions, actor=other_site, ae_id=ae.id),
        ),
        (
            "visit",
            visit_id,
            lambda: followup.record_visit_date(
                world.sessions,
                actor=other_site,
                visit_id=visit_id,
                expected_version=visit_version,
                actual_date=INFUSION_AT.date(),
            ),
        ),
        (
            "sample",
            sample.id,
            lambda: followup.record_assay_result(
                world.sessions,
                actor=other_site,
                sample_id=sample.id,
                test="car_transgene",
                value=Decimal(100),
                unit="copies/ug gDNA",
            ),
        ),
    ]
    for what, record_id, attempt in attempts:
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert str(refused.value) == f"unknown {what} {record_id!r}"
        assert subject_id not in str(refused.value)
