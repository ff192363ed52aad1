"""Every page about a site names the site and its time zone in the header.

The pages are found from the routers (a new page must join the table below); site A
keeps Asia/Shanghai here, so the zone shown is the site's, not the server's (UTC).
A site user sees their site on every page; a sponsor-wide user sees the subject's site
on a subject's pages and no site on pages that span the sites.
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

import cartrial.web.pages
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.models import Visit
from tests.store.trial import World, build_world, infused
from tests.web.site import sign_in

HEADER = '<span class="site">site A · Asia/Shanghai</span>'

#: GET page -> who looks at it (a role that may open it) and whether it is about one subject
PAGES = {
    "/dashboard": ("coordinator", False),
    "/queries": ("coordinator", False),
    "/screen": ("coordinator", False),
    "/exports": ("coordinator", False),
    "/account": ("coordinator", False),
    "/escalation": ("coordinator", False),
    "/subjects/{subject_id}": ("coordinator", True),
    "/subjects/{subject_id}/eligibility": ("investigator", True),
    "/subjects/{subject_id}/enrol": ("coordinator", True),
    "/subjects/{subject_id}/infusion": ("coordinator", True),
    "/subjects/{subject_id}/product": ("coordinator", True),
    "/subjects/{subject_id}/crs": ("coordinator", True),
    "/subjects/{subject_id}/labs": ("coordinator", True),
    "/subjects/{subject_id}/vitals": ("coordinator", True),
    "/subjects/{subject_id}/adverse-events": ("coordinator", True),
    "/subjects/{subject_id}/tumour": ("coordinator", True),
    "/subjects/{subject_id}/samples": ("coordinator", True),
    "/subjects/{subject_id}/dlt": ("investigator", True),
    "/subjects/{subject_id}/visits/{visit_id}": ("coordinator", True),
    "/subjects/{subject_id}/history/{record_id}": ("coordinator", True),
    "/subjects/{subject_id}/queries/new": ("monitor", True),
}
#: Not pages with the app's header: the sign-in page (nobody signed in), the casebook (a
#: printable document naming site and zone in its own heading), a redirect to it.
OTHERS = {"/", "/subjects/{subject_id}/casebook", "/exports/casebook"}


def _get_pages() -> set[str]:
    found = set()
    for info in pkgutil.iter_modules(cartrial.web.pages.__path__):
        router = getattr(importlib.import_module(f"cartrial.web.pages.{info.name}"), "router", None)
        for route in router.routes if router is not None else ():
            if "GET" in route.methods:
                found.add(route.path)
    return found


@pytest.fixture
def shanghai(web_template: Path, tmp_path: Path) -> World:
    shutil.copy(web_template, tmp_path / "sh.db")
    sessions = make_sessionmaker(make_engine(f"sqlite:///{tmp_path / 'sh.db'}"))
    return build_world(sessions, zone_a="Asia/Shanghai")


def test_every_page_is_in_the_table() -> None:
    assert _get_pages() == set(PAGES) | OTHERS


def test_every_site_page_names_the_site_and_its_zone(shanghai: World) -> None:
    subject_id = infused(shanghai, "S-001")
    with shanghai.sessions() as s:
        visit_id = s.scalars(select(Visit.id).where(Visit.subject_id == subject_id)).first()
    ids = {"subject_id": subject_id, "visit_id": visit_id, "record_id": visit_id}
    staff = {who: sign_in(shanghai, who) for who in ("coordinator", "investigator", "monitor")}
    for path, (who, _about_subject) in PAGES.items():
        answer = staff[who].get(
            path.format(**ids) + ("?table=visit&field=x" if "new" in path else "")
        )
        assert answer.status_code == 200, (path, answer.status_code)
        assert HEADER in answer.text, path
    monitor = staff["monitor"]
    for path, (_who, about_subject) in PAGES.items():
        answer = monitor.get(path.format(**ids) + ("?table=visit&field=x" if "new" in path else ""))
        if answer.status_code != 200:
            continue  # a site-staff form (403): the role matrix tests it
        assert (HEADER in answer.text) is about_subject, path
