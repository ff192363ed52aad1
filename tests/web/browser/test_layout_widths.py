"""The live verdicts at a tablet's width (820 px) and at 1280 px, and the new pages.

Issue 17: "works at 1280 px and on a tablet width"; the verdicts are what only cartrial
shows while the coordinator types, so at 820 px they must be in view beside the form
while its first fields are typed (not below a form several screens long). Screenshots
(viewport only: what the coordinator sees) go to test-artifacts/web/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.store.trial import LD_LAST, World, infused
from tests.web.browser.conftest import served_world
from tests.web.browser.test_site_staff import _page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    yield from served_world(tmp_path_factory, "layout")


def _in_view(page: Any, selector: str) -> bool:
    """Whether the element is wholly inside the viewport as the page stands, and not narrow."""
    box = page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, r.left, r.right]; }",
    )
    size = page.viewport_size
    top, bottom, left, right = box
    return bool(top >= 0 and bottom <= size["height"] and left >= 0 and right <= size["width"])


@pytest.mark.parametrize("width", [820, 1280])
def test_screening_verdicts_are_in_view_while_typing(
    browser: Any, site: tuple[World, str], artifacts: Path, width: int
) -> None:
    _world, url = site
    cora = _page(browser, url, "coordinator", width=width)
    cora.goto(f"{url}/screen")
    cora.fill("#f-subject_id", f"W-{width}")
    cora.fill("#f-consent_date", "2026-01-10")
    cora.fill("#f-birth_date", "1970-05-01")
    cora.fill("#lab-0-value", "0.4")
    cora.wait_for_selector("#decision:has-text('not eligible')")
    cora.evaluate("window.scrollTo(0, 0)")
    assert _in_view(cora, "#decision"), width
    cora.screenshot(path=str(artifacts / f"20-screening-{width}px.png"))
    cora.locator("#lab-0-value").scroll_into_view_if_needed()  # further down: still in view
    cora.focus("#lab-0-value")
    assert _in_view(cora, "#decision") and _in_view(cora, "#lab-0-value"), width
    cora.screenshot(path=str(artifacts / f"20-screening-{width}px-at-labs.png"))
    cora.close()


@pytest.mark.parametrize("width", [820, 1280])
def test_crs_grade_is_in_view_while_typing(
    browser: Any, site: tuple[World, str], artifacts: Path, width: int
) -> None:
    world, url = site
    subject_id = infused(world, f"C-{width}")
    cora = _page(browser, url, "coordinator", width=width)
    cora.goto(f"{url}/subjects/{subject_id}/crs")
    cora.fill("#time", (LD_LAST + dt.timedelta(hours=92)).strftime("%Y-%m-%dT%H:%M"))
    cora.fill("#temperature", "38.6")
    cora.wait_for_selector("#grade-crs:has-text('ASTCT 2019 grade 1')")
    cora.evaluate("window.scrollTo(0, 0)")
    assert _in_view(cora, "#grade-crs"), width
    cora.screenshot(path=str(artifacts / f"21-crs-{width}px.png"))
    cora.close()


def test_samples_and_exports_pages(browser: Any, site: tuple[World, str], artifacts: Path) -> None:
    world, url = site
    subject_id = infused(world, "S-801")
    cora = _page(browser, url, "coordinator", width=820)
    cora.goto(f"{url}/subjects/{subject_id}/samples")
    cora.fill("#sample_code", "S-801-D7-Q")
    cora.fill("#study_day", "7")
    cora.click("text=Record the sample")
    cora.wait_for_selector("#result-form")
    cora.fill("#test", "CAR transgene copies")
    cora.fill("#value", "15400")
    cora.fill("#unit", "copies/mL")
    cora.click("text=Record the result")
    cora.wait_for_selector("#unit-err")
    assert "copies/ug gDNA" in cora.inner_text("#unit-err")
    cora.screenshot(path=str(artifacts / "22-samples-unit-refused.png"), full_page=True)
    cora.fill("#unit", "copies/µg gDNA")
    cora.fill("#lloq", "50")
    cora.click("text=Record the result")
    cora.wait_for_selector("td:has-text('15400 copies/µg gDNA')")
    cora.close()
    dana = _page(browser, url, "data_manager")
    dana.goto(f"{url}/exports")
    dana.screenshot(path=str(artifacts / "23-exports-data-manager.png"), full_page=True)
    with dana.expect_download() as download:
        dana.click("text=Download the ODM file")
    assert download.value.suggested_filename.endswith("-follow-up-odm.xml")
    dana.close()


def test_a_password_change_from_the_header_with_the_keyboard(
    browser: Any, site: tuple[World, str], artifacts: Path
) -> None:
    """The name in the header leads to /account; the form is filled and sent by keyboard
    alone; a wrong repeat is shown by its field, then the change goes through."""
    from tests.web.site import PASSWORD

    _world, url = site
    page = _page(browser, url, "monitor", width=820)
    page.click("header .who a[href='/account']")
    page.wait_for_url(url + "/account")
    page.focus("#current_password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type("another passphrase 2026")
    page.keyboard.press("Tab")
    page.keyboard.type("another passphrase 2027")
    page.keyboard.press("Enter")
    page.wait_for_selector("#repeat_password-err")
    assert "type the same one twice" in page.inner_text("#repeat_password-err")
    page.screenshot(path=str(artifacts / "24-account-repeat-differs-820px.png"), full_page=True)
    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", "another passphrase 2026")
    page.fill("#repeat_password", "another passphrase 2026")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Your password is changed")
    page.screenshot(path=str(artifacts / "24-account-changed-820px.png"), full_page=True)
    page.close()
