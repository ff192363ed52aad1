"""Section 11: the trial's ORR, DCR and CRS rate beside the published landscape for its target
and route (Guo et al. 2025, Front. Oncol. 15:1652329; pooled by
:func:`cartrial.landscape.comparison.landscape_comparison`, binomial-normal GLMM)."""

from __future__ import annotations

from cartrial.landscape.comparison import landscape_comparison, trial_target
from cartrial.report.study.model import Cell, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context, fmt
from cartrial.services.trial_model import Proportion

__all__ = ["landscape_section"]

_OUTCOMES = {"orr": "ORR", "dcr": "DCR", "crs": "CRS, any grade"}


def _own(p: Proportion) -> str:
    if p.estimate is None or p.lower is None or p.upper is None:
        return f"{p.responders}/{p.n}"
    return (
        f"{p.responders}/{p.n}: {fmt(100 * p.estimate)}% "
        f"({fmt(100 * p.lower)}-{fmt(100 * p.upper)})"
    )


def landscape_section(ctx: Context) -> Section:
    analysis = ctx.data.analysis
    s = analysis.summary
    own = {"orr": s.orr, "dcr": s.dcr, "crs": s.crs_rate.any_grade}
    target = trial_target(analysis.protocol)
    rows = []
    for c in landscape_comparison(analysis.protocol):
        pooled = (
            "-"
            if c.pooled is None
            else f"{fmt(100 * c.pooled.proportion)}% ({fmt(100 * c.pooled.low)}-"
            f"{fmt(100 * c.pooled.high)}), {c.pooled.events}/{c.pooled.n}"
        )
        rows.append(
            [
                Cell(_OUTCOMES[c.outcome]),
                Cell(_own(own[c.outcome]), numeric=True, source=own[c.outcome].rule),
                Cell(c.group),
                Cell(str(c.trials), numeric=True),
                Cell(pooled, numeric=True, source=c.note),
            ]
        )
    blocks: list[Paragraph | Table] = []
    if target is None:
        blocks.append(Paragraph("The protocol names no target the review covers."))
    blocks.append(
        Table(
            key="landscape",
            title="This trial against the pooled published trials of its target and route",
            columns=[
                "Outcome",
                "This trial: n/N, % (95% CI)",
                "Review trials",
                "Trials",
                "Pooled % (95% CI)",
            ],
            rows=rows,
            footnote=ctx.note(
                "this trial's infused / response-evaluable subjects; the review's trials "
                "with counts (cartrial landscape table)",
                "this trial: Clopper-Pearson; pooled: binomial-normal GLMM (logit, ML), "
                "not pooled below two trials; Guo et al. 2025 Table 2 and sections 4.2-4.11",
            ),
        )
    )
    return Section(11, "The trial in the published landscape", list(blocks))
