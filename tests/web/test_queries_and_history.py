"""Queries (open -> answered -> closed), a field's audit history, the casebook and the
dashboard, through the pages.

The dashboard's expected dates are hand-computed from the fixture protocol (visits d0
on day 0 with no window and d28 on day 28, window -3/+3 days; DLT window 28 days) and
the fixture's infusion at 2026-03-06 10:00 UTC on a UTC site.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from cartrial.services import followup, site_view
from cartrial.store.models import AuditEntry, DataQuery, Visit
from tests.store.trial import World, infused
from tests.web.site import sign_in


def _visit(world: World, subject_id: str, code: str) -> Visit:
    with world.sessions() as s:
        return s.scalars(
            select(Visit).where(Visit.subject_id == subject_id, Visit.visit_code == code)
        ).one()


def test_monitor_opens_coordinator_answers_monitor_closes(world: World) -> None:
    subject_id = infused(world, "S-001")
    visit = _visit(world, subject_id, "d28")
    mo = sign_in(world, "monitor")
    new = mo.get(
        f"/subjects/{subject_id}/queries/new?table=visit&record={visit.id}&field=actual_date"
    )
    assert new.status_code == 200 and "visit.actual_date" in new.text
    empty = mo.post(
        f"/subjects/{subject_id}/queries",
        {"table": "visit", "record": visit.id, "field": "actual_date", "text": " "},
    )
    assert empty.status_code == 422 and "the question to the site" in empty.text
    opened = mo.post(
        f"/subjects/{subject_id}/queries",
        {
            "table": "visit",
            "record": visit.id,
            "field": "actual_date",
            "text": "Day 28 visit date missing: please enter it.",
        },
    )
    assert opened.status_code == 303

    cora = sign_in(world, "coordinator")
    worklist = cora.get("/queries")
    assert "Day 28 visit date missing" in worklist.text and "Answer</button>" in worklist.text
    with world.sessions() as s:
        query_id = s.scalars(select(DataQuery.id)).one()
    assert cora.post(f"/queries/{query_id}/close", {"text": "done"}).status_code == 403
    assert (
        cora.post(f"/queries/{query_id}/answer", {"text": "Entered 2026-04-03."}).status_code == 303
    )
    assert mo.post(f"/queries/{query_id}/answer", {"text": "x"}).status_code == 403
    again = cora.post(f"/queries/{query_id}/answer", {"text": "twice"})
    assert again.status_code == 422 and "a query that is open" in again.text
    assert mo.post(f"/queries/{query_id}/close", {"text": "Thank you."}).status_code == 303
    with world.sessions() as s:
        query = s.get(DataQuery, query_id)
        assert query is not None and query.status == "closed"
        assert query.answer == "Entered 2026-04-03."
    assert "Day 28 visit date missing" not in cora.get("/queries").text
    assert "Day 28 visit date missing" in cora.get("/queries?all=true").text


def test_field_history_shows_who_when_old_new_and_reason(world: World) -> None:
    subject_id = infused(world, "S-001")
    visit = _visit(world, subject_id, "d28")
    coord = world.actors["coordinator"]
    visit = followup.record_visit_date(
        world.sessions,
        actor=coord,
        visit_id=visit.id,
        expected_version=visit.version,
        actual_date=dt.date(2026, 4, 2),
        reason=None,
    )
    followup.record_visit_date(
        world.sessions,
        actor=coord,
        visit_id=visit.id,
        expected_version=visit.version,
        actual_date=dt.date(2026, 4, 3),
        reason="transcription error",
    )
    mo = sign_in(world, "monitor")
    page = mo.get(f"/subjects/{subject_id}/history/{visit.id}?field=actual_date")
    assert page.status_code == 200
    assert "2026-04-02" in page.text and "2026-04-03" in page.text
    assert "transcription error" in page.text and "Cora Coordinator" in page.text
    assert "changed since first entry: actual_date" in page.text
    assert mo.get(f"/subjects/{subject_id}/history/not-a-record").status_code == 404


def test_the_casebook_page_is_an_audited_export_from_the_web(world: World) -> None:
    subject_id = infused(world, "S-001")
    cora = sign_in(world, "coordinator")
    book = cora.get(f"/subjects/{subject_id}/casebook")
    assert book.status_code == 200 and "S-001" in book.text
    assert "script-src" not in book.headers["content-security-policy"]
    assert "default-src 'none'" in book.headers["content-security-policy"]
    with world.sessions() as s:
        export = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert export.new_value is not None and export.new_value.endswith("source: web")


def test_dashboard_windows_and_visit_states_on_the_sites_date(world: World) -> None:
    subject_id = infused(world, "S-001")  # day 0 = 2026-03-06 (UTC site)
    now = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)
    board = site_view.dashboard(world.sessions, actor=world.actors["coordinator"], now=now)
    row = next(r for r in board.subjects if r.id == subject_id)
    assert row.visits["d0"].state == "overdue"  # 2026-03-06, no window, not entered
    d28 = row.visits["d28"]
    assert (d28.planned, d28.earliest, d28.latest) == (
        dt.date(2026, 4, 3),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 6),
    )
    assert d28.state == "planned"
    window = board.dlt_windows[0]
    assert (window.infused_on, window.ends_on, window.days_left) == (
        dt.date(2026, 3, 6),
        dt.date(2026, 4, 3),
        14,
    )
    due = site_view.dashboard(
        world.sessions,
        actor=world.actors["coordinator"],
        now=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )
    assert next(r for r in due.subjects if r.id == subject_id).visits["d28"].state == "due"
    other = site_view.dashboard(world.sessions, actor=world.actors["coordinator_b"], now=now)
    assert other.subjects == [] and other.dlt_windows == []

    page = sign_in(world, "coordinator").get("/dashboard").text
    assert "S-001" in page and "s-overdue" in page
    assert "infused <strong>1</strong>" in page


def test_a_kept_page_body_is_rendered_again_once_a_record_changes(world: World) -> None:
    from tests.store.trial import screened

    cora = sign_in(world, "coordinator")
    assert "S-050" not in cora.get("/dashboard").text
    subject_id = screened(world, "S-050")  # a write: the audit trail's head moves
    assert "S-050" in cora.get("/dashboard").text
    before = cora.get(f"/subjects/{subject_id}").text
    assert "eligibility is not signed by an investigator" in before
    from cartrial.services import screening
    from tests.web.site import PASSWORD

    screening.sign_eligibility(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
    )
    assert "Signed by an investigator." in cora.get(f"/subjects/{subject_id}").text


def test_a_visit_date_is_entered_and_a_stale_page_is_refused(world: World) -> None:
    subject_id = infused(world, "S-060")
    visit = _visit(world, subject_id, "d28")
    cora = sign_in(world, "coordinator")
    form = cora.get(f"/subjects/{subject_id}/visits/{visit.id}")
    assert "window 2026-03-31 to 2026-04-06" in form.text
    url = f"/subjects/{subject_id}/visits/{visit.id}"
    first = {"actual_date": "2026-04-02", "expected_version": str(visit.version)}
    assert cora.post(url, first).status_code == 303
    stale = cora.post(url, {**first, "actual_date": "2026-04-03", "reason": "typo"})
    assert stale.status_code == 409
    assert "2026-04-02" in stale.text and "2026-04-03" in stale.text
    assert sign_in(world, "coordinator_b").get(url).status_code == 404


def test_the_query_form_refuses_an_account_or_a_record_not_of_the_subject(world: World) -> None:
    """The page opens queries through the service's check (issue 14): a declared table and
    field of a record of this subject only."""
    subject_id = infused(world, "S-001")
    mo = sign_in(world, "monitor")
    account = mo.post(
        f"/subjects/{subject_id}/queries",
        {"table": "user_account", "record": "x", "field": "password_hash", "text": "hash?"},
    )
    assert account.status_code == 422 and "field &#39;table_name&#39;" in account.text
    missing = mo.post(
        f"/subjects/{subject_id}/queries",
        {"table": "visit", "record": "no-such-visit", "field": "actual_date", "text": "?"},
    )
    assert missing.status_code == 404
    with world.sessions() as s:
        assert s.scalars(select(DataQuery.id)).all() == []
