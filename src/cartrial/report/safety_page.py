"""The safety tables as one HTML page, with the CRS/ICANS swimmer as inline SVG.

The tables (TEAE by SOC/term and worst CTCAE v5.0 grade, CRS/ICANS by ASTCT 2019 grade,
DLTs, SAE and AESI listings) are computed by :func:`cartrial.safety.tables.compute_safety_tables`
and the swimmer lanes by :func:`cartrial.safety.swimmer.compute_swimmer_lanes`; this module
only renders them (template ``safety_tables.html.j2``).
"""

from __future__ import annotations

from cartrial.report.environment import render
from cartrial.report.figures.common import GRADE_COLOURS
from cartrial.report.figures.toxicity_swimmer import swimmer_axis
from cartrial.safety.swimmer import compute_swimmer_lanes
from cartrial.safety.tables import SafetyTables, percent

__all__ = ["render_safety_html"]


def render_safety_html(tables: SafetyTables) -> str:
    """The full HTML page: TEAE, CRS/ICANS, DLT tables, SAE/AESI listings, swimmer plot."""
    axis = swimmer_axis(compute_swimmer_lanes(tables.patients))
    return render(
        "safety_tables.html.j2", t=tables, percent=percent, swim=axis, colours=GRADE_COLOURS
    )
