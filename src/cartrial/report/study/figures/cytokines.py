"""Cytokine peaks by worst CRS grade: one panel per cytokine, each subject's peak (pg/mL,
log axis) against the subject's worst ASTCT CRS grade (0 = none), as CAR-T cytokine
reports show them (Teachey et al., Cancer Discov 2016;6:664-679, Figure 2)."""

from __future__ import annotations

import pandas as pd

from cartrial.biomarkers.cytokines import CYTOKINES
from cartrial.report.study.figures.png import Figure, png

__all__ = ["plot_cytokine_peaks"]


def plot_cytokine_peaks(kinetics: pd.DataFrame, crs: dict[str, int]) -> bytes | None:
    """Peaks of each cytokine of ``kinetics`` (derive_cytokine_kinetics) by CRS grade."""
    names = [c for c in CYTOKINES if c in set(kinetics["cytokine"])]
    if not names:
        return None
    cols = 3
    rows = (len(names) + cols - 1) // cols
    fig = Figure(figsize=(7.2, 2.3 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        part = kinetics[(kinetics["cytokine"] == name) & (kinetics["peak"] > 0)]
        grades = [crs.get(str(s), 0) for s in part["subject"]]
        ax.scatter(grades, part["peak"], s=10, alpha=0.7, color="#b91c1c")
        ax.set_yscale("log")
        ax.set_xticks(range(5))
        ax.set_xlim(-0.5, 4.5)
        ax.set_title(CYTOKINES[name], fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.supxlabel("worst CRS grade (ASTCT 2019)", fontsize=8)
    fig.supylabel("peak after infusion (pg/mL)", fontsize=8)
    fig.tight_layout()
    return png(fig)
