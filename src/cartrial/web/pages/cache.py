"""Rendered page bodies kept while the data under them have not changed.

A dashboard or subject page body depends on the records (every change moves the
audit trail's head: :func:`cartrial.services.site_view.audit_head`), on who looks
(site scope and role: which links show) and on the date (visit states and windows
are counted on the site's calendar). The key holds all three; the time part is
the quarter hour, since every time zone's offset is a multiple of 15 minutes, so
a site's date never changes inside one. The per-user parts of a page (the
header's name and CSRF token) are rendered around the kept body on each request.

Written here because it is a dictionary with a size bound; a general cache
library would add a dependency for ten lines.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup

from cartrial.store.models import utcnow

__all__ = ["BodyCache", "quarter_hour"]


def quarter_hour() -> str:
    """The current UTC quarter hour (``2026-03-06T10:15``)."""
    now = utcnow()
    return now.replace(minute=now.minute - now.minute % 15).strftime("%Y-%m-%dT%H:%M")


class BodyCache:
    """A bounded, thread-safe map from a page's key to its rendered body."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[Markup, str, str]] = OrderedDict()
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Lock] = {}

    def get_or_render(
        self, key: Hashable, render: Callable[[], tuple[str, str, str]]
    ) -> tuple[Markup, str, str]:
        """The kept (body, site code, title) under ``key``, else ``render()``'s, kept.

        One thread renders a missing key while the others asking for it wait for
        that body (after a change, 32 users asking at once cost one render, not 32).
        """
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            lock = self._rendering.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._items:
                    return self._items[key]
            html, site_code, title = render()
            kept = (Markup(html), site_code, title)  # rendered by the autoescaping environment
            with self._lock:
                self._items[key] = kept
                self._rendering.pop(key, None)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return kept
