"""Section 3, demographics and baseline characteristics (ICH E3 section 11.2): age,
sex, ECOG, tumour type, AJCC 8th edition stage and mesothelin (MSLN) status, by dose
level and overall, from each infused subject's stored screening record."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

from cartrial.report.study.model import Cell, Section, Table
from cartrial.report.study.sections.common import Context, count_pct
from cartrial.report.study.sections.groups import by_level
from cartrial.services.study_report_records import Baseline, SubjectRecord

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

    def categorical(
        label: str, attribute: Callable[[Baseline], object], values: Sequence[object], source: str
    ) -> None:
        for v in values:
            rows.append(
                [Cell(f"{label}: {'not stated' if v is None else v}, n (%)", source=source)]
                + [
                    Cell(
                        count_pct(sum(attribute(r.baseline) == v for r in m), len(m)), numeric=True
                    )
                    for _, m in groups
                ]
            )

    infused = groups[-1][1]

    def seen(attribute: Callable[[Baseline], object]) -> Sequence[object]:
        return sorted({str(attribute(r.baseline)) for r in infused})

    categorical("Sex", lambda b: b.sex, ["female", "male"], "screening record sex")
    categorical("ECOG", lambda b: b.ecog, [0, 1, 2], "screening record ecog")
    tumour = lambda b: b.tumour_type or "unknown"  # noqa: E731
    categorical("Tumour type", tumour, seen(tumour), "screening record diagnosis.tumour_type")
    stage = lambda b: b.stage or "unknown"  # noqa: E731
    categorical("AJCC 8 stage", stage, seen(stage), "screening record diagnosis.ajcc8_stage")
    categorical(
        "MSLN",
        lambda b: b.msln_result,
        ["positive", "negative", None],
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
