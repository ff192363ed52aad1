"""Second writers get a conflict naming the record and both values, never a 500 or an overwrite.

21 CFR 11.10(e): a change must not obscure what was recorded before it. The
cases: a unique value written twice (collection id, lot number), two deaths of
one subject at once, two dates for one visit at once, a visit date written on a
stale version. Concurrency follows the AE "no lost update" test: two threads
released by a barrier. On PostgreSQL each writer is also held after its read
until the other has read (both read before either writes, the interleaving that
reaches the database's own checks); SQLite serialises writers (``BEGIN
IMMEDIATE`` at the first read), so there the second reads what the first wrote.
Expected values are written out by hand from the fixture trial (tests.store.trial).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cartrial.errors import CartrialError, ConflictError, DuplicateError, InvalidTransition
from cartrial.services import followup, product
from cartrial.services.context import Sessions, transaction
from cartrial.store.audit import verify_chain
from cartrial.store.models import Apheresis, AuditEntry, Death, ProductLot, Subject, Visit
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import UTC, World, build_world, coi_of, enrolled, infused

API = "/api/v1"


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def client(world: World) -> TestClient:
    return TestClient(create_app(world.sessions))


def _backend(world: World) -> str:
    return str(world.sessions.kw["bind"].dialect.name)


def _hold_after_reading(monkeypatch: pytest.MonkeyPatch, world: World, module: Any) -> None:
    """On PostgreSQL, each writer waits after loading the subject until both have loaded it."""
    if _backend(world) != "postgresql":
        return
    both_read = threading.Barrier(2)
    original = module.load_subject

    def load_then_wait(*args: Any, **kwargs: Any) -> Any:
        subject = original(*args, **kwargs)
        both_read.wait(timeout=30)
        return subject

    monkeypatch.setattr(module, "load_subject", load_then_wait)


def _race(writers: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run the writers at once; each one's result or the CartrialError it raised."""
    start = threading.Barrier(len(writers))
    outcomes: dict[str, object] = {}

    def run(name: str, write: Callable[[], object]) -> None:
        start.wait(timeout=30)
        try:
            outcomes[name] = write()
        except CartrialError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=run, args=item) for item in writers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) == set(writers), outcomes  # no thread died of anything else
    return outcomes


def _winner_and_loser(outcomes: dict[str, object]) -> tuple[str, str]:
    failed = [name for name, out in outcomes.items() if isinstance(out, CartrialError)]
    assert len(failed) == 1, outcomes
    loser = failed[0]
    return next(name for name in outcomes if name != loser), loser


# -- a value that must be unique ------------------------------------------------------------


def test_a_collection_id_already_recorded_is_a_409_naming_the_field_and_value(
    client: TestClient, world: World
) -> None:
    first, second = enrolled(world, "S-001"), enrolled(world, "S-002")
    coord = token(client, "coord_a", "coordinator", "A")
    body = {"collection_id": "APH-7", "collected_at": "2026-02-01T09:00:00Z"}
    one = ok(
        client.post(
            f"{API}/subjects/{first}/apheresis",
            json={**body, "chain_of_identity_id": coi_of(world, first)},
            headers=coord,
        ),
        201,
    )
    # another subject: the record already there is not described (it may be another site's)
    other = client.post(
        f"{API}/subjects/{second}/apheresis",
        json={**body, "chain_of_identity_id": coi_of(world, second)},
        headers=coord,
    )
    assert error(other) == (409, "conflict", "collection_id")
    assert other.json()["message"] == (
        "apheresis: collection_id 'APH-7' is already recorded (another record); nothing was stored"
    )
    # the same subject: both records are the writer's to read, so they are compared
    again = client.post(
        f"{API}/subjects/{first}/apheresis",
        json={
            **body,
            "chain_of_identity_id": coi_of(world, first),
            "collected_at": "2026-02-02T09:00:00Z",
        },
        headers=coord,
    )
    assert error(again) == (409, "conflict", "collection_id")
    assert again.json()["message"] == (
        f"apheresis: collection_id 'APH-7' is already recorded (apheresis {one['id']}: "
        "collected_at '2026-02-01T09:00:00.000000Z'); yours: collected_at "
        "'2026-02-02T09:00:00.000000Z'; nothing was stored"
    )
    with world.sessions() as s:
        assert s.scalars(select(Apheresis.subject_id)).all() == [first]
        # the refused transaction's status change went with it
        assert s.get(Subject, second).status == "enrolled"  # type: ignore[union-attr]
        assert verify_chain(s).is_intact


def test_a_lot_number_already_recorded_is_a_409_naming_the_field_and_value(
    client: TestClient, world: World
) -> None:
    subject_id = enrolled(world)
    coord = token(client, "coord_a", "coordinator", "A")
    collection = ok(
        client.post(
            f"{API}/subjects/{subject_id}/apheresis",
            json={
                "collection_id": "APH-1",
                "chain_of_identity_id": coi_of(world, subject_id),
                "collected_at": "2026-02-01T09:00:00Z",
            },
            headers=coord,
        ),
        201,
    )
    lots = f"{API}/apheresis/{collection['id']}/lots"
    lot = ok(client.post(lots, json={"lot_number": "L-42"}, headers=coord), 201)
    again = client.post(lots, json={"lot_number": "L-42"}, headers=coord)
    assert error(again) == (409, "conflict", "lot_number")
    assert again.json()["message"] == (
        f"product_lot: lot_number 'L-42' is already recorded (product_lot {lot['id']}, "
        "with the same values); nothing was stored"
    )
    with world.sessions() as s:
        assert s.scalars(select(func.count()).select_from(ProductLot)).one() == 1


def test_two_collections_with_one_id_at_once_store_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subjects = {"S-001": enrolled(world, "S-001"), "S-002": enrolled(world, "S-002")}
    _hold_after_reading(monkeypatch, world, product)

    def collect(code: str) -> Callable[[], object]:
        return lambda: product.record_apheresis(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subjects[code],
            collection_id="APH-RACE",
            chain_of_identity_id=coi_of(world, subjects[code]),
            collected_at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
        )

    outcomes = _race({code: collect(code) for code in subjects})
    winner, loser = _winner_and_loser(outcomes)
    refused = outcomes[loser]
    assert isinstance(refused, DuplicateError)
    assert (refused.table, refused.field, refused.value) == (
        "apheresis",
        "collection_id",
        "APH-RACE",
    )
    with world.sessions() as s:
        assert s.scalars(select(Apheresis.subject_id)).all() == [subjects[winner]]
        statuses = {code: s.get(Subject, sid).status for code, sid in subjects.items()}  # type: ignore[union-attr]
        assert statuses == {winner: "apheresed", loser: "enrolled"}
        assert verify_chain(s).is_intact


# -- two writers of one record --------------------------------------------------------------


def test_two_deaths_of_one_subject_at_once_store_one_and_refuse_the_other(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id = infused(world)
    _hold_after_reading(monkeypatch, world, followup)
    deaths = {
        "sepsis": dt.date(2026, 4, 20),
        "progressive disease": dt.date(2026, 4, 21),
    }

    def die(cause: str) -> Callable[[], object]:
        return lambda: followup.record_death(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            died_on=deaths[cause],
            cause=cause,
        )

    outcomes = _race({cause: die(cause) for cause in deaths})
    winner, loser = _winner_and_loser(outcomes)
    refused = outcomes[loser]
    if _backend(world) == "postgresql":
        # both read status 'infused'; the database refused the second death (one per subject)
        stored = outcomes[winner]
        assert isinstance(refused, DuplicateError) and isinstance(stored, Death)
        assert str(refused) == (
            f"death: subject_id '{subject_id}' is already recorded (death {stored.id}: "
            f"died_on '{deaths[winner].isoformat()}', cause '{winner}'); yours: "
            f"died_on '{deaths[loser].isoformat()}', cause '{loser}'; nothing was stored"
        )
    else:
        # the second writer read the first one's death: the lifecycle refuses a second
        assert isinstance(refused, InvalidTransition)
        assert str(refused) == (
            "subject S-001: status 'died' cannot become 'died'; allowed: none (final status)"
        )
    with world.sessions() as s:
        assert [(d.died_on, d.cause) for d in s.scalars(select(Death))] == [
            (deaths[winner], winner)
        ]
        status_entries = s.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.record_id == subject_id, AuditEntry.field == "status"
            )
        ).all()
        assert status_entries.count("died") == 1
        assert verify_chain(s).is_intact


def _d28(world: World, subject_id: str) -> Visit:
    with world.sessions() as s:
        return s.scalars(
            select(Visit).where(Visit.subject_id == subject_id, Visit.visit_code == "d28")
        ).one()


def test_two_dates_for_one_visit_at_once_keep_the_first_and_name_both_to_the_second(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id = infused(world)
    visit = _d28(world, subject_id)
    assert visit.version == 1
    _hold_after_reading(monkeypatch, world, followup)
    dates = {"coordinator": dt.date(2026, 4, 2), "investigator": dt.date(2026, 4, 3)}

    def date(who: str) -> Callable[[], object]:
        return lambda: followup.record_visit_date(
            world.sessions,
            actor=world.actors[who],
            visit_id=visit.id,
            expected_version=1,
            actual_date=dates[who],
        )

    outcomes = _race({who: date(who) for who in dates})
    winner, loser = _winner_and_loser(outcomes)
    refused = outcomes[loser]
    assert isinstance(refused, ConflictError)
    # the same answer on both backends: from the version check on SQLite, from the
    # database's refused UPDATE (StaleDataError, translated) on PostgreSQL
    assert (refused.table, refused.record_id, refused.field) == ("visit", visit.id, "actual_date")
    assert (refused.yours, refused.theirs, refused.version) == (
        dates[loser].isoformat(),
        dates[winner].isoformat(),
        2,
    )
    with world.sessions() as s:
        assert s.get(Visit, visit.id).actual_date == dates[winner]  # type: ignore[union-attr]
        updates = s.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.record_id == visit.id, AuditEntry.action == "update"
            )
        ).all()
        assert updates == [dates[winner].isoformat()]


def test_a_visit_date_on_a_stale_version_is_a_409_naming_both_dates(
    client: TestClient, world: World
) -> None:
    subject_id = infused(world)
    visit = _d28(world, subject_id)
    coord = token(client, "coord_a", "coordinator", "A")
    path = f"{API}/visits/{visit.id}"
    ok(client.patch(path, json={"expected_version": 1, "actual_date": "2026-04-02"}, headers=coord))
    late = client.patch(
        path,
        json={"expected_version": 1, "actual_date": "2026-04-03", "reason": "was the 3rd"},
        headers=coord,
    )
    assert error(late) == (409, "conflict", "actual_date")
    assert late.json()["message"] == (
        f"visit {visit.id} was changed by someone else (now version 2): field 'actual_date' "
        "is now '2026-04-02', you wrote '2026-04-03'; reload and re-apply"
    )
    assert _d28(world, subject_id).actual_date == dt.date(2026, 4, 2)


def test_a_failure_that_is_no_conflict_is_not_dressed_as_one(world: World) -> None:
    # A foreign key to nothing is a bug: it stays the database's error (HTTP 500).
    with (
        pytest.raises(IntegrityError),
        transaction(world.sessions, world.actors["coordinator"]) as s,
    ):
        s.add(Visit(subject_id="no-such-subject", visit_code="d0"))
