"""Rendered page bodies kept while the data under them have not changed.

A dashboard or subject page body depends on the records (every change moves the
audit trail's head: :func:`cartrial.services.site_view.audit_head`), on who looks
(site scope and role: which links show) and on the date (visit states and windows
are counted on the site's calendar). The key holds all three; the time part is
the quarter hour, since every time zone's offset is a multiple of 15 minutes, so
a site's date never changes inside one. The per-user parts of a page (the
header's name and CSRF token) are rendered around the kept body on each request.

:func:`signed_in_at_head` checks the session (the one check of every page,
:func:`cartrial.services.auth.resolve_session_then`) and reads the head on the
same pooled connection, in the request's one trip to a worker thread.

Written here because it is a dictionary with a size bound; a general cache
library would add a dependency for ten lines.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cartrial.errors import AuthenticationError, PermissionDenied
from cartrial.services import auth, site_view
from cartrial.services.context import Sessions
from cartrial.store.models import utcnow
from cartrial.web.pages.deps import PageUser

__all__ = ["BodyCache", "quarter_hour", "signed_in_at_head"]

V = TypeVar("V")


def signed_in_at_head(sessions: Sessions, token: str) -> tuple[PageUser, int]:
    """The signed-in user of ``token`` and the audit trail's head (module doc).

    Runs in a worker thread (blocking reads); an unknown, ended or idle session, a
    deactivated account or a revoked grant is
    :class:`~cartrial.errors.AuthenticationError` (back to the login page saying
    why), as from ``deps.signed_in``.
    """
    try:
        actor, head = auth.resolve_session_then(sessions, token, site_view.audit_head_on)
    except PermissionDenied as exc:  # the grant is gone: sign in again, in a role still held
        raise AuthenticationError(str(exc)) from exc
    return PageUser(actor, token), head


def quarter_hour() -> str:
    """The current UTC quarter hour (``2026-03-06T10:15``)."""
    now = utcnow()
    return now.replace(minute=now.minute - now.minute % 15).strftime("%Y-%m-%dT%H:%M")


class BodyCache(Generic[V]):
    """A bounded, thread-safe map from a page's key to what was rendered for it.

    With ``version`` (the audit head the request read), a key holds only its latest
    rendering: a body kept at head ``m`` serves a request that read head ``n <= m``
    (it was read from a snapshot taken after ``m``, so it is at least as new as ``n``),
    and a request at a newer head renders again and replaces it. Before, the head was
    part of the key, so under writes every subject page left a dead copy behind until
    the size bound: a 30-minute soak grew the server by 25 MiB a minute.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, tuple[int, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Lock] = {}

    def _fresh(self, key: Hashable, version: int) -> tuple[int, V] | None:
        found = self._items.get(key)
        if found is not None and found[0] >= version:
            self._items.move_to_end(key)
            return found
        return None

    def get_or_render(self, key: Hashable, render: Callable[[], V], *, version: int = 0) -> V:
        """The value kept under ``key`` at ``version`` or newer, else ``render()``'s, kept.

        One thread renders a missing key while the others asking for it wait for
        that value (after a change, 32 users asking at once cost one render, not 32).
        A render that raises (a subject out of the user's scope) keeps nothing and
        leaves nothing behind.
        """
        with self._lock:
            found = self._fresh(key, version)
            if found is not None:
                return found[1]
            lock = self._rendering.setdefault(key, threading.Lock())
        try:
            with lock:
                with self._lock:
                    found = self._fresh(key, version)
                    if found is not None:
                        return found[1]
                kept = render()
                with self._lock:
                    current = self._items.get(key)
                    if current is None or current[0] < version:
                        self._items[key] = (version, kept)
                        self._items.move_to_end(key)
                    while len(self._items) > self._size:
                        self._items.popitem(last=False)
                return kept
        finally:
            with self._lock:
                if self._rendering.get(key) is lock:
                    del self._rendering[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def rendering(self) -> int:
        """How many keys are being rendered now (0 when idle)."""
        with self._lock:
            return len(self._rendering)
