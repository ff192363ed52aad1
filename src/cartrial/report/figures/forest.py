"""Forest plot of a pooled proportion: each study's proportion with its exact interval, and the
pooled estimates of every model as diamonds (the layout of metafor's ``forest``)."""

from __future__ import annotations

from pathlib import Path

from cartrial.extras import MissingExtraError
from cartrial.landscape.analysis import PooledGroup

try:
    from matplotlib.figure import Figure
except ImportError as exc:  # pragma: no cover - depends on the [plots] extra
    raise MissingExtraError("matplotlib") from exc

__all__ = ["write_forest_plot"]

_MODEL_NAMES = {
    "glmm": "GLMM (logit, ML)",
    "logit": "inverse variance, logit",
    "freeman_tukey": "inverse variance, Freeman-Tukey",
}


def write_forest_plot(groups: list[PooledGroup], path: Path) -> Path:
    """Draw one panel per group into ``path`` (PNG or SVG, by suffix)."""
    rows = sum(len(g.studies) + len(g.pooled) + 2 for g in groups)
    fig = Figure(figsize=(8.5, 0.28 * rows + 1.2))
    ax = fig.add_subplot()
    y = 0.0
    ticks: list[float] = []
    labels: list[str] = []
    for group in groups:
        ticks.append(y)
        labels.append(f"{group.group} ({len(group.studies)} studies)")
        y -= 1
        for s in group.studies:
            ax.plot([s.low, s.high], [y, y], color="#374151", lw=1)
            size = 10 + 2 * s.n
            ax.scatter([s.proportion], [y], s=size, marker="s", color="#1f2937", zorder=3)
            ticks.append(y)
            labels.append(f"  {s.label}  {s.events}/{s.n}")
            y -= 1
        for model, p in group.pooled.items():
            ax.fill(
                [p.low, p.proportion, p.high, p.proportion],
                [y, y + 0.3, y, y - 0.3],
                color="#2563eb" if model == "glmm" else "#93c5fd",
            )
            ticks.append(y)
            labels.append(f"  {_MODEL_NAMES[model]}: {p.proportion:.2f} ({p.low:.2f}-{p.high:.2f})")
            y -= 1
        y -= 1
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_xlim(-0.02, 1.02)
    ax.set_xlabel(f"{groups[0].outcome.upper()} (proportion, exact 95 % CI per study)")
    ax.grid(axis="x", color="#e5e7eb")
    ax.set_title(
        "Guo et al. 2025 (Front. Oncol. 15:1652329), Table 2 and sections 4.2-4.11", fontsize=8
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    return path
