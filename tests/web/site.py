"""A small trial for the page tests, built through the services (tests/store/trial.py's world),
and a browser-like client that signs in through the login page."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient

from cartrial.store import make_engine, make_sessionmaker, upgrade
from cartrial.web.api.app import create_app
from tests.store.trial import PASSWORD, World, build_world

__all__ = ["PASSWORD", "Staff", "csrf_of", "migrated", "sign_in", "world_at"]

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

#: The world's people: key -> (username, role, site code)
PEOPLE = {
    "investigator": ("inv_a", "investigator", "A"),
    "coordinator": ("coord_a", "coordinator", "A"),
    "coordinator_b": ("coord_b", "coordinator", "B"),
    "safety_committee": ("smc", "safety_committee", ""),
    "data_manager": ("dm", "data_manager", ""),
    "monitor": ("mon", "monitor", ""),
}


def migrated(path: Path) -> Path:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def world_at(template: Path, path: Path) -> World:
    shutil.copy(template, path)
    return build_world(make_sessionmaker(make_engine(f"sqlite:///{path}")))


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)


@dataclass
class Staff:
    """A signed-in browser: its client and the session's CSRF token."""

    client: TestClient
    csrf: str

    def post(self, url: str, data: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
        return self.client.post(
            url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=False, **kw
        )

    def get(self, url: str):  # type: ignore[no-untyped-def]
        return self.client.get(url, follow_redirects=False)


def sign_in(world: World, who: str) -> Staff:
    username, role, site = PEOPLE[who]
    client = TestClient(create_app(world.sessions))
    login = client.get("/")
    answer = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "role": role,
            "site": site,
            "csrf_token": csrf_of(login.text),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return Staff(client, csrf_of(client.get("/dashboard").text))
