"""The subject casebook: 21 CFR 11.10(b) copies, 11.50 manifestations, Annex 11 section 8.2.

Expected strings are written out by hand; signature and audit times are pinned
by replacing the server clock the store reads (``utcnow``) for the signing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from cartrial.cli.main import app as cli
from cartrial.errors import InfusionRefused, InputError, NotFoundError
from cartrial.report.casebook import render_casebook_html
from cartrial.services import admin, casebook, followup, safety, screening, treatment
from cartrial.services.casebook import FORMS, Casebook, CaseRecord, assemble
from cartrial.services.context import Sessions
from cartrial.store import audit, signatures
from cartrial.store.audit import verify_chain
from cartrial.store.models import AuditEntry, EligibilityDecision, Record, Visit
from cartrial.web.api import create_app
from tests.store.trial import (
    INFUSION_AT,
    PASSWORD,
    PROTOCOL,
    ROOT,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    screened,
    screening_record,
    with_lot,
)

SIGNED_AT = dt.datetime(2026, 2, 20, 14, 5, 9, 250_000, tzinfo=dt.UTC)
MANIFEST = (
    "Signed by Ada Investigator (investigator) on 2026-02-20 14:05:09 UTC: "
    "I confirm this subject's eligibility"
)
CORRECTION = "source document: 39.4 C with hypotension, not 38.2 C"


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def _infused_with_corrected_ae(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """Screened, eligibility signed (clock pinned), enrolled, infused; an AE graded 2 then 3."""
    coord = world.actors["coordinator"]
    with monkeypatch.context() as m:
        m.setattr(signatures, "utcnow", lambda: SIGNED_AT)
        subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    treatment.record_infusion(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Fever",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="ctcae_v5",
        reported_grade=2,
    )
    safety.update_adverse_event(
        world.sessions,
        actor=coord,
        ae_id=ae.id,
        expected_version=1,
        changes={"reported_grade": 3},
        reason=CORRECTION,
    )
    return subject_id, ae.id


def _form(book: Casebook, key: str) -> tuple[CaseRecord, ...]:
    return next(f.records for f in book.forms if f.key == key)


def _field(record: CaseRecord, name: str) -> tuple[str | None, bool, str | None]:
    f = next(f for f in record.fields if f.name == name)
    return f.value, f.is_changed, f.first_value


def test_casebook_shows_the_signature_manifestation_and_the_corrected_ae_with_its_reason(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id, ae_id = _infused_with_corrected_ae(world, monkeypatch)
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )

    assert [f.key for f in book.forms] == [f.key for f in FORMS]
    (screening_record,) = _form(book, "screening")
    (decision,) = screening_record.children
    assert decision.title == "Eligibility decision: eligible"
    [signature] = decision.signatures
    assert signature.manifestation == MANIFEST
    assert (signature.is_valid, signature.status) == (True, "valid")
    assert [(v.id, v.verdict) for v in decision.verdicts] == [("I1", "met"), ("E1", "met")]

    (ae,) = _form(book, "adverse_events")
    assert (ae.record_id, ae.title) == (ae_id, "Fever (onset 2026-03-07)")
    assert ae.change_note == "changed since first entry: reported_grade"
    assert _field(ae, "reported_grade") == ("3", True, "2")
    assert _field(ae, "term") == ("Fever", False, None)
    update = ae.history[-1]
    assert (
        update.username,
        update.user_name,
        update.role,
        update.action,
        update.field,
        update.old_value,
        update.new_value,
        update.reason,
    ) == (
        "coord_a",
        "Cora Coordinator",
        "coordinator",
        "update",
        "reported_grade",
        "2",
        "3",
        CORRECTION,
    )
    assert [line.action for line in ae.history] == ["insert", "update"]
    (infusion,) = _form(book, "infusion")
    assert infusion.change_note == "unchanged since first entry"
    assert _field(infusion, "cells_infused") == ("7000000", False, None)

    page = render_casebook_html(book)
    assert MANIFEST.replace("'", "&#39;") in page
    row = (
        f'<td class="seq">{update.seq}</td><td class="at">{update.at:%Y-%m-%d %H:%M:%S} UTC</td>'
        '<td class="user">coord_a (Cora Coordinator)</td><td class="role">coordinator</td>'
        '<td class="action">update</td><td class="field">reported_grade</td>'
        '<td class="old">2</td><td class="new">3</td>'
        '<td class="reason">source document: 39.4 C with hypotension, not 38.2 C</td></tr>'
    )
    assert row in page
    assert '<span class="change-flag">changed since first entry: reported_grade</span>' in page
    assert (
        '<td class="field">reported_grade</td><td class="value">3</td>'
        '<td class="since">changed; first entered: 2</td>'
    ) in page


def test_changing_the_signed_decision_shows_the_signature_invalidated_with_both_versions(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id, _ae_id = _infused_with_corrected_ae(world, monkeypatch)
    with world.sessions() as s, s.begin():
        s.info.update(actor=world.actors["data_manager"], reason="reason text transcribed wrongly")
        s.scalars(select(EligibilityDecision)).one().reason = "all criteria met (corrected)"
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    (decision,) = _form(book, "screening")[0].children
    [signature] = decision.signatures
    expected = "invalidated: the record changed after signing (signed version 1, now 2)"
    assert (signature.is_valid, signature.status) == (False, expected)
    assert (signature.signed_version, signature.current_version) == (1, 2)
    assert decision.change_note == "changed since first entry: reason"
    page = render_casebook_html(book)
    assert (
        '<p class="signature invalid"><del class="manifest">'
        + MANIFEST.replace("'", "&#39;")
        + f'</del> <span class="sig-status">{expected}</span></p>'
    ) in page


def test_a_field_filled_after_entry_is_told_apart_from_a_changed_one(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id, _ae_id = _infused_with_corrected_ae(world, monkeypatch)
    with world.sessions() as s:
        d0 = s.scalars(select(Visit).where(Visit.visit_code == "d0")).one()
    followup.record_visit_date(
        world.sessions,
        actor=world.actors["coordinator"],
        visit_id=d0.id,
        expected_version=d0.version,
        actual_date=dt.date(2026, 3, 6),
    )
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    visits = {v.title: v for v in _form(book, "visits")}
    assert visits["Visit d0"].change_note == (
        "unchanged since first entry; entered after the record was created: actual_date"
    )
    assert visits["Visit d28"].change_note == "unchanged since first entry"
    (subject,) = _form(book, "subject")
    assert subject.title == "Subject S-001: infused, dose level 1"
    assert subject.change_note == (
        "changed since first entry: status; entered after the record was created: "
        "weight_kg, dose_level, chain_of_identity_id, enrolled_at"
    )
    assert _field(subject, "status") == ("infused", True, "screening")


def test_a_refused_infusion_is_in_the_subjects_audit_history(world: World) -> None:
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    with pytest.raises(InfusionRefused):
        treatment.record_infusion(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            lot_id=lot_id,
            scanned_chain_of_identity_id="BXXXX26000001Z",
            cells_infused=7_000_000,
            started_at=INFUSION_AT,
        )
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    (subject,) = _form(book, "subject")
    [refusal] = [line for line in subject.history if line.action == "refuse"]
    assert (refusal.table_name, refusal.field, refusal.username) == (
        "infusion",
        "interlock",
        "coord_a",
    )
    assert "BXXXX26000001Z" in (refusal.new_value or "")
    assert '<td class="action">refuse (infusion)</td><td class="field">interlock</td>' in (
        render_casebook_html(book)
    )


def test_a_site_b_coordinator_is_told_a_site_a_subject_does_not_exist(world: World) -> None:
    subject_id = enrolled(world)
    with pytest.raises(NotFoundError, match=f"unknown subject '{subject_id}'"):
        casebook.build_casebook(
            world.sessions, actor=world.actors["coordinator_b"], subject_id=subject_id, source="cli"
        )
    with pytest.raises(NotFoundError, match="unknown subject 'S-001'"):
        casebook.find_subject(world.sessions, actor=world.actors["coordinator_b"], key="S-001")
    assert casebook.find_subject(world.sessions, actor=world.actors["monitor"], key="S-001") == (
        subject_id
    )


def test_a_code_used_under_two_protocols_asks_for_the_id_naming_both(world: World) -> None:
    first = enrolled(world)
    amended = admin.register_protocol(
        world.sessions, actor=ROOT, yaml_text=PROTOCOL.read_text() + "# amendment 1\n"
    )
    second, _decision = screening.screen(
        world.sessions,
        actor=world.actors["coordinator"],
        site_id=world.site_a,
        protocol_version_id=amended.id,
        record=screening_record("S-001"),
    )
    with pytest.raises(InputError) as err:
        casebook.find_subject(world.sessions, actor=world.actors["monitor"], key="S-001")
    assert str(err.value) == (
        f"field 'subject': got 'S-001', expected a subject id: 2 subjects have this code "
        f"({first}, {second.id})"
    )
    assert casebook.find_subject(world.sessions, actor=world.actors["monitor"], key=second.id) == (
        second.id
    )


def test_a_hostile_stored_value_is_rendered_as_text(world: World) -> None:
    subject_id = enrolled(world)
    safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term='<script>alert("x")</script><img src=x onerror=alert(1)>',
        onset_date=dt.date(2026, 3, 7),
        grading_scale="ctcae_v5",
        reported_grade=1,
    )
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    page = render_casebook_html(book)
    assert "<script" not in page and "<img" not in page
    assert (
        '<td class="field">term</td><td class="value">&lt;script&gt;alert(&#34;x&#34;)'
        "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;</td>"
    ) in page


def test_stored_derivations_are_shown_as_stored(world: World) -> None:
    subject_id = enrolled(world)
    followup.record_lab(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        collected_at=INFUSION_AT,
        test="platelets",
        value=Decimal(20),
        unit="x10^9/L",
        ctcae_term="Platelet count decreased",
        lln=Decimal(150),
    )
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    (lab,) = _form(book, "labs")
    assert lab.title == "platelets 20 x10^9/L at 2026-03-06 10:00:00 UTC, grade 4"
    assert _field(lab, "derivation_reason")[0] == (
        "Platelet count decreased grade 4: 20 x10^9/L < 25 x10^9/L (CTCAE v5.0: <25.0 x 10e9 /L)"
    )
    assert (_field(lab, "engine_version")[0] or "").startswith("cartrial.safety ")


def test_the_header_names_the_generator_and_the_audit_chain_head(world: World) -> None:
    subject_id = enrolled(world)
    with world.sessions() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    assert (book.audit_head_seq, book.audit_head_sha256) == (last.seq, last.entry_sha256)
    assert (book.protocol_id, book.site_code, book.subject_code) == ("store-test", "A", "S-001")
    assert (book.generated_by, book.generated_role) == ("mon", "monitor")
    page = render_casebook_html(book)
    assert f'entry {last.seq}, SHA-256 <span class="hash">{last.entry_sha256}</span>' in page
    running = "store-test | site A | subject S-001 | generated "
    assert page.count(running) == len(FORMS)  # at the top of each form
    assert '@top-left { content: "store-test \\7c  site A \\7c  subject S-001' in page


def test_every_table_holding_subject_data_is_in_a_form() -> None:
    in_forms = {t.model.__tablename__ for f in FORMS for t in f.tables}
    linked = {
        m.class_.__tablename__ for m in Record.registry.mappers if "subject_id" in m.local_table.c
    }
    assert linked - in_forms == set()
    assert in_forms - linked == {"subject", "ae_observation", "custody_event"}
    for form in FORMS:  # every title names only columns of its table
        for table in form.tables:
            table.title.format_map({c.key: "x" for c in table.model.__table__.c})


# Site clock ----------------------------------------------------------------------------

#: Stored instant of the infusion: 01:30 on 10 March 2026 in Shenzhen (Asia/Shanghai, UTC+8).
SHENZHEN_INFUSION = dt.datetime(2026, 3, 9, 17, 30, tzinfo=dt.UTC)
#: When the casebook is read: 10:00 on 10 March 2026 in Shenzhen.
READ_AT = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


def test_every_time_is_on_the_sites_clock_with_the_utc_time_beside_it(
    sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build_world(sessions, zone_a="Asia/Shanghai")
    with monkeypatch.context() as m:
        m.setattr(signatures, "utcnow", lambda: SIGNED_AT)
        subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    with monkeypatch.context() as m:
        m.setattr(audit, "utcnow", lambda: SHENZHEN_INFUSION)
        treatment.record_infusion(
            world.sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            lot_id=lot_id,
            scanned_chain_of_identity_id=coi_of(world, subject_id),
            cells_infused=7_000_000,
            started_at=SHENZHEN_INFUSION,
        )
    monkeypatch.setattr(assemble, "utcnow", lambda: READ_AT)
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="cli"
    )
    assert book.time_zone == "Asia/Shanghai"
    manifest = (
        "Signed by Ada Investigator (investigator) on 2026-02-20 22:05:09 Asia/Shanghai "
        "(2026-02-20 14:05:09 UTC): I confirm this subject's eligibility"
    )
    assert [s.manifestation for s in book.signatures()] == [manifest]
    listed = casebook.list_signatures(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id
    )
    assert [s.manifestation for s in listed] == [manifest]
    (infusion,) = _form(book, "infusion")
    assert infusion.title == (
        "CAR-T infusion at 2026-03-10 01:30:00 Asia/Shanghai (2026-03-09 17:30:00 UTC)"
    )
    assert _field(infusion, "started_at")[0] == "2026-03-09T17:30:00.000000Z"  # as stored

    page = render_casebook_html(book)
    assert manifest.replace("'", "&#39;") in page
    assert (
        '<td class="field">started_at</td><td class="value">2026-03-10 01:30:00 Asia/Shanghai '
        "(2026-03-09 17:30:00 UTC)</td>"
    ) in page
    inserted = infusion.history[0]
    assert (
        f'<td class="seq">{inserted.seq}</td><td class="at">2026-03-10 01:30:00 Asia/Shanghai '
        "(2026-03-09 17:30:00 UTC)</td>"
    ) in page
    assert (
        "<tr><th>Generated</th><td>2026-03-10 10:00:00 Asia/Shanghai (2026-03-10 02:00:00 UTC) "
        "by mon (monitor)"
    ) in page
    assert "<tr><th>Site</th><td>A: Site A, clock Asia/Shanghai</td></tr>" in page
    running = (
        "store-test | site A | subject S-001 | generated 2026-03-10 10:00:00 Asia/Shanghai "
        "(2026-03-10 02:00:00 UTC) by mon | audit head"
    )
    assert page.count(running) == len(FORMS)


# Export entries ------------------------------------------------------------------------


def _last_entry(sessions: Sessions) -> AuditEntry:
    with sessions() as s:
        return s.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()


def test_taking_a_casebook_is_an_export_entry_naming_who_what_and_the_source(
    world: World,
) -> None:
    subject_id = screened(world)
    book = casebook.build_casebook(
        world.sessions, actor=world.actors["monitor"], subject_id=subject_id, source="api"
    )
    entry = _last_entry(world.sessions)
    assert entry.seq == book.audit_head_seq + 1
    # A screened subject: the subject, its screening record, its eligibility decision.
    assert (
        entry.action,
        entry.username,
        entry.role,
        entry.table_name,
        entry.record_id,
        entry.field,
        entry.new_value,
    ) == (
        "export",
        "mon",
        "monitor",
        "subject",
        subject_id,
        "casebook",
        f"casebook of subject S-001 (site A) as of audit entry {book.audit_head_seq}: "
        "3 record(s), 0 signature(s); source: api",
    )
    with world.sessions() as s:
        assert verify_chain(s).is_intact


def test_a_refused_casebook_leaves_no_export_entry(world: World) -> None:
    subject_id = screened(world)
    before = _last_entry(world.sessions).seq
    with pytest.raises(NotFoundError):
        casebook.build_casebook(
            world.sessions, actor=world.actors["coordinator_b"], subject_id=subject_id, source="api"
        )
    assert _last_entry(world.sessions).seq == before


# HTTP ----------------------------------------------------------------------------------


def _token(client: TestClient, username: str, role: str, site: str | None) -> dict[str, str]:
    reply = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": PASSWORD, "role": role, "site": site},
    )
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['token']}"}


def test_casebook_and_signatures_over_http_site_scoped(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    subject_id, _ae_id = _infused_with_corrected_ae(world, monkeypatch)
    client = TestClient(create_app(world.sessions))
    b = _token(client, "coord_b", "coordinator", "B")
    for path in ("casebook", "signatures"):
        reply = client.get(f"/api/v1/subjects/{subject_id}/{path}", headers=b)
        assert (reply.status_code, reply.json()["code"]) == (404, "not_found")

    inv = _token(client, "inv_a", "investigator", "A")
    reply = client.get(f"/api/v1/subjects/{subject_id}/casebook", headers=inv)
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/html; charset=utf-8"
    assert reply.headers["cache-control"] == "no-store"
    assert MANIFEST.replace("'", "&#39;") in reply.text
    assert "by inv_a (investigator)" in reply.text
    entry = _last_entry(world.sessions)
    assert (entry.action, entry.username, entry.record_id, entry.field) == (
        "export",
        "inv_a",
        subject_id,
        "casebook",
    )
    assert (entry.new_value or "").endswith("; source: api")

    mon = _token(client, "mon", "monitor", None)
    page: dict[str, Any] = client.get(
        f"/api/v1/subjects/{subject_id}/signatures", headers=mon
    ).json()
    assert page["total"] == 1
    [sig] = page["items"]
    assert {k: sig[k] for k in ("printed_name", "role", "meaning", "statement")} == {
        "printed_name": "Ada Investigator",
        "role": "investigator",
        "meaning": "eligibility",
        "statement": "I confirm this subject's eligibility",
    }
    assert (sig["signed_at"], sig["status"], sig["manifestation"]) == (
        "2026-02-20T14:05:09.250000Z",
        "valid",
        MANIFEST,
    )
    assert (sig["record_title"], sig["table_name"]) == (
        "Eligibility decision: eligible",
        "eligibility_decision",
    )


# CLI -----------------------------------------------------------------------------------


def test_cli_writes_the_casebook_and_names_an_unknown_subject(
    world: World, engine: Engine, tmp_path: Path
) -> None:
    enrolled(world)
    url = engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    out = tmp_path / "S-001.html"
    result = runner.invoke(cli, ["casebook", "S-001", "--out", str(out), "--url", url])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("casebook of subject S-001 (site A): ")
    assert result.output.endswith(f" bytes written to {out}\n")
    page = out.read_text(encoding="utf-8")
    assert "<h1>Subject casebook: S-001</h1>" in page
    assert "by cli:" in page
    entry = _last_entry(world.sessions)
    assert (entry.action, entry.table_name, entry.field) == ("export", "subject", "casebook")
    assert (entry.username or "").startswith("cli:")
    assert (entry.new_value or "").startswith(
        "casebook of subject S-001 (site A) as of audit entry"
    )
    assert (entry.new_value or "").endswith("; source: cli")

    result = runner.invoke(
        cli, ["casebook", "S-999", "--out", str(tmp_path / "x.html"), "--url", url]
    )
    assert result.exit_code == 2
    assert "unknown subject 'S-999'" in result.output
    assert not (tmp_path / "x.html").exists()
