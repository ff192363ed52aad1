"""The dashboard and a subject page of the simulated szugh-msln-2024 trial (20 patients,
seed 1) at 1280 px and at a tablet's 820 px, for people to look at; the grid's
legend counts are checked against the stored visits (every visit is in one state)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cartrial.sim.trial.world import PASSWORD
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.models import Site, Subject, Visit
from tests.simulated_trials import SimulatedTrial
from tests.web.browser.conftest import serve


@pytest.fixture(scope="module")
def trial_site(
    szugh_trial: SimulatedTrial, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, str]]:
    copy = tmp_path_factory.mktemp("szugh-web") / "szugh.db"
    shutil.copy(szugh_trial.path, copy)
    sessions = make_sessionmaker(make_engine(f"sqlite:///{copy}"))
    for url in serve(sessions):
        yield sessions, url


def test_dashboard_and_subject_page_at_desktop_and_tablet_width(
    browser: Any, trial_site: tuple[Any, str], artifacts: Path
) -> None:
    sessions, url = trial_site
    with sessions() as s:
        code = s.scalars(select(Site.code).order_by(Site.code)).first()
        visits = s.scalar(
            select(func.count(Visit.id))
            .join(Subject, Subject.id == Visit.subject_id)
            .join(Site, Site.id == Subject.site_id)
            .where(Site.code == code)
        )
        subject_id = s.scalars(
            select(Subject.id)
            .join(Site, Site.id == Subject.site_id)
            .where(Site.code == code, Subject.dose_level.is_not(None))
            .order_by(Subject.code)
        ).first()
    for width in (1280, 820):
        page = browser.new_page(viewport={"width": width, "height": 1000})
        page.goto(url + "/")
        page.fill("#username", f"coordinator.{code.lower()}")
        page.fill("#password", PASSWORD)
        page.select_option("#role", "coordinator")
        page.fill("#site", code)
        page.click("button[type=submit]")
        page.wait_for_url(url + "/dashboard")
        legend = page.inner_text("ul.legend")
        counted = sum(int(n) for n in re.findall(r"\((\d+)\)", legend))
        assert counted == visits
        page.screenshot(path=str(artifacts / f"20-szugh-dashboard-{width}.png"))
        page.goto(f"{url}/subjects/{subject_id}")
        page.screenshot(path=str(artifacts / f"21-szugh-subject-{width}.png"))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the subject page scrolls sideways at {width} px"
        page.close()
