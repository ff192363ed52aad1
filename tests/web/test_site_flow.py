"""A subject from screening to its day-1 CRS entry, through the pages.

Expected values are the fixture protocol's text (tests/store/data/store-protocol.yaml:
I1 aged 18-75, E1 ANC <= 0.5 x 10^9/L, 3+3 starting at level 1, infusion >= 72 h after
the last lymphodepletion dose) and the ASTCT 2019 consensus tables (Lee et al. 2019,
Table 3: fever alone is grade 1, hypotension without vasopressors grade 2, with one
vasopressor grade 3; Table 5/6: an ICE score of 7-9 is ICANS grade 1).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cartrial.safety.dlt import CRS
from cartrial.store.models import AdverseEvent, AuditEntry, Subject
from tests.store.trial import LD_LAST, World, coi_of, lymphodepleted, with_lot
from tests.web.site import PASSWORD, sign_in

RECORD = {
    "subject_id": "S-101",
    "consent_date": "2026-01-10",
    "birth_date": "1970-05-01",
    "labs[0].test": "anc",
    "labs[0].value": "1.5",
    "labs[0].unit": "x10^9/L",
}


def _subject_id(world: World, code: str) -> str:
    with world.sessions() as s:
        return s.scalars(select(Subject.id).where(Subject.code == code)).one()


def _screen(world: World, **changes: str) -> str:
    cora = sign_in(world, "coordinator")
    answer = cora.post(
        "/screen", {"protocol_version_id": world.protocol_version, **RECORD, **changes}
    )
    assert answer.status_code == 303, answer.text
    return _subject_id(world, changes.get("subject_id", RECORD["subject_id"]))


def test_live_verdicts_follow_the_protocols_criteria_and_store_nothing(world: World) -> None:
    cora = sign_in(world, "coordinator")
    base = {"protocol_version_id": world.protocol_version, **RECORD}
    ok = cora.post("/screen/preview", base)
    assert ok.status_code == 200
    assert "eligible: all 2 criteria met" in ok.text
    low = cora.post("/screen/preview", {**base, "labs[0].value": "0.4"})
    assert "not eligible" in low.text and "E1" in low.text
    old = cora.post("/screen/preview", {**base, "birth_date": "1940-01-01"})
    assert "not eligible" in old.text and "I1" in old.text
    with world.sessions() as s:
        assert s.scalars(select(Subject)).first() is None


def test_an_error_is_shown_next_to_its_field_in_the_engines_words(world: World) -> None:
    cora = sign_in(world, "coordinator")
    answer = cora.post(
        "/screen",
        {"protocol_version_id": world.protocol_version, **RECORD, "labs[0].unit": "g/L"},
    )
    assert answer.status_code == 422
    assert 'id="lab-0-unit"' in answer.text and 'aria-invalid="true"' in answer.text
    assert "one of the units of anc" in answer.text and "case-sensitive" in answer.text
    assert 'value="S-101"' in answer.text  # what was typed is kept


def test_screen_sign_enrol_infuse_and_grade_day_one(world: World) -> None:
    subject_id = _screen(world)
    cora = sign_in(world, "coordinator")
    page = cora.get(f"/subjects/{subject_id}")
    assert "eligible: all 2 criteria met" in page.text
    assert "eligibility is not signed by an investigator" in page.text

    # The enrolment page waits for the signature, in the service's words.
    waiting = cora.get(f"/subjects/{subject_id}/enrol")
    assert "Enrolment must wait: eligibility is not signed by an investigator" in waiting.text

    ada = sign_in(world, "investigator")
    form = ada.get(f"/subjects/{subject_id}/eligibility")
    assert "I confirm this subject&#39;s eligibility" in form.text
    wrong = ada.post(f"/subjects/{subject_id}/eligibility", {"password": "not it"})
    assert wrong.status_code == 422 and "the password is wrong" in wrong.text
    signed = ada.post(f"/subjects/{subject_id}/eligibility", {"password": PASSWORD})
    assert signed.status_code == 303
    assert "Signed by an investigator." in cora.get(f"/subjects/{subject_id}").text

    outlook = cora.get(f"/subjects/{subject_id}/enrol")
    assert "Dose level 1:" in outlook.text  # 3+3 starts at the protocol's level 1
    bad = cora.post(f"/subjects/{subject_id}/enrol", {"weight_kg": "seventy"})
    assert bad.status_code == 422 and "weight_kg" in bad.text
    assert cora.post(f"/subjects/{subject_id}/enrol", {"weight_kg": "70"}).status_code == 303

    lot_id = with_lot(world, subject_id)
    coi = coi_of(world, subject_id)
    at = (LD_LAST + dt.timedelta(hours=72)).strftime("%Y-%m-%dT%H:%M")  # site A is UTC
    bedside = {"lot_id": lot_id, "scanned": coi, "cells": "7000000", "at": at}
    refused = cora.post(f"/subjects/{subject_id}/infusion", bedside)
    assert refused.status_code == 409
    assert "Infusion refused." in refused.text
    assert (
        "subject status is &#39;manufacturing&#39;, expected &#39;lymphodepleted&#39;"
        in refused.text
    )

    lymphodepleted(world, subject_id)
    early = (LD_LAST + dt.timedelta(hours=71)).strftime("%Y-%m-%dT%H:%M")
    check = cora.post(f"/subjects/{subject_id}/infusion/check", {**bedside, "at": early})
    assert "fail" in check.text and "72" in check.text
    check = cora.post(f"/subjects/{subject_id}/infusion/check", bedside)
    assert "every interlock passes" in check.text
    assert cora.post(f"/subjects/{subject_id}/infusion", bedside).status_code == 303
    assert "Infusion (day 0)" in cora.get(f"/subjects/{subject_id}").text

    day1 = (LD_LAST + dt.timedelta(hours=72 + 20)).strftime("%Y-%m-%dT%H:%M")
    fever = {"time": day1, "temperature": "38.6"}
    assert "ASTCT 2019 grade 1" in cora.post(f"/subjects/{subject_id}/crs/preview", fever).text
    hypo = {**fever, "hypotension": "yes", "systolic": "84"}
    assert "ASTCT 2019 grade 2" in cora.post(f"/subjects/{subject_id}/crs/preview", hypo).text
    pressor = {**hypo, "vasopressor": "norepinephrine"}
    assert "ASTCT 2019 grade 3" in cora.post(f"/subjects/{subject_id}/crs/preview", pressor).text
    ice = {
        f"ice_{k}": v
        for k, v in {
            "orientation": "4",
            "naming": "3",
            "commands": "1",
            "writing": "0",
            "attention": "0",
        }.items()
    }
    icans = cora.post(f"/subjects/{subject_id}/crs/preview", {"time": day1, **ice})
    assert "ASTCT 2019 grade 1" in icans.text  # ICE 8 of 10

    assert cora.post(f"/subjects/{subject_id}/crs", fever).status_code == 303
    with world.sessions() as s:
        event = s.scalars(select(AdverseEvent).where(AdverseEvent.term == CRS)).one()
        assert (event.reported_grade, event.derived_grade) == (1, 1)
        assert event.onset_date == (LD_LAST + dt.timedelta(hours=92)).date()


def test_a_grade_zero_day_does_not_open_a_crs_event(world: World) -> None:
    from tests.store.trial import infused

    subject_id = infused(world, "S-200")
    cora = sign_in(world, "coordinator")
    day1 = (LD_LAST + dt.timedelta(hours=92)).strftime("%Y-%m-%dT%H:%M")
    answer = cora.post(f"/subjects/{subject_id}/crs", {"time": day1, "temperature": "37.1"})
    assert answer.status_code == 422
    assert "grade CRS 1 or more to open the AE" in answer.text.replace(
        "Cytokine release syndrome", "CRS"
    )
    with world.sessions() as s:
        assert s.scalars(select(AdverseEvent)).first() is None
        assert (
            s.scalars(select(AuditEntry).where(AuditEntry.table_name == "adverse_event")).first()
            is None
        )
