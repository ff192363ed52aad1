"""Browser tests: Playwright (the Python package) driving Debian's Chromium, no download.

One server per module (uvicorn in a thread) over a world built through the services.
Skipped with the reason when Chromium is missing, a failure under ``CI=true``.
Screenshots go to ``test-artifacts/web/`` (ignored by git); look at them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.store.trial import World

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "web"


def _unavailable() -> str | None:
    if not Path(CHROMIUM).exists():
        return "Chromium is not installed (make test installs Debian's chromium when it can)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed ([dev])"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires the browser tests)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(sessions: object) -> Iterator[str]:
    """The app over ``sessions`` on a free port, in a thread, until the generator closes."""
    import uvicorn

    from cartrial.web.api.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(sessions), host="127.0.0.1", port=port, log_level="warning")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def served_world(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[tuple[World, str]]:
    """A fresh page-test world (argon2 at test size) and its server's URL, for one module."""
    from argon2 import PasswordHasher

    from cartrial.store import accounts
    from tests.web.site import migrated, world_at

    folder = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        )
        world = world_at(migrated(folder / "template.db"), folder / "trial.db")
        for url in serve(world.sessions):
            yield world, url
