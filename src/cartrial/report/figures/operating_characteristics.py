"""Figures of operating characteristics: selection and patients per level, designs side by side.

One row per scenario, two panels: the probability of selecting each level as
the MTD (and of no selection, at level "none"), and the mean number of patients
treated at each level, with one bar per design and the true MTD level(s)
shaded. Only drawing: the characteristics are computed by
:mod:`cartrial.escalation.simulate` (or :mod:`cartrial.escalation.exact`); matplotlib is
imported only when a figure is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cartrial.errors import InputError
from cartrial.escalation.simulate import OperatingCharacteristics
from cartrial.extras import MissingExtraError

__all__ = ["plot_operating_characteristics"]


def plot_operating_characteristics(
    scenarios: Sequence[tuple[str, Sequence[tuple[str, OperatingCharacteristics]]]],
    path: Path,
) -> Path:
    """Write a PNG: for each ``(scenario name, [(design label, characteristics)])``, one row."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MissingExtraError("matplotlib") from exc
    if not scenarios:
        raise InputError("--plot", str(path), "at least one scenario to plot")
    rows = len(scenarios)
    fig, axes = plt.subplots(rows, 2, figsize=(11, 3.6 * rows), squeeze=False)
    for row, (name, designs) in enumerate(scenarios):
        first = designs[0][1]
        k = len(first.truth)
        width = 0.8 / max(len(designs), 1)
        sel_ax, pts_ax = axes[row]
        for ax in (sel_ax, pts_ax):
            for level in first.true_mtd:
                ax.axvspan(level - 0.45, level + 0.45, color="0.9", zorder=0)
        for i, (label, oc) in enumerate(designs):
            offset = (i - (len(designs) - 1) / 2) * width
            xs = [level + offset for level in range(1, k + 1)]
            sel_ax.bar([*xs, k + 1 + offset], [*oc.selection, oc.no_selection], width, label=label)
            pts_ax.bar(xs, oc.mean_patients, width, label=label)
        sel_ax.set_xticks(range(1, k + 2), [*map(str, range(1, k + 1)), "none"])
        pts_ax.set_xticks(range(1, k + 1), [str(v) for v in range(1, k + 1)])
        truth = ", ".join(f"{p:g}" for p in first.truth)
        sel_ax.set_title(f"{name}: selection probability (true MTD shaded)", fontsize=10)
        pts_ax.set_title(f"{name}: mean patients per level (truth {truth})", fontsize=10)
        sel_ax.set_ylim(0, 1)
        sel_ax.set_xlabel("dose level")
        pts_ax.set_xlabel("dose level")
        sel_ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
