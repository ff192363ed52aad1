"""DLT adjudication and the committee's escalation decision through the pages.

Expected values: the fixture protocol (3+3 from level 1, a 28-day DLT window;
tests/store/data/store-protocol.yaml) and 3+3's rule (Storer 1989): a cohort of three
with windows open waits; with three DLT-free subjects it escalates.
"""

from __future__ import annotations

from sqlalchemy import select

from cartrial.store.models import DltAdjudication, EscalationDecision, Signature
from tests.store.trial import World, infused
from tests.web.site import PASSWORD, sign_in


def test_investigator_signs_the_engines_verdict_or_a_different_one_with_its_reason(
    world: World,
) -> None:
    subject_id = infused(world, "S-001")
    ada = sign_in(world, "investigator")
    page = ada.get(f"/subjects/{subject_id}/dlt")
    assert page.status_code == 200
    assert "I adjudicate this DLT" in page.text
    # infused 2026-03-06; today the 28-day window has closed without an AE: no DLT
    assert 'id="dlt-verdict">no' in page.text
    cora = sign_in(world, "coordinator")
    assert cora.post(f"/subjects/{subject_id}/dlt", {"password": PASSWORD}).status_code == 403

    no_reason = ada.post(f"/subjects/{subject_id}/dlt", {"outcome": "yes", "password": PASSWORD})
    assert no_reason.status_code == 422 and "the reason for an outcome" in no_reason.text
    wrong = ada.post(f"/subjects/{subject_id}/dlt", {"password": "nope"})
    assert wrong.status_code == 422 and "the password is wrong" in wrong.text
    assert ada.post(f"/subjects/{subject_id}/dlt", {"password": PASSWORD}).status_code == 303
    differs = ada.post(
        f"/subjects/{subject_id}/dlt",
        {"outcome": "yes", "reason": "grade 3 hepatitis judged related", "password": PASSWORD},
    )
    assert differs.status_code == 303
    with world.sessions() as s:
        rows = s.scalars(select(DltAdjudication).order_by(DltAdjudication.adjudicated_at)).all()
        assert [r.outcome for r in rows] == ["no", "yes"]
        assert rows[1].reason.startswith("adjudicator's decision yes: grade 3 hepatitis")
        assert "(engine: no:" in rows[1].reason
        assert len(s.scalars(select(Signature).where(Signature.meaning == "dlt")).all()) == 2


def test_the_committee_sees_the_cohort_and_signs_the_engines_decision(world: World) -> None:
    for code in ("S-001", "S-002", "S-003"):
        infused(world, code)
    sam = sign_in(world, "safety_committee")
    page = sam.get("/escalation")
    assert page.status_code == 200 and "I approve this escalation decision" in page.text
    # three infused at level 1 on 2026-03-06, windows closed, no AE: 3+3 escalates to 2
    assert 'id="recommendation">escalate to level 2' in page.text
    mo = sign_in(world, "monitor")
    assert "Sign the decision" not in mo.get("/escalation").text
    assert mo.post("/escalation", {"password": PASSWORD}).status_code == 403
    version = world.protocol_version
    other = sam.post("/escalation", {"version": version, "action": "stay", "password": PASSWORD})
    assert other.status_code == 422 and "the reason for an action" in other.text
    assert sam.post("/escalation", {"version": version, "password": PASSWORD}).status_code == 303
    with world.sessions() as s:
        decision = s.scalars(select(EscalationDecision)).one()
        assert (decision.action, decision.current_level, decision.next_level) == ("escalate", 1, 2)
