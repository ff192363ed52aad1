"""HTML rendering of the safety tables and the CRS/ICANS swimmer plot (Jinja2 template)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined

from cartrial.safety.swimmer import GRADE_COLOURS, Lane, compute_swimmer_lanes
from cartrial.safety.tables import SafetyTables, percent

__all__ = ["render_safety_html"]


@dataclass(frozen=True)
class _Axis:
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


def render_safety_html(tables: SafetyTables) -> str:
    """The full HTML page: TEAE, CRS/ICANS, DLT tables, SAE/AESI listings, swimmer plot."""
    env = Environment(
        loader=PackageLoader("cartrial.safety", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    lanes = compute_swimmer_lanes(tables.patients)
    days = [d for lane in lanes for d in (lane.start_day, lane.end_day)] or [0.0, 28.0]
    axis = _Axis(lanes=lanes, day_min=min(min(days), 0.0), day_max=max(max(days), 28.0))
    return env.get_template("safety_tables.html.j2").render(
        t=tables, percent=percent, swim=axis, colours=GRADE_COLOURS
    )
