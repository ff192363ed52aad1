"""Efficacy figures as PNG bytes: waterfall, spider, swimmer and Kaplan-Meier plots.

Drawn with matplotlib's object-oriented API (a ``Figure`` per plot, no pyplot state) from a
:class:`~cartrial.response.summary.StudySummary`; nothing is re-derived here. Reference
lines follow RECIST 1.1 thresholds: -30 % (PR, from baseline) and +20 % (PD; strictly PD
is measured from the nadir, so the line is a guide only).
"""

from __future__ import annotations

import io

from cartrial.extras import MissingExtraError

try:
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

from cartrial.response.summary import StudySummary
from cartrial.survival.km import DAYS_PER_MONTH, KaplanMeierSummary

__all__ = [
    "BOR_COLOURS",
    "plot_kaplan_meier",
    "plot_spider",
    "plot_swimmer",
    "plot_waterfall",
]

BOR_COLOURS: dict[str, str] = {
    "CR": "#1b7837",
    "PR": "#5aae61",
    "SD": "#4393c3",
    "NON-CR/NON-PD": "#92c5de",
    "PD": "#d6604d",
    "NE": "#999999",
}


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return buffer.getvalue()


def plot_waterfall(summary: StudySummary) -> bytes:
    """Best % change of the target sum per subject, sorted, coloured by BOR."""
    rows = sorted(
        (r for r in summary.subjects if r.best_change_pct is not None),
        key=lambda r: -float(r.best_change_pct or 0),
    )
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.bar(
        range(len(rows)),
        [float(r.best_change_pct or 0) for r in rows],
        color=[BOR_COLOURS.get(r.best_overall_response, "#999999") for r in rows],
    )
    ax.axhline(20, linestyle="--", color="#d6604d", linewidth=0.8)
    ax.axhline(-30, linestyle="--", color="#1b7837", linewidth=0.8)
    ax.set_xticks(range(len(rows)), [r.subject_id for r in rows], rotation=90, fontsize=7)
    ax.set_ylabel("best change in target sum from baseline (%)")
    ax.set_title("Waterfall: best % change, coloured by RECIST 1.1 BOR")
    handles = [Rectangle((0, 0), 1, 1, color=c) for c in BOR_COLOURS.values()]
    ax.legend(handles, list(BOR_COLOURS), fontsize=7, loc="upper right")
    return _png(fig)


def plot_spider(summary: StudySummary) -> bytes:
    """% change of the target sum from baseline over time, one line per subject."""
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
            color=BOR_COLOURS.get(r.best_overall_response, "#999999"),
        )
    ax.axhline(20, linestyle="--", color="#d6604d", linewidth=0.8)
    ax.axhline(-30, linestyle="--", color="#1b7837", linewidth=0.8)
    ax.set_xlabel("months since infusion")
    ax.set_ylabel("change in target sum from baseline (%)")
    ax.set_title("Spider plot")
    return _png(fig)


def plot_swimmer(summary: StudySummary) -> bytes:
    """Time on study per subject with response (triangle), progression (x) and death (cross)."""
    rows = sorted(summary.subjects, key=lambda r: r.os.days)
    fig = Figure(figsize=(8, max(2.5, 0.3 * len(rows) + 1)))
    ax = fig.subplots()
    for y, r in enumerate(rows):
        months = r.os.days / DAYS_PER_MONTH
        ax.barh(y, months, color=BOR_COLOURS.get(r.best_overall_response, "#999999"))
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
    return _png(fig)


def plot_kaplan_meier(curves: list[KaplanMeierSummary], *, title: str) -> bytes:
    """Kaplan-Meier step curves with pointwise CI and numbers at risk under the axis."""
    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    for curve in curves:
        # the curve runs on, flat, to the last follow-up time (censored tail)
        months = (
            [0.0] + [t / DAYS_PER_MONTH for t in curve.times] + [curve.max_time / DAYS_PER_MONTH]
        )
        survival = [1.0, *curve.survival, ([1.0, *curve.survival])[-1]]
        line = ax.step(months, survival, where="post", label=f"{curve.label} (n={curve.n})")
        low = [1.0] + [x if x == x else 0.0 for x in curve.ci_low]
        high = [1.0] + [x if x == x else 0.0 for x in curve.ci_high]
        low.append(low[-1])
        high.append(high[-1])
        ax.fill_between(months, low, high, step="post", alpha=0.15, color=line[0].get_color())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("months since start")
    ax.set_ylabel("probability")
    ax.set_title(title)
    ax.legend(fontsize=8)
    if curves and curves[0].at_risk:
        ticks = [t / DAYS_PER_MONTH for t, _ in curves[0].at_risk]
        lines = ["at risk"] + [
            f"{c.label}: " + "  ".join(str(n) for _, n in c.at_risk) for c in curves
        ]
        ax.text(0, -0.28, "\n".join(lines), transform=ax.transAxes, fontsize=7, va="top")
        ax.set_xticks(ticks, [f"{x:.0f}" for x in ticks])
    return _png(fig)
