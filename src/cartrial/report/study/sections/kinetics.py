"""Section 8, cellular kinetics: NCA by dose level (n, geometric mean, geometric CV %,
median, range; PKNCA rules, :mod:`cartrial.services.trial_kinetics`), per-subject NCA,
spaghetti and geometric mean profiles (:mod:`cartrial.report.figures.kinetics`), Cmax and AUC
against dose, and persistence (last quantifiable sample at or after days 28, 90, 180)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cartrial.report.figures.kinetics import plot_mean_profile, plot_spaghetti
from cartrial.report.study.figures.kinetics import plot_exposure_by_dose
from cartrial.report.study.model import Block, Cell, Figure, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context, count_pct, fmt

__all__ = ["PERSISTENCE_DAYS", "kinetics_section"]

PERSISTENCE_DAYS = (28, 90, 180)


def _drawn(plot: Callable[..., Path], samples: pd.DataFrame) -> bytes | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            return plot(samples, Path(tmp) / "figure.png").read_bytes()
        except ValueError:
            return None


def kinetics_section(ctx: Context) -> Section:
    s = ctx.data.analysis.summary
    nca = s.nca
    samples = ctx.data.analysis.kinetics_samples
    if samples is None or not nca.subjects:
        return Section(
            8, "Cellular kinetics", [Paragraph("No CAR transgene qPCR result is stored: no NCA.")]
        )
    n_profiles = len(nca.subjects)
    by_level = Table(
        key="nca_by_level",
        title="NCA of CAR transgene levels by dose level: n, geometric mean, geometric CV %, "
        "median, range",
        columns=[
            "Matrix",
            "Level",
            "Parameter",
            "Unit",
            "n",
            "Geo. mean",
            "Geo. CV %",
            "Median",
            "Range",
        ],
        rows=[
            [
                Cell(r.matrix),
                Cell(f"DL{r.dose_level}"),
                Cell(r.parameter),
                Cell(r.unit),
                Cell(str(r.n), numeric=True),
                Cell(fmt(r.geometric_mean), numeric=True),
                Cell(fmt(r.geometric_cv_pct), numeric=True),
                Cell(fmt(r.median), numeric=True),
                Cell(f"{fmt(r.min)}-{fmt(r.max)}", numeric=True),
            ]
            for r in nca.by_level
        ],
        footnote=ctx.note(
            f"{n_profiles} profiles of stored qPCR results ({len(samples)} samples)", nca.rule
        ),
    )
    subjects = Table(
        key="nca_subjects",
        title="NCA per subject: Cmax, Tmax, Tlast, AUC0-tlast",
        columns=["Subject", "Level", "Matrix", "Cmax", "Tmax d", "Tlast d", "AUC0-tlast", "Notes"],
        rows=[
            [
                ctx.subject(r.subject),
                Cell(f"DL{r.dose_level}"),
                Cell(r.matrix),
                Cell(fmt(r.cmax), numeric=True),
                Cell(fmt(r.tmax_days), numeric=True),
                Cell(fmt(r.tlast_days), numeric=True),
                Cell(fmt(r.auclast), numeric=True),
                Cell(r.notes or "-"),
            ]
            for r in nca.subjects
        ],
        footnote=ctx.note(
            f"{n_profiles} profiles",
            nca.rule + f"; units {nca.subjects[0].conc_unit}, {nca.subjects[0].auc_unit}",
        ),
        listing=True,
    )
    levels = sorted({r.dose_level for r in nca.subjects})
    persistence_rows = []
    for level in [*levels, "Overall"]:
        rows = [
            r
            for r in nca.subjects
            if r.matrix == "blood" and (level == "Overall" or r.dose_level == level)
        ]
        persistence_rows.append(
            [
                Cell(level if level == "Overall" else f"DL{level}"),
                Cell(str(len(rows)), numeric=True),
            ]
            + [
                Cell(
                    count_pct(sum((r.tlast_days or 0) >= d for r in rows), len(rows)),
                    numeric=True,
                    source=", ".join(r.subject for r in rows if (r.tlast_days or 0) >= d) or None,
                )
                for d in PERSISTENCE_DAYS
            ]
        )
    persistence = Table(
        key="persistence",
        title="Persistence: subjects whose last quantifiable CAR level is at or after "
        "day 28, 90, 180",
        columns=["Level", "Profiles (blood)", *(f">= day {d}" for d in PERSISTENCE_DAYS)],
        rows=persistence_rows,
        footnote=ctx.note(
            "blood NCA profiles",
            "Tlast (last quantifiable sample, PKNCA) >= the day; a subject not "
            "yet followed to the day counts as not persisting (a lower bound)",
        ),
    )
    note = ctx.note(
        f"{len(samples)} stored qPCR samples",
        "BLQ on the LLOQ line, open markers (report.figures.kinetics)",
    )
    blocks: list[Block] = [
        by_level,
        Figure(
            "spaghetti",
            "CAR transgene levels over time per subject (spaghetti), by dose level",
            _drawn(plot_spaghetti, samples),
            note,
        ),
        Figure(
            "mean_profile",
            "Geometric mean CAR transgene profile by dose level with 95% CI",
            _drawn(plot_mean_profile, samples),
            ctx.note(
                "quantified samples at each nominal day",
                "exp(mean ln x +/- t s/sqrt(n)) (Julious & Debarnot 2000)",
            ),
        ),
        Figure(
            "exposure_dose",
            "Cmax and AUC0-tlast against dose level",
            plot_exposure_by_dose(nca.subjects),
            ctx.note(
                f"{n_profiles} NCA profiles", "per-subject values and the level's geometric mean"
            ),
        ),
        persistence,
        subjects,
    ]
    return Section(8, "Cellular kinetics", blocks)
