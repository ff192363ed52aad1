"""The CONSORT-style flow diagram: the main path of boxes down, exits to the right.

Drawn by hand because it is our own diagram (CONSORT 2010, Schulz et al., BMJ
2010;340:c332, Figure 1, adapted to a single-arm cell-therapy trial: screening,
enrolment, apheresis, manufacture, lymphodepletion, infusion, analysis populations);
each box is a step with its count and each exit a box with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cartrial.report.study.figures.png import Figure, png

__all__ = ["FlowStep", "plot_flow"]


@dataclass(frozen=True)
class FlowStep:
    """A box of the main path and, optionally, the exit beside it (its lines of reasons)."""

    label: str
    n: int
    exit_label: str | None = None
    exit_n: int = 0
    exit_lines: list[str] = field(default_factory=list)


def plot_flow(steps: list[FlowStep]) -> bytes:
    """The diagram of ``steps`` top to bottom (PNG bytes)."""
    height = 1.0 + 0.95 * len(steps)
    fig = Figure(figsize=(7.2, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, height)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.3", "facecolor": "#eef2ff", "edgecolor": "#3730a3"}
    side = {"boxstyle": "round,pad=0.3", "facecolor": "#fff7ed", "edgecolor": "#9a3412"}
    for i, step in enumerate(steps):
        y = height - 0.6 - 0.95 * i
        ax.text(
            2.6, y, f"{step.label}\nn = {step.n}", ha="center", va="center", fontsize=8.5, bbox=box
        )
        if i + 1 < len(steps):
            ax.annotate(
                "",
                xy=(2.6, y - 0.62),
                xytext=(2.6, y - 0.3),
                arrowprops={"arrowstyle": "->", "color": "#3730a3"},
            )
        if step.exit_label is not None:
            lines = [f"{step.exit_label}: n = {step.exit_n}", *step.exit_lines[:4]]
            if len(step.exit_lines) > 4:
                lines.append(f"... {len(step.exit_lines) - 4} more (see the table)")
            ax.annotate(
                "",
                xy=(5.3, y - 0.47),
                xytext=(2.6, y - 0.47),
                arrowprops={"arrowstyle": "->", "color": "#9a3412"},
            )
            ax.text(5.4, y - 0.47, "\n".join(lines), ha="left", va="center", fontsize=7, bbox=side)
    return png(fig)
