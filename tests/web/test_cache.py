"""The kept page bodies: one render for many concurrent askers, bounded size."""

from __future__ import annotations

import threading
import time

import pytest

from cartrial.web.pages.cache import BodyCache, quarter_hour


def test_concurrent_askers_of_a_missing_key_share_one_render() -> None:
    cache: BodyCache[tuple[str, str, str]] = BodyCache(size=2)
    calls: list[int] = []

    def render() -> tuple[str, str, str]:
        calls.append(1)
        time.sleep(0.05)
        return "<p>body</p>", "A", "Dashboard"

    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_render("k", render)))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 8
    assert str(results[0][0]) == "<p>body</p>"  # type: ignore[index]
    for key in ("a", "b", "c"):
        cache.get_or_render(key, render)
    cache.get_or_render("k", render)  # evicted by the size bound: rendered again
    assert len(calls) == 5


def test_the_quarter_hour_is_the_key_time() -> None:
    stamp = quarter_hour()
    assert stamp[-2:] in ("00", "15", "30", "45")


def test_a_render_that_raises_keeps_nothing_and_leaves_nothing_behind() -> None:
    """A request for a subject out of scope (404) must not leave a lock per key behind:
    unknown ids sent in a loop would otherwise grow the worker's memory without bound."""
    cache: BodyCache[str] = BodyCache(size=4)

    def refuse() -> str:
        raise LookupError("subject not found")

    for n in range(100):
        with pytest.raises(LookupError):
            cache.get_or_render(f"missing-{n}", refuse)
    assert len(cache) == 0 and cache.rendering() == 0
    assert cache.get_or_render("missing-0", lambda: "now found") == "now found"


def test_a_key_keeps_only_its_latest_version_and_serves_it_to_older_readers() -> None:
    """Every write moves the audit head; a body kept per head left a dead copy per write
    until the size bound (a 30-minute soak grew the server by 25 MiB a minute). Now a key
    holds one version: a newer head renders and replaces it, an older head is served it
    (it was read after the older head, so it is at least as new)."""
    cache: BodyCache[str] = BodyCache(size=100)
    renders: list[int] = []

    def at(head: int) -> str:
        return cache.get_or_render(
            ("S-001", "site-A", "coordinator"),
            lambda: renders.append(head) or f"body at {head}",
            version=head,
        )

    for head in range(1, 51):  # 50 writes, each followed by a view
        assert at(head) == f"body at {head}"
    assert len(cache) == 1 and renders == list(range(1, 51))
    assert at(50) == "body at 50" and at(7) == "body at 50"  # kept; an older reader too
    assert renders == list(range(1, 51))
