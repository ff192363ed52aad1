"""Site staff at work in a real browser (issue 17's browser tests).

A coordinator screens, enrols, infuses and enters day-1 CRS data; the investigator
signs eligibility; a monitor opens a query and the coordinator answers; a coordinator
of another site gets the 404 page; a keyboard-only pass through the screening form.
Expected values: the fixture protocol (tests/store/data/store-protocol.yaml) and ASTCT
2019 (Lee et al. 2019, Table 3: fever alone is CRS grade 1).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cartrial.store.models import Subject, Visit
from tests.store.trial import LD_LAST, World, coi_of, infused, lymphodepleted, with_lot
from tests.web.browser.conftest import served_world
from tests.web.site import PASSWORD, PEOPLE


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    yield from served_world(tmp_path_factory, "browser")


def _page(browser: Any, url: str, who: str, width: int = 1280) -> Any:
    page = browser.new_page(viewport={"width": width, "height": 900})
    username, role, site_code = PEOPLE[who]
    page.goto(url + "/")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.select_option("#role", role)
    page.fill("#site", site_code)
    page.click("button[type=submit]")
    page.wait_for_url(url + "/dashboard")
    return page


def _subject_id(world: World, code: str) -> str:
    with world.sessions() as s:
        return s.scalars(select(Subject.id).where(Subject.code == code)).one()


def test_coordinator_screens_enrols_infuses_and_enters_day_one(
    browser: Any, site: tuple[World, str], artifacts: Path
) -> None:
    world, url = site
    cora = _page(browser, url, "coordinator")
    cora.click("text=Screen a subject")
    cora.fill("#f-subject_id", "S-701")
    cora.fill("#f-consent_date", "2026-01-10")
    cora.fill("#f-birth_date", "1970-05-01")
    cora.fill("#lab-0-value", "0.4")
    cora.wait_for_selector("#decision:has-text('not eligible')")
    cora.fill("#lab-0-value", "1.5")
    cora.wait_for_selector("#decision:has-text('eligible: all 2 criteria met')")
    cora.screenshot(path=str(artifacts / "01-screening-live-verdicts.png"), full_page=True)
    cora.click("text=Save screening record")
    cora.wait_for_selector("h1:has-text('Subject S-701')")
    subject_id = _subject_id(world, "S-701")

    ada = _page(browser, url, "investigator")
    ada.goto(f"{url}/subjects/{subject_id}/eligibility")
    assert "I confirm this subject's eligibility" in ada.inner_text("#meaning")
    ada.fill("#password", "not my password")
    ada.click("text=Sign eligibility")
    ada.wait_for_selector("#password-err")
    ada.screenshot(path=str(artifacts / "02-signature-wrong-password.png"), full_page=True)
    ada.fill("#password", PASSWORD)
    ada.click("text=Sign eligibility")
    ada.wait_for_selector("text=Signed by an investigator.")

    cora.goto(f"{url}/subjects/{subject_id}/enrol")
    assert cora.inner_text("#outlook").startswith("Dose level 1:")
    cora.fill("#weight_kg", "70")
    cora.screenshot(path=str(artifacts / "03-enrolment.png"), full_page=True)
    cora.click("button[type=submit]:has-text('Enrol')")
    cora.wait_for_selector("h1:has-text('enrolled')")

    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    cora.goto(f"{url}/subjects/{subject_id}/infusion")
    cora.select_option("#lot_id", lot_id)
    cora.fill("#cells", "7000000")
    cora.fill("#at", (LD_LAST + dt.timedelta(hours=70)).strftime("%Y-%m-%dT%H:%M"))
    cora.fill("#scanned", "WRONG-LABEL")
    cora.wait_for_selector("#verdict:has-text('fail')")
    cora.click("text=Record the infusion")
    cora.wait_for_selector("#refused")
    cora.screenshot(path=str(artifacts / "04-infusion-refused.png"), full_page=True)
    cora.fill("#scanned", coi_of(world, subject_id))
    cora.fill("#at", (LD_LAST + dt.timedelta(hours=72)).strftime("%Y-%m-%dT%H:%M"))
    cora.wait_for_selector("#verdict:has-text('every interlock passes')")
    cora.screenshot(path=str(artifacts / "05-infusion-check-passes.png"), full_page=True)
    cora.click("text=Record the infusion")
    cora.wait_for_selector("h1:has-text('infused')")

    cora.click("text=Daily CRS/ICANS")
    cora.fill("#time", (LD_LAST + dt.timedelta(hours=92)).strftime("%Y-%m-%dT%H:%M"))
    cora.fill("#temperature", "38.6")
    cora.wait_for_selector("#grade-crs:has-text('ASTCT 2019 grade 1')")
    cora.screenshot(path=str(artifacts / "06-day1-crs-live-grade.png"), full_page=True)
    cora.click("text=Save the observations")
    cora.wait_for_selector("td:has-text('Cytokine release syndrome')")
    cora.screenshot(path=str(artifacts / "07-subject-page.png"), full_page=True)
    for page in (cora, ada):
        page.close()


def test_monitor_opens_a_query_and_the_coordinator_answers(
    browser: Any, site: tuple[World, str], artifacts: Path
) -> None:
    world, url = site
    subject_id = infused(world, "S-702")
    with world.sessions() as s:
        visit_id = s.scalars(
            select(Visit.id).where(Visit.subject_id == subject_id, Visit.visit_code == "d28")
        ).one()
    mo = _page(browser, url, "monitor")
    mo.goto(f"{url}/subjects/{subject_id}")
    mo.click(f"a[href*='record={visit_id}']")
    mo.fill("#text", "Day 28 date missing: please enter it.")
    mo.click("text=Open the query")
    mo.wait_for_selector("td:has-text('Day 28 date missing')")

    cora = _page(browser, url, "coordinator")
    cora.click("nav >> text=Queries")
    cora.fill("textarea", "Entered from the source notes.")
    cora.screenshot(path=str(artifacts / "08-query-worklist.png"), full_page=True)
    cora.click("button:has-text('Answer')")
    cora.wait_for_selector("td:has-text('Entered from the source notes.')")
    mo.goto(f"{url}/queries")
    assert "answered" in mo.inner_text("table")
    for page in (cora, mo):
        page.close()


def test_a_coordinator_of_another_site_gets_404(
    browser: Any, site: tuple[World, str], artifacts: Path
) -> None:
    world, url = site
    subject_id = infused(world, "S-703")
    ben = _page(browser, url, "coordinator_b")
    answer = ben.goto(f"{url}/subjects/{subject_id}")
    assert answer.status == 404
    assert "S-703" not in ben.content()
    ben.screenshot(path=str(artifacts / "09-another-site-404.png"))
    ben.close()


def test_keyboard_only_through_the_screening_form(
    browser: Any, site: tuple[World, str], artifacts: Path
) -> None:
    world, url = site
    cora = _page(browser, url, "coordinator", width=820)  # a tablet's width
    cora.goto(f"{url}/screen")
    cora.keyboard.press("Tab")  # the skip link comes first
    assert cora.evaluate("document.activeElement.className") == "skip"
    for _ in range(40):
        cora.keyboard.press("Tab")
        if cora.evaluate("document.activeElement.id") == "f-subject_id":
            break
    cora.keyboard.type("S-704")
    cora.keyboard.press("Tab")
    assert cora.evaluate("document.activeElement.id") == "f-consent_date"
    cora.keyboard.type("01102026")  # a date input takes its parts as typed (month/day/year)
    for _ in range(60):
        cora.keyboard.press("Tab")
        if cora.evaluate("document.activeElement.id") == "f-birth_date":
            break
    cora.keyboard.type("05011970")
    for _ in range(60):
        cora.keyboard.press("Tab")
        if cora.evaluate("document.activeElement.id") == "lab-0-value":
            break
    cora.keyboard.type("1.5")
    cora.wait_for_selector("#decision:has-text('eligible: all 2 criteria met')")
    cora.screenshot(path=str(artifacts / "10-keyboard-screening-tablet.png"), full_page=False)
    cora.keyboard.press("Enter")  # submits the form from a text input
    cora.wait_for_selector("h1:has-text('Subject S-704')")
    assert _subject_id(world, "S-704")
    cora.close()


def test_the_investigator_adjudicates_a_dlt(
    browser: Any, site: tuple[World, str], artifacts: Path
) -> None:
    world, url = site
    with world.sessions() as s:  # an earlier test's subject: infused 2026-03-06, no AE since
        subject_id = s.scalars(
            select(Subject.id).where(Subject.status == "infused").order_by(Subject.code)
        ).first() or infused(world, "S-705")
    ada = _page(browser, url, "investigator")
    ada.goto(f"{url}/subjects/{subject_id}")
    ada.click("text=DLT adjudication")
    assert ada.inner_text("#dlt-verdict").startswith("no")
    assert "I adjudicate this DLT" in ada.inner_text("#meaning")
    ada.fill("#password", PASSWORD)
    ada.click("text=Sign the adjudication")
    ada.wait_for_selector("section >> td:has-text('no')")
    ada.screenshot(path=str(artifacts / "11-dlt-adjudication.png"), full_page=True)
    ada.close()
