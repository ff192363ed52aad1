"""Swimmer plot of time on study: one bar per subject, response, progression and death marked.

Drawn from a :class:`~cartrial.response.summary.StudySummary` (overall survival time, the
date of first response, the day of first progression); nothing is re-derived here. The
CRS/ICANS swimmer of the safety page is :mod:`cartrial.report.figures.toxicity_swimmer`.
"""

from __future__ import annotations

from cartrial.extras import MissingExtraError

try:
    from matplotlib.figure import Figure
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

from cartrial.report.figures.common import BOR_COLOURS, NO_RESPONSE_COLOUR, png_bytes
from cartrial.response.summary import StudySummary
from cartrial.survival.km import DAYS_PER_MONTH

__all__ = ["plot_swimmer"]


def plot_swimmer(summary: StudySummary) -> bytes:
    """Time on study per subject: > response, x progression, + death, arrow ongoing (PNG)."""
    rows = sorted(summary.subjects, key=lambda r: r.os.days)
    fig = Figure(figsize=(8, max(2.5, 0.3 * len(rows) + 1)))
    ax = fig.subplots()
    for y, r in enumerate(rows):
        months = r.os.days / DAYS_PER_MONTH
        ax.barh(y, months, color=BOR_COLOURS.get(r.best_overall_response, NO_RESPONSE_COLOUR))
        if r.response_date is not None:
            start = (r.response_date - r.os.start_date).days / DAYS_PER_MONTH
            ax.plot(start, y, marker=">", color="black", markersize=5)
        if r.first_pd_day is not None:
            ax.plot(r.first_pd_day / DAYS_PER_MONTH, y, marker="x", color="black", markersize=6)
        if r.os.event:
            ax.plot(months, y, marker="P", color="#b2182b", markersize=6)
        elif r.os.rule == "alive":
            ax.annotate(
                "",
                xy=(months + 0.6, y),
                xytext=(months, y),
                arrowprops={"arrowstyle": "->", "linewidth": 0.8},
            )
    ax.set_yticks(range(len(rows)), [r.subject_id for r in rows], fontsize=7)
    ax.set_xlabel("months since infusion (> response, x progression, + death, arrow ongoing)")
    ax.set_title("Swimmer plot")
    return png_bytes(fig)
