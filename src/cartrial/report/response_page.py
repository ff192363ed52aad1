"""The study efficacy summary as one self-contained HTML page (figures embedded as PNG).

Every number comes from a :class:`~cartrial.response.summary.StudySummary` (RECIST 1.1 BOR,
ORR/DCR with Clopper-Pearson intervals, Kaplan-Meier); this module draws the four figure
kinds (:mod:`cartrial.report.figures`) and renders the template
``response_summary.html.j2``.
"""

from __future__ import annotations

import base64

from cartrial.report.environment import render
from cartrial.report.figures.km import plot_kaplan_meier
from cartrial.report.figures.spider import plot_spider
from cartrial.report.figures.swimmer import plot_swimmer
from cartrial.report.figures.waterfall import plot_waterfall
from cartrial.response.summary import StudySummary

__all__ = ["render_summary_html"]


def render_summary_html(summary: StudySummary) -> str:
    """HTML page: BOR table, ORR/DCR tables, KM table and the four figure kinds."""
    figures: list[tuple[str, bytes]] = [
        ("waterfall", plot_waterfall(summary)),
        ("spider", plot_spider(summary)),
        ("swimmer", plot_swimmer(summary)),
    ]
    for endpoint, curves in summary.kaplan_meier.items():
        if curves:
            figures.append(
                (f"Kaplan-Meier {endpoint}", plot_kaplan_meier(curves, title=f"{endpoint}"))
            )
    return render(
        "response_summary.html.j2",
        s=summary,
        figures=[(name, base64.b64encode(png).decode("ascii")) for name, png in figures],
    )
