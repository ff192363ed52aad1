"""Exposure against dose: Cmax and AUC0-tlast per subject on a log axis by dose level,
with each level's geometric mean (the dose-proportionality view of FDA CAR-T clinical
pharmacology reviews; the numbers are the NCA's, :mod:`cartrial.services.trial_kinetics`)."""

from __future__ import annotations

import math

from cartrial.report.study.figures.png import Figure, png
from cartrial.services.trial_model import NcaSubjectRow

__all__ = ["plot_exposure_by_dose"]


def plot_exposure_by_dose(rows: list[NcaSubjectRow]) -> bytes | None:
    """Two panels, Cmax and AUC0-tlast against dose level; None when nothing is positive."""
    levels = sorted({r.dose_level for r in rows}, key=lambda x: (len(x), x))
    if not levels:
        return None
    fig = Figure(figsize=(7.2, 3.2))
    axes = fig.subplots(1, 2)
    for ax, name, unit in (
        (axes[0], "cmax", rows[0].conc_unit),
        (axes[1], "auclast", rows[0].auc_unit),
    ):
        for i, level in enumerate(levels):
            values = [
                v for r in rows if r.dose_level == level and (v := getattr(r, name)) and v > 0
            ]
            ax.scatter([i] * len(values), values, s=12, alpha=0.7, color="#2563eb")
            if values:
                gm = math.exp(sum(math.log(v) for v in values) / len(values))
                ax.plot([i - 0.25, i + 0.25], [gm, gm], color="#111827", linewidth=2)
        ax.set_yscale("log")
        ax.set_xticks(range(len(levels)), [f"DL{x}" for x in levels])
        ax.set_xlabel("dose level")
        ax.set_ylabel(f"{'Cmax' if name == 'cmax' else 'AUC0-tlast'} ({unit})", fontsize=8)
    fig.suptitle("CAR transgene exposure by dose level (bar: geometric mean)", fontsize=9)
    return png(fig)
