"""Section 3, demographics and baseline characteristics (ICH E3 section 11.2): age,
sex, ECOG, tumour type, AJCC 8th edition stage and mesothelin (MSLN) status, by dose
level and overall, from each infused subject's stored screening record."""

from __future__ import annotations

import statistics
from collections.abc import Callable

from cartrial.report.study.model import Cell, Section, Table
from cartrial.report.study.sections.common import Context, count_pct
from cartrial.report.study.sections.groups import by_level
from cartrial.services.study_report_records import SubjectRecord

__all__ = ["baseline_section"]


def _median_range(values: list[int]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):g} ({min(values)}-{max(values)})"


def baseline_section(ctx: Context) -> Section:
    groups = by_level(ctx.data.records)
    rows: list[list[Cell]] = [
        [Cell("N (infused)")] + [Cell(str(len(m)), numeric=True) for _, m in groups]
    ]

    def add(label: str, value: Callable[[list[SubjectRecord]], str], source: str) -> None:
        rows.append(
            [Cell(label, source=source)] + [Cell(value(m), numeric=True) for _, m in groups]
        )

    add(
        "Age, years: median (range)",
        lambda m: _median_range(
            [r.baseline.age_years for r in m if r.baseline.age_years is not None]
        ),
        "whole years from birth date to consent date (screening record)",
    )
    for sex in ("female", "male"):
        add(
            f"Sex: {sex}, n (%)",
            lambda m, s=sex: count_pct(sum(r.baseline.sex == s for r in m), len(m)),
            "screening record sex",
        )
    for ecog in (0, 1, 2):
        add(
            f"ECOG {ecog}, n (%)",
            lambda m, e=ecog: count_pct(sum(r.baseline.ecog == e for r in m), len(m)),
            "screening record ecog",
        )
    infused = groups[-1][1]
    for tumour in sorted({r.baseline.tumour_type or "unknown" for r in infused}):
        add(
            f"Tumour type: {tumour}, n (%)",
            lambda m, t=tumour: count_pct(
                sum((r.baseline.tumour_type or "unknown") == t for r in m), len(m)
            ),
            "screening record diagnosis.tumour_type",
        )
    for stage in sorted({r.baseline.stage or "unknown" for r in infused}):
        add(
            f"AJCC 8 stage {stage}, n (%)",
            lambda m, s=stage: count_pct(
                sum((r.baseline.stage or "unknown") == s for r in m), len(m)
            ),
            "screening record diagnosis.ajcc8_stage",
        )
    for result in ("positive", "negative", None):
        add(
            f"MSLN {result or 'not stated'}, n (%)",
            lambda m, x=result: count_pct(sum(r.baseline.msln_result == x for r in m), len(m)),
            "screening record msln.result (IHC)",
        )
    table = Table(
        key="demographics",
        title="Demographics and baseline characteristics by dose level (safety population)",
        columns=["Characteristic", *(name for name, _ in groups)],
        rows=rows,
        footnote=ctx.note(
            f"{len(infused)} infused subjects, their stored screening records",
            "counts and percentages of the column's N; percentages half-up to 0.1",
        ),
    )
    return Section(3, "Demographics and baseline characteristics", [table])
