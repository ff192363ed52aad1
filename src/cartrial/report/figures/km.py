"""Kaplan-Meier curves: step functions with pointwise confidence bands and numbers at risk.

Drawn from :class:`~cartrial.survival.km.KaplanMeierSummary` values (lifelines' estimates,
computed in :mod:`cartrial.survival.km`); the curve runs on, flat, to the last follow-up
time (the censored tail), and the numbers at risk are printed under the axis.
"""

from __future__ import annotations

from cartrial.extras import MissingExtraError

try:
    from matplotlib.figure import Figure
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

from cartrial.report.figures.common import png_bytes
from cartrial.survival.km import DAYS_PER_MONTH, KaplanMeierSummary

__all__ = ["plot_kaplan_meier"]


def plot_kaplan_meier(curves: list[KaplanMeierSummary], *, title: str) -> bytes:
    """Kaplan-Meier step curves with pointwise CI and numbers at risk under the axis (PNG)."""
    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    for curve in curves:
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
    return png_bytes(fig)
