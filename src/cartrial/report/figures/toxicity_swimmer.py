"""The CRS/ICANS swimmer of the safety page as SVG geometry (drawn by its template).

The lanes (one per infused patient, CRS and ICANS grade segments in study days) are
computed by :func:`cartrial.safety.swimmer.compute_swimmer_lanes`; this module only places
them: ``SwimmerAxis`` maps study days to pixels (8 px a day, a tick every 7 days from
the first lymphodepleting dose or day 0 to at least day 28, the usual CRS/ICANS
assessment window, Lee et al. 2019) and the template ``safety_tables.html.j2`` draws the
rectangles in :data:`~cartrial.report.figures.common.GRADE_COLOURS`. No plotting library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cartrial.safety.swimmer import Lane

__all__ = ["SwimmerAxis", "swimmer_axis"]


@dataclass(frozen=True)
class SwimmerAxis:
    """The lanes and the day-to-pixel scale of the SVG swimmer."""

    lanes: list[Lane]
    day_min: float
    day_max: float
    left: int = 110
    scale: float = 8.0

    @property
    def width(self) -> int:
        return int(self.left + (self.day_max - self.day_min) * self.scale + 40)

    @property
    def height(self) -> int:
        return 20 + 30 * len(self.lanes) + 30

    @property
    def ticks(self) -> list[int]:
        first = math.ceil(self.day_min / 7) * 7
        return list(range(first, math.ceil(self.day_max) + 1, 7))

    def x(self, day: float) -> str:
        return f"{self.left + (day - self.day_min) * self.scale:.1f}"

    def w(self, start: float, end: float) -> str:
        return f"{max(end - start, 0.1) * self.scale:.1f}"


def swimmer_axis(lanes: list[Lane]) -> SwimmerAxis:
    """The axis spanning every lane, day 0 and day 28 at least."""
    days = [d for lane in lanes for d in (lane.start_day, lane.end_day)] or [0.0, 28.0]
    return SwimmerAxis(lanes=lanes, day_min=min(min(days), 0.0), day_max=max(max(days), 28.0))
