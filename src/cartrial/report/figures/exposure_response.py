"""Exposure by outcome: a box plot with each subject's point (strip), log axis.

Draws the table :func:`cartrial.biomarkers.exposure_response.derive_outcomes` builds (one
row per subject, an exposure column and a 0/1 outcome column); subjects with exposure 0 or
missing have no logarithm and are not drawn, as the regression leaves them out.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartrial.extras import MissingExtraError

try:
    from matplotlib.figure import Figure
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

__all__ = ["plot_exposure_by_outcome"]


def plot_exposure_by_outcome(
    data: pd.DataFrame, *, exposure: str, outcome: str, path: Path, unit: str = ""
) -> Path:
    """Box plot with the individual points (strip) of exposure by outcome, log axis."""
    fig = Figure(figsize=(4, 4))
    ax = fig.subplots()
    groups = []
    for k, label in ((0.0, "no"), (1.0, "yes")):
        numbers = pd.to_numeric(data.loc[data[outcome] == k, exposure], errors="coerce")
        values = numbers[numbers > 0].to_numpy(dtype=float)
        groups.append(values)
        jitter = np.linspace(-0.08, 0.08, values.size) if values.size else values
        ax.plot(np.full(values.size, len(groups)) + jitter, values, "o", alpha=0.6, label=label)
    ax.boxplot(groups, tick_labels=["no", "yes"], showfliers=False)
    ax.set_yscale("log")
    ax.set_xlabel(outcome)
    ax.set_ylabel(f"{exposure} {unit}".strip())
    fig.tight_layout()
    fig.savefig(path)
    return path
