"""Figures of CAR-T kinetics: spaghetti plots, geometric mean profiles, model fits.

Conventions: concentrations on a log axis (CAR levels span 4-6 decades); the LLOQ
drawn as a dashed line; BLQ samples drawn as open markers *on* the LLOQ line (a
log axis has no 0) and never used as a number. The geometric mean profile and its
interval are computed by :func:`cartrial.kinetics.mean_profile.compute_geometric_mean_profile`
(the rule is there); the model curve by :func:`cartrial.kinetics.ck_model.predict`.

Figures are built with matplotlib's object API (no global pyplot state), so they
can be drawn from a web request or a test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartrial.extras import MissingExtraError

try:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
except ImportError as exc:
    raise MissingExtraError("matplotlib") from exc

from cartrial.kinetics.ck_fit import CkFit
from cartrial.kinetics.ck_model import predict
from cartrial.kinetics.mean_profile import compute_geometric_mean_profile, select_samples
from cartrial.kinetics.profiles import FloatArray

__all__ = [
    "plot_ck_fit",
    "plot_mean_profile",
    "plot_spaghetti",
]


def _log_axis(ax: Axes, unit: str) -> None:
    ax.set_yscale("log")
    ax.set_xlabel("day since infusion")
    ax.set_ylabel(unit)


def plot_spaghetti(
    samples: pd.DataFrame,
    path: Path,
    *,
    analyte: str = "car_copies",
    matrix: str = "blood",
    by: str = "dose_level",
) -> Path:
    """One panel per ``by`` group: each subject's profile, BLQ on the LLOQ line."""
    data = select_samples(samples, analyte, matrix)
    groups = sorted(data[by].unique()) or [""]
    fig = Figure(figsize=(4.5 * len(groups), 4))
    axes = np.atleast_1d(fig.subplots(1, len(groups), sharey=True, squeeze=False)[0])
    unit = str(data["unit"].iloc[0]) if len(data) else ""
    for ax, group in zip(axes, groups, strict=True):
        part = data[data[by] == group]
        for _, subject in part.groupby("subject"):
            subject = subject.sort_values("time")
            quantified = subject[subject["conc"] > 0]
            ax.plot(quantified["time"], quantified["conc"], marker="o", ms=3, lw=1)
            blq = subject[subject["conc"] == 0]
            ax.plot(blq["time"], blq["lloq"], ls="none", marker="o", mfc="none", color="grey")
        lloq = part["lloq"].dropna()
        if len(lloq):
            ax.axhline(float(lloq.median()), ls="--", color="black", lw=1, label="LLOQ")
            ax.legend(loc="upper right")
        ax.set_title(f"{by} {group}" if group else analyte)
        _log_axis(ax, unit)
    fig.suptitle(f"{analyte} in {matrix}")
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_mean_profile(
    samples: pd.DataFrame,
    path: Path,
    *,
    analyte: str = "car_copies",
    matrix: str = "blood",
    by: str = "dose_level",
) -> Path:
    """Geometric mean profile with its 95% CI, one line per ``by`` group, LLOQ dashed."""
    table = compute_geometric_mean_profile(samples, analyte=analyte, matrix=matrix, by=by)
    data = select_samples(samples, analyte, matrix)
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    for group, part in table.groupby(by, sort=True):
        shown = part[part["n_quantified"] > 0]
        line = ax.plot(shown["nominal_day"], shown["geometric_mean"], marker="o", label=str(group))
        ax.fill_between(
            shown["nominal_day"],
            shown["ci_lower"],
            shown["ci_upper"],
            alpha=0.2,
            color=line[0].get_color(),
        )
    lloq = data["lloq"].dropna()
    if len(lloq):
        ax.axhline(float(lloq.median()), ls="--", color="black", lw=1, label="LLOQ")
    _log_axis(ax, str(data["unit"].iloc[0]) if len(data) else "")
    ax.set_title(f"geometric mean {analyte} in {matrix} (95% CI)")
    ax.legend(title=by)
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_ck_fit(
    fit: CkFit,
    time: FloatArray,
    conc: FloatArray,
    lloq: float,
    path: Path,
    *,
    title: str = "",
    unit: str = "concentration",
) -> Path:
    """Observed samples (BLQ open on the LLOQ line), the fitted model curve and the LLOQ."""
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    after = time > 0
    t, c = time[after], conc[after]
    grid = np.linspace(1e-3, float(np.nanmax(t)), 400)
    ax.plot(grid, predict(fit.parameters, grid), color="C0", label="model")
    ax.plot(t[c > 0], c[c > 0], "o", color="C1", label="observed")
    ax.plot(
        t[c == 0], np.full(int((c == 0).sum()), lloq), "o", mfc="none", color="grey", label="BLQ"
    )
    ax.axhline(lloq, ls="--", color="black", lw=1, label="LLOQ")
    _log_axis(ax, unit)
    ax.set_title(title or "multiphasic model fit")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return path
