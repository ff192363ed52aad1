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
