"""Section 9, cytokines (peak and fold change by worst CRS grade; Teachey et al., Cancer
Discov 2016), anti-drug antibodies (Shankar et al., AAPS J 2014;16:658-673) and
exposure-response (Cmax against CRS grade >= 2 and objective response: logistic
regression per 10-fold Cmax and Spearman's rho; Mueller et al., Blood 2017)."""

from __future__ import annotations

import math
from typing import Any

from cartrial.biomarkers.cytokines import CYTOKINES
from cartrial.report.study.figures.cytokines import plot_cytokine_peaks
from cartrial.report.study.figures.exposure_response import plot_cmax_by_outcome
from cartrial.report.study.model import Block, Cell, Figure, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context, fmt

__all__ = ["biomarkers_section"]


def _num(x: object) -> float | None:
    if x is None:
        return None
    v = float(x)  # type: ignore[arg-type]
    return None if math.isnan(v) else v


def _median_range(row: Any, name: str) -> str:
    low, high = fmt(_num(row[f"{name}_min"])), fmt(_num(row[f"{name}_max"]))
    return f"{fmt(_num(row[f'{name}_median']))} ({low}-{high})"


def biomarkers_section(ctx: Context) -> Section:
    d = ctx.data
    s = d.analysis.summary
    crs = {c: s.crs_rate.worst_grade_by_subject.get(c, 0) for c in s.infused.subjects}
    blocks: list[Block] = []
    if d.cytokines_by_crs is None or d.cytokine_kinetics is None:
        blocks.append(Paragraph("No cytokine result is stored."))
    else:
        table = d.cytokines_by_crs
        blocks.append(
            Table(
                key="cytokines",
                title="Serum cytokine peak and fold change from baseline by worst CRS grade",
                columns=[
                    "Cytokine",
                    "CRS grade",
                    "n",
                    "Peak pg/mL median (range)",
                    "Fold change median (range)",
                ],
                rows=[
                    [
                        Cell(CYTOKINES.get(str(r["cytokine"]), str(r["cytokine"]))),
                        Cell(str(r["crs_grade"])),
                        Cell(str(r["n"]), numeric=True),
                        Cell(
                            _median_range(r, "peak"),
                            numeric=True,
                        ),
                        Cell(
                            _median_range(r, "fold_change"),
                            numeric=True,
                        ),
                    ]
                    for _, r in table.iterrows()
                ],
                footnote=ctx.note(
                    f"stored serum cytokine results of "
                    f"{d.cytokine_kinetics['subject'].nunique()} infused subjects",
                    "baseline = last value at or before infusion, peak = highest after, "
                    "fold = peak / "
                    "baseline (biomarkers.cytokines); CRS grade = worst ASTCT grade, 0 = none",
                ),
            )
        )
        blocks.append(
            Figure(
                "cytokine_peaks",
                "Cytokine peaks by worst CRS grade",
                plot_cytokine_peaks(d.cytokine_kinetics, crs),
                ctx.note("as the cytokine table", "one point per subject"),
            )
        )
    if d.ada is None or d.ada_summary is None:
        blocks.append(Paragraph("No anti-drug antibody result is stored."))
    else:
        a = d.ada_summary
        blocks.append(
            Table(
                key="ada",
                title="Anti-drug (anti-CAR) antibodies: incidence",
                columns=["Measure", "n", "% of evaluable"],
                rows=[
                    [
                        Cell("Subjects with a result"),
                        Cell(str(a["n_subjects"]), numeric=True),
                        Cell("-"),
                    ],
                    [
                        Cell("Evaluable (baseline and post-infusion result)"),
                        Cell(str(a["n_evaluable"]), numeric=True),
                        Cell("-"),
                    ],
                    [
                        Cell("ADA-positive at baseline"),
                        Cell(str(a["n_baseline_positive"]), numeric=True),
                        Cell(fmt(float(a["pct_baseline_positive"])), numeric=True),
                    ],
                    [
                        Cell("Treatment-emergent ADA"),
                        Cell(str(a["n_treatment_emergent"]), numeric=True),
                        Cell(fmt(float(a["pct_treatment_emergent"])), numeric=True),
                    ],
                    [
                        Cell("Treatment-boosted ADA"),
                        Cell(str(a["n_treatment_boosted"]), numeric=True),
                        Cell(fmt(float(a["pct_treatment_boosted"])), numeric=True),
                    ],
                ],
                footnote=ctx.note(
                    "stored anti-CAR antibody results of infused subjects",
                    "Shankar et al. 2014: baseline = last result at or before day 0; "
                    "treatment-emergent = "
                    "negative at baseline, positive after; boosted = titre >= 4 x baseline "
                    "(biomarkers.ada)",
                ),
            )
        )
    cmax = {r.subject: r.cmax for r in s.nca.subjects if r.matrix == "blood"}
    outcome_names = {
        "crs_grade_ge2": "CRS grade >= 2",
        "objective_response": "Objective response (CR/PR)",
    }
    blocks.append(
        Table(
            key="exposure_response",
            title="Exposure-response: Cmax against CRS grade >= 2 and objective response",
            columns=[
                "Outcome",
                "n",
                "Events",
                "Excluded",
                "OR per 10-fold Cmax (95% CI)",
                "p",
                "Spearman rho (p)",
                "Note",
            ],
            rows=[
                [
                    Cell(outcome_names.get(e.outcome, e.outcome)),
                    Cell(str(e.n), numeric=True),
                    Cell(str(e.n_events), numeric=True),
                    Cell(str(e.n_excluded), numeric=True),
                    Cell(
                        f"{fmt(e.odds_ratio_per_10fold)} ({fmt(e.ci_lower)}-{fmt(e.ci_upper)})",
                        numeric=True,
                    ),
                    Cell(fmt(e.p_value), numeric=True),
                    Cell(f"{fmt(e.spearman_rho)} ({fmt(e.spearman_p)})", numeric=True),
                    Cell(e.reason or "-"),
                ]
                for e in d.exposure_response
            ],
            footnote=ctx.note(
                f"{len(cmax)} blood NCA profiles and the infused subjects' worst CRS grade and BOR",
                "logistic regression logit P = b0 + b1 log10(Cmax) (statsmodels Logit), Wald CI; "
                "Cmax 0 (all BLQ) left out (biomarkers.exposure_response)",
            ),
            empty="no NCA profile: exposure-response not estimated",
        )
    )
    blocks.append(
        Figure(
            "exposure_response_figure",
            "Cmax by worst CRS grade and by best overall response",
            plot_cmax_by_outcome(cmax, crs, s.best_overall_response),
            ctx.note(f"{len(cmax)} blood NCA profiles", "one point per subject"),
        )
    )
    return Section(9, "Cytokines, anti-drug antibodies and exposure-response", blocks)
