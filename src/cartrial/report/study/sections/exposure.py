"""Section 4, exposure (ICH E3 section 12.1): lymphodepletion doses given against those
planned by the protocol's schedule (BSA, Cockcroft-Gault renal bands), cell dose given
against the dose level's assigned dose, and vein-to-vein time (apheresis to infusion)."""

from __future__ import annotations

import statistics
from decimal import Decimal

from cartrial.dosing.cell_dose import format_scientific
from cartrial.report.study.model import Cell, Section, Table
from cartrial.report.study.sections.common import Context, fmt
from cartrial.report.study.sections.groups import by_level

__all__ = ["exposure_section"]


def _sci(n: int | None) -> str:
    return "-" if n is None else format_scientific(Decimal(n))


def exposure_section(ctx: Context) -> Section:
    treated = [r for r in ctx.data.records if r.lymphodepleted or r.infused]
    ld_rows = []
    for r in treated:
        for a in r.lymphodepletion:
            given = ", ".join(str(g) for g in a.given_mg)
            planned = (
                "-"
                if a.planned_mg_per_day is None
                else f"{a.planned_mg_per_day} x {a.planned_days}"
            )
            total_given = sum(a.given_mg, Decimal(0))
            total_planned = (a.planned_mg_per_day or Decimal(0)) * a.planned_days
            ratio = f"{100 * total_given / total_planned:.1f}" if total_planned else "-"
            ld_rows.append(
                [
                    ctx.subject(r.code),
                    Cell(f"DL{r.dose_level}" if r.dose_level else "-"),
                    Cell(a.agent),
                    Cell(planned, source=a.planned_reason, numeric=True),
                    Cell(given, numeric=True),
                    Cell(ratio, numeric=True, source="total given / total planned x 100"),
                ]
            )
    ld = Table(
        key="lymphodepletion",
        title="Lymphodepletion: daily doses given against planned (mg), per subject and agent",
        columns=[
            "Subject",
            "Level",
            "Agent",
            "Planned mg/day x days",
            "Given mg (each day)",
            "Given/planned %",
        ],
        rows=ld_rows,
        footnote=ctx.note(
            f"{len(treated)} subjects with a lymphodepleting dose or an infusion; stored "
            "lymphodepletion_dose rows",
            "planned = dosing.schedule.compute_schedule on the screening record (BSA by the "
            "protocol's formula; renal band by Cockcroft-Gault creatinine clearance from the "
            "screening creatinine, Cockcroft & Gault, Nephron 1976;16:31-41); the cell's tooltip "
            "shows the arithmetic",
        ),
        listing=True,
        empty="no lymphodepleting dose recorded",
    )
    cell_rows = []
    for r in [x for x in ctx.data.records if x.infused]:
        ratio = (
            f"{100 * (r.cells_infused or 0) / r.cells_assigned:.1f}" if r.cells_assigned else "-"
        )
        cell_rows.append(
            [
                ctx.subject(r.code),
                Cell(f"DL{r.dose_level}" if r.dose_level else "-"),
                Cell(str(r.weight_kg or "-"), numeric=True),
                Cell(_sci(r.cells_assigned), numeric=True, source=r.cells_assigned_reason),
                Cell(_sci(r.cells_infused), numeric=True),
                Cell(ratio, numeric=True),
                Cell(fmt(r.vein_to_vein_days), numeric=True),
            ]
        )
    cells = Table(
        key="cell_dose",
        title="CAR-T cell dose given against assigned, and vein-to-vein time, per subject",
        columns=[
            "Subject",
            "Level",
            "Weight kg",
            "Assigned cells",
            "Given cells",
            "Given/assigned %",
            "Vein-to-vein days",
        ],
        rows=cell_rows,
        footnote=ctx.note(
            f"{len(cell_rows)} infused subjects: infusion.cells_infused, apheresis.collected_at",
            "assigned = the level's cells/kg x weight (dosing.cell_dose, weight cap and tolerance "
            "as the protocol states); vein-to-vein = infusion start - apheresis collection, days",
        ),
        listing=True,
        empty="no infusion recorded",
    )
    summary_rows = []
    for name, members in by_level(ctx.data.records):
        v2v = [r.vein_to_vein_days for r in members if r.vein_to_vein_days is not None]
        ratios = [
            100 * (r.cells_infused or 0) / r.cells_assigned for r in members if r.cells_assigned
        ]
        summary_rows.append(
            [
                Cell(name),
                Cell(str(len(members)), numeric=True),
                Cell(fmt(statistics.median(ratios)) if ratios else "-", numeric=True),
                Cell(f"{fmt(min(ratios))}-{fmt(max(ratios))}" if ratios else "-", numeric=True),
                Cell(fmt(statistics.median(v2v)) if v2v else "-", numeric=True),
                Cell(f"{fmt(min(v2v))}-{fmt(max(v2v))}" if v2v else "-", numeric=True),
            ]
        )
    summary = Table(
        key="exposure_summary",
        title="Exposure by dose level: cell dose given/assigned and vein-to-vein time",
        columns=[
            "Level",
            "N infused",
            "Given/assigned % median",
            "range",
            "Vein-to-vein days median",
            "range",
        ],
        rows=summary_rows,
        footnote=ctx.note(
            "infused subjects by dose level", "median and range of the per-subject listing's values"
        ),
    )
    return Section(4, "Exposure", [summary, ld, cells])
