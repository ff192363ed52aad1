"""Waterfall plot: each subject's best % change of the target-lesion sum, coloured by BOR.

Drawn from a :class:`~cartrial.response.summary.StudySummary`; nothing is re-derived here.
Reference lines at the RECIST 1.1 thresholds (Eisenhauer et al., Eur J Cancer 2009,
section 4.3.1): -30 % (PR, from baseline) and +20 % (PD; strictly PD is measured from the
nadir, so the line is a guide only).
"""

from __future__ import annotations

from cartrial.extras import MissingExtraError

try:
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

from cartrial.report.figures.common import BOR_COLOURS, NO_RESPONSE_COLOUR, png_bytes
from cartrial.response.summary import StudySummary

__all__ = ["plot_waterfall"]


def plot_waterfall(summary: StudySummary) -> bytes:
    """Best % change of the target sum per subject, sorted, coloured by BOR (PNG bytes)."""
    rows = sorted(
        (r for r in summary.subjects if r.best_change_pct is not None),
        key=lambda r: -float(r.best_change_pct or 0),
    )
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.bar(
        range(len(rows)),
        [float(r.best_change_pct or 0) for r in rows],
        color=[BOR_COLOURS.get(r.best_overall_response, NO_RESPONSE_COLOUR) for r in rows],
    )
    ax.axhline(20, linestyle="--", color="#d6604d", linewidth=0.8)
    ax.axhline(-30, linestyle="--", color="#1b7837", linewidth=0.8)
    ax.set_xticks(range(len(rows)), [r.subject_id for r in rows], rotation=90, fontsize=7)
    ax.set_ylabel("best change in target sum from baseline (%)")
    ax.set_title("Waterfall: best % change, coloured by RECIST 1.1 BOR")
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in BOR_COLOURS.values()]
    ax.legend(handles, list(BOR_COLOURS), fontsize=7, loc="upper right")
    return png_bytes(fig)
