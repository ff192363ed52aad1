"""Page-test fixtures: a migrated SQLite template per run, a fresh world per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.trial import World
from tests.web.site import migrated, world_at


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated(tmp_path_factory.mktemp("web") / "template.db")


@pytest.fixture
def world(web_template: Path, tmp_path: Path) -> World:
    return world_at(web_template, tmp_path / "trial.db")


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with test-sized cost (production keeps RFC 9106's profile)."""
    from argon2 import PasswordHasher

    from cartrial.store import accounts

    monkeypatch.setattr(
        accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
