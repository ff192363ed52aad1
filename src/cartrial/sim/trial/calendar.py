"""The simulation's calendar: events in time order on a clock that only moves forward.

A discrete-event loop (what a trial's calendar is): every step of every patient
(screening, enrolment, apheresis, a lab draw, a scan, a DLT adjudication) is an
event at an instant; the loop pops the earliest, moves the
:class:`~cartrial.clock.SimulatedClock` to it and runs it, so services see the
simulated "now" and the live escalation engine sees only what was entered by
then. Ties keep the order in which events were scheduled, so a run is
reproducible. Why by hand: a heap of callables is all it takes; a simulation
framework (SimPy) would add processes and yields the trial does not need.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from cartrial.clock import SimulatedClock

__all__ = ["Calendar"]

Event = Callable[[], None]


@dataclass(order=True)
class _Entry:
    when: dt.datetime
    order: int
    label: str = field(compare=False)
    run: Event = field(compare=False)


class Calendar:
    """Events in time order on ``clock``."""

    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self._heap: list[_Entry] = []
        self._order = itertools.count()
        self.events_run = 0

    def at(self, when: dt.datetime, label: str, run: Event) -> None:
        """Schedule ``run`` at ``when`` (never before now: a late event runs now)."""
        when = max(when, self.clock.now())
        heapq.heappush(self._heap, _Entry(when, next(self._order), label, run))

    def __len__(self) -> int:
        return len(self._heap)

    def next_time(self) -> dt.datetime | None:
        """The instant of the next event, if any."""
        return self._heap[0].when if self._heap else None

    def run_next(self) -> str:
        """Move the clock to the earliest event and run it; its label."""
        entry = heapq.heappop(self._heap)
        self.clock.advance_to(entry.when)
        entry.run()
        self.events_run += 1
        return entry.label
