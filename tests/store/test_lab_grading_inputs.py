"""A lab entered through the API or the services is graded as ``cartrial safety grade-lab``
grades it (issue 12): baseline, anticoagulation, ULN/LLN and the unit reach the CTCAE
engine the same way, and are stored with the value (revision 0007).

Expectation (CTCAE v5.0 ALT increased, by hand): ALT 150 U/L, ULN 40, baseline 60 is
2.5 x an abnormal baseline, "1.5 - 3.0 x baseline if baseline was abnormal": grade 1.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import InputError
from cartrial.services import followup
from cartrial.services.context import Sessions
from cartrial.web.api import create_app
from tests.store.http import error, ok, token
from tests.store.trial import INFUSION_AT, World, build_world, infused

API = "/api/v1"
ALT = {
    "collected_at": "2026-03-10T08:00:00Z",
    "test": "alt",
    "value": "150",
    "unit": "U/L",
    "ctcae_term": "ALT increased",
    "uln": "40",
    "baseline": "60",
}


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _cli_grade(tmp_path: Path) -> dict[str, object]:
    row = {"term": "ALT increased", "value": 150, "unit": "U/L", "uln": 40, "baseline": 60}
    path = tmp_path / "alt.json"
    path.write_text(json.dumps({"labs": [row]}), encoding="utf-8")
    result = CliRunner().invoke(app, ["safety", "grade-lab", str(path), "--json"])
    assert result.exit_code == 0, result.output
    graded: dict[str, object] = json.loads(result.stdout)["labs"][0]
    return graded


def test_the_api_grades_alt_against_its_baseline_as_the_cli_does(
    world: World, tmp_path: Path
) -> None:
    client = TestClient(create_app(world.sessions))
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    lab = ok(client.post(f"{API}/subjects/{subject_id}/labs", json=ALT, headers=coord), 201)
    cli = _cli_grade(tmp_path)
    assert lab["derived_grade"] == cli["grade"] == 1
    assert lab["derivation_reason"] == cli["reason"]
    assert (Decimal(lab["uln"]), Decimal(lab["baseline"]), lab["lln"]) == (
        Decimal(40),
        Decimal(60),
        None,
    )
    assert (lab["ctcae_term"], lab["on_anticoagulation"]) == ("ALT increased", False)
    listed = ok(client.get(f"{API}/subjects/{subject_id}/labs", headers=coord))["items"]
    assert Decimal(listed[0]["baseline"]) == Decimal(60)


def test_the_api_refuses_a_unit_of_bananas_naming_the_field(world: World) -> None:
    client = TestClient(create_app(world.sessions))
    subject_id = infused(world)
    coord = token(client, "coord_a", "coordinator", "A")
    bad = client.post(
        f"{API}/subjects/{subject_id}/labs", json={**ALT, "unit": "bananas"}, headers=coord
    )
    assert error(bad) == (422, "invalid_input", "unit")
    assert (
        "got 'bananas', expected one of the units of alt: IU/L, U/L, ukat/L"
        in (bad.json()["message"])
    )


def test_a_term_that_grades_another_test_is_refused(world: World) -> None:
    subject_id = infused(world)
    with pytest.raises(InputError) as refused:
        followup.record_lab(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            collected_at=INFUSION_AT,
            test="platelets",
            value=Decimal(150),
            unit="x10^9/L",
            ctcae_term="ALT increased",
        )
    assert (refused.value.field, refused.value.value) == ("ctcae_term", "ALT increased")
    assert refused.value.expected == "a CTCAE v5.0 term graded from platelets"


def test_inr_on_anticoagulation_is_graded_against_its_baseline_and_stored_so(
    world: World,
) -> None:
    subject_id = infused(world)
    lab = followup.record_lab(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        collected_at=INFUSION_AT,
        test="inr",
        value=Decimal("2.6"),
        unit="ratio",
        ctcae_term="INR increased",
        baseline=Decimal("2.0"),
        on_anticoagulation=True,
    )
    # CTCAE v5.0: 2.6 / 2.0 = 1.3 x baseline, ">1 - 1.5 x baseline if on anticoagulation"
    assert lab.derived_grade == 1
    assert lab.on_anticoagulation is True
