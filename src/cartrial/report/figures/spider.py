"""Spider plot: each subject's % change of the target-lesion sum from baseline over time.

Drawn from a :class:`~cartrial.response.summary.StudySummary` (each subject's ``course``);
reference lines at the RECIST 1.1 thresholds (Eisenhauer et al. 2009, section 4.3.1):
-30 % (PR) and +20 % (PD, strictly from the nadir: a guide only).
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

__all__ = ["plot_spider"]


def plot_spider(summary: StudySummary) -> bytes:
    """% change of the target sum from baseline over time, one line per subject (PNG bytes)."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    for r in summary.subjects:
        if not r.course:
            continue
        days = [0.0] + [d / DAYS_PER_MONTH for d, _ in r.course]
        change = [0.0] + [float(p) for _, p in r.course]
        ax.plot(
            days,
            change,
            marker="o",
            markersize=3,
            linewidth=1,
            color=BOR_COLOURS.get(r.best_overall_response, NO_RESPONSE_COLOUR),
        )
    ax.axhline(20, linestyle="--", color="#d6604d", linewidth=0.8)
    ax.axhline(-30, linestyle="--", color="#1b7837", linewidth=0.8)
    ax.set_xlabel("months since infusion")
    ax.set_ylabel("change in target sum from baseline (%)")
    ax.set_title("Spider plot")
    return png_bytes(fig)
