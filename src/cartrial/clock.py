"""What "now" is, and where new record ids come from: the system's, or a simulation's.

Every instant the store writes (audit entries, record timestamps, signatures)
comes from :func:`utcnow`, and every record id from :func:`new_id`. Outside a
simulation they are the server's clock in UTC and random UUID4s. The whole-trial
simulator (:mod:`cartrial.sim.trial`) runs the real services under a
:class:`SimulatedClock`: it advances time itself (no sleeping) and draws ids from
its seeded generator, so the same seed gives the same database and the same
audit-chain head (issue 11 section 3: reproducible).

The override is a context variable: it applies to the code running inside
:func:`simulated` in this thread only, never to a server's other requests.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

__all__ = ["SimulatedClock", "new_id", "simulated", "utcnow"]


class SimulatedClock:
    """A clock that moves only when told to, and a seeded source of record ids.

    >>> clock = SimulatedClock(dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC), seed=1)
    >>> clock.advance(dt.timedelta(hours=2)).isoformat()
    '2026-01-05T11:00:00+00:00'
    >>> clock.new_id() == SimulatedClock(clock.start, seed=1).new_id()
    True
    """

    def __init__(self, start: dt.datetime, *, seed: int) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock starts at an aware UTC instant")
        self.start = start.astimezone(dt.UTC)
        self._now = self.start
        self._ids = np.random.default_rng(np.random.SeedSequence([seed, 0x1D5]))

    def now(self) -> dt.datetime:
        """The simulated current instant (UTC)."""
        return self._now

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move forward by ``delta`` (never backwards); the new instant."""
        if delta < dt.timedelta(0):
            raise ValueError(f"the clock cannot go back ({delta})")
        self._now += delta
        return self._now

    def advance_to(self, instant: dt.datetime) -> dt.datetime:
        """Move forward to ``instant`` if it is later than now; the new instant."""
        if instant.tzinfo is None:
            raise ValueError("advance_to takes an aware instant")
        self._now = max(self._now, instant.astimezone(dt.UTC))
        return self._now

    def new_id(self) -> str:
        """A UUID4-shaped id from the seeded generator (version and variant bits set)."""
        return str(uuid.UUID(bytes=self._ids.bytes(16), version=4))


_CLOCK: ContextVar[SimulatedClock | None] = ContextVar("cartrial_clock", default=None)


def utcnow() -> dt.datetime:
    """The current instant in UTC: the server's clock, or the simulation's."""
    clock = _CLOCK.get()
    return dt.datetime.now(dt.UTC) if clock is None else clock.now()


def new_id() -> str:
    """A new record id: a random UUID4, or the simulation's next seeded one."""
    clock = _CLOCK.get()
    return str(uuid.uuid4()) if clock is None else clock.new_id()


@contextmanager
def simulated(clock: SimulatedClock) -> Iterator[SimulatedClock]:
    """Run the enclosed code on ``clock`` (this thread's context only)."""
    token = _CLOCK.set(clock)
    try:
        yield clock
    finally:
        _CLOCK.reset(token)
