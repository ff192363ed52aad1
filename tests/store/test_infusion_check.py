"""The infusion dry run: every interlock with its state and reason, nothing written.

The dry run and ``record_infusion`` run one list of checks
(:data:`cartrial.services.interlocks.INTERLOCKS`); the expected reasons are the
ones the refusal tests (test_infusion_interlocks.py) derive by hand for the
store-test protocol: level 1, 1 x 10^5 cells/kg x 70 kg, accepted 5.6-8.4 x 10^6.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InfusionRefused, InputError, NotFoundError
from cartrial.services import interlocks, treatment
from cartrial.services.context import Sessions
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.models import AuditEntry, Infusion
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import (
    INFUSION_AT,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    with_lot,
)

NAMES = [
    "hold",
    "status",
    "eligibility",
    "lymphodepletion_complete",
    "lymphodepletion_interval",
    "product_released",
    "chain_of_identity",
    "cell_dose",
]


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _written(sessions: Sessions) -> tuple[int, int]:
    with sessions() as s:
        audit = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
        infusions = s.scalar(select(func.count()).select_from(Infusion)) or 0
        return audit, infusions


def _states(check: interlocks.InfusionCheck) -> dict[str, str]:
    return {i.name: i.state for i in check.interlocks}


def test_a_ready_subject_passes_every_interlock_and_nothing_is_written(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    before = _written(world.sessions)
    check = interlocks.dry_run(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id="AXXXX26000001M",
        cells_infused=7_000_000,
        at=INFUSION_AT,
    )
    assert [i.name for i in check.interlocks] == NAMES
    assert set(_states(check).values()) == {"pass"} and check.verdict == "pass"
    reasons = {i.name: i.reason for i in check.interlocks}
    assert reasons["lymphodepletion_interval"] == (
        "72.0 h since the last lymphodepletion dose (2026-03-03T10:00:00.000000Z); "
        "the protocol requires at least 72 h"
    )
    assert reasons["cell_dose"] == (
        "cell dose 7 x 10^6 is inside dose level 1's accepted range 5.6 x 10^6-8.4 x 10^6 cells"
    )
    assert reasons["chain_of_identity"] == (
        "subject S-001, lot L-001 and bedside scan all read AXXXX26000001M"
    )
    assert _written(world.sessions) == before


def test_missing_inputs_are_not_checked_and_known_failures_still_fail(world: World) -> None:
    subject_id = enrolled(world)
    before = _written(world.sessions)
    check = interlocks.dry_run(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, at=INFUSION_AT
    )
    assert _states(check) == {
        "hold": "pass",
        "status": "fail",  # enrolled, not lymphodepleted
        "eligibility": "pass",
        "lymphodepletion_complete": "fail",
        "lymphodepletion_interval": "not_checked",  # no dose yet
        "product_released": "not_checked",
        "chain_of_identity": "not_checked",
        "cell_dose": "not_checked",
    }
    reasons = {i.name: i.reason for i in check.interlocks}
    assert reasons["status"] == "subject status is 'enrolled', expected 'lymphodepleted'"
    assert reasons["product_released"] == "no product lot given"
    assert reasons["chain_of_identity"] == (
        "subject S-001 has AXXXX26000001M, no lot given, no bedside scan given"
    )
    assert reasons["cell_dose"] == (
        "no cell count given; dose level 1's accepted range 5.6 x 10^6-8.4 x 10^6 cells"
    )
    assert check.verdict == "fail"
    wrong_scan = interlocks.dry_run(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        scanned_chain_of_identity_id="AXXXX26000002K",
    )
    assert _states(wrong_scan)["chain_of_identity"] == "fail"
    assert _written(world.sessions) == before


def test_only_unchecked_inputs_give_the_verdict_incomplete(world: World) -> None:
    subject_id = enrolled(world)
    with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    check = interlocks.dry_run(
        world.sessions, actor=world.actors["coordinator"], subject_id=subject_id, at=INFUSION_AT
    )
    assert check.verdict == "incomplete"
    assert [i.name for i in check.interlocks if i.state == "not_checked"] == [
        "product_released",
        "chain_of_identity",
        "cell_dose",
    ]


def test_dry_run_fails_exactly_the_interlocks_record_infusion_refuses_with(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id, release=False)
    lymphodepleted(world, subject_id, days=(-5,))
    early = INFUSION_AT - dt.timedelta(days=3)
    check = interlocks.dry_run(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=1,
        at=early,
    )
    failed = [i.reason for i in check.interlocks if i.state == "fail"]
    with pytest.raises(InfusionRefused) as refused:
        treatment.record_infusion(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            lot_id=lot_id,
            scanned_chain_of_identity_id=coi_of(world, subject_id),
            cells_infused=1,
            started_at=early,
        )
    assert refused.value.reasons == failed
    assert [i.name for i in check.interlocks if i.state == "fail"] == [
        "lymphodepletion_complete",
        "lymphodepletion_interval",
        "product_released",
        "cell_dose",
    ]


def test_another_sites_subject_and_lot_are_not_found(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    with pytest.raises(NotFoundError):
        interlocks.dry_run(
            world.sessions, actor=world.actors["coordinator_b"], subject_id=subject_id
        )
    with pytest.raises(NotFoundError, match="product lot"):
        interlocks.find_lot(world.sessions, actor=world.actors["coordinator_b"], key="L-001")
    assert interlocks.find_lot(world.sessions, actor=world.actors["monitor"], key="L-001") == lot_id
    with pytest.raises(InputError, match="field 'cells'"):
        interlocks.dry_run(
            world.sessions, actor=world.actors["monitor"], subject_id=subject_id, cells_infused=0
        )


def test_infusion_check_over_http(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    client = TestClient(create_app(world.sessions))
    coord = token(client, "coord_a", "coordinator", "A")
    other_site = token(client, "coord_b", "coordinator", "B")
    before = _written(world.sessions)  # after the logins, which are audited
    path = f"/api/v1/subjects/{subject_id}/infusion-check"
    params = {
        "lot_id": lot_id,
        "cells": "8400001",
        "scanned": "AXXXX26000001M",
        "at": "2026-03-06T10:00:00Z",
    }
    body = ok(client.get(path, params=params, headers=coord))
    assert body["verdict"] == "fail"
    assert [(i["name"], i["state"]) for i in body["interlocks"]] == [
        (n, "fail" if n == "cell_dose" else "pass") for n in NAMES
    ]
    assert body["interlocks"][-1]["reason"] == (
        "cell dose 8.400001 x 10^6 is outside dose level 1's accepted range "
        "5.6 x 10^6-8.4 x 10^6 cells"
    )
    assert body["message"] == "the infusion would be refused: 1 interlock(s) fail (cell_dose)"
    naive = client.get(path, params={"at": "2026-03-06T10:00:00"}, headers=coord)
    assert error(naive) == (422, "invalid_input", "at")
    assert error(client.get(path, params={"cells": "0"}, headers=coord))[:2] == (
        422,
        "invalid_input",
    )
    unknown_lot = client.get(path, params={"lot_id": "nope"}, headers=coord)
    assert error(unknown_lot)[:2] == (404, "not_found")
    assert error(client.get(path, headers=other_site))[:2] == (404, "not_found")
    assert _written(world.sessions) == before


def test_cli_infusion_check_prints_every_interlock_and_exits_0_or_2(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "trial.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    world = build_world(make_sessionmaker(make_engine(url)))
    subject_id = enrolled(world)
    with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    runner = CliRunner()
    base = ["infusion", "check", "S-001", "--url", url, "--lot", "L-001"]
    ready = [*base, "--cells", "7000000", "--scanned", "AXXXX26000001M"]
    result = runner.invoke(app, [*ready, "--at", "2026-03-06T10:00:00+00:00", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["verdict"], [i["name"] for i in body["interlocks"]]) == ("pass", NAMES)
    result = runner.invoke(app, [*base, "--at", "2026-03-05T10:00:00Z"])
    assert result.exit_code == 0, result.output
    assert all(name in result.stdout for name in NAMES)
    assert "not checked" in result.stdout and "only 48.0 h since the last" in result.stdout
    assert result.stdout.rstrip().endswith(
        "verdict: fail: the infusion would be refused: 1 interlock(s) fail "
        "(lymphodepletion_interval)"
    )
    naive = runner.invoke(app, [*base, "--at", "2026-03-05T10:00:00"])
    assert naive.exit_code == 2 and "field 'at'" in naive.output
    assert runner.invoke(app, [*base, "--cells", "0"]).exit_code == 2
    assert runner.invoke(app, ["infusion", "check", "S-404", "--url", url]).exit_code == 2
    assert runner.invoke(app, [*base[:4], "--url", url, "--lot", "L-404"]).exit_code == 2
    with make_sessionmaker(make_engine(url))() as s:
        assert s.scalar(select(func.count()).select_from(Infusion)) == 0
