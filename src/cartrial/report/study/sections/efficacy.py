"""Section 7, efficacy: best overall response (RECIST 1.1, Eisenhauer et al., Eur J Cancer
2009;45:228-247, section 4.6 and Table 3), ORR and DCR with exact Clopper-Pearson 95% CIs
(Biometrika 1934;26:404-413) overall, by level and tumour type, duration of response,
Kaplan-Meier PFS and OS (medians with Brookmeyer-Crowley CIs, numbers at risk), and the
waterfall, spider and swimmer plots. Every figure is the engine's
(:mod:`cartrial.services.trial_efficacy`, :mod:`cartrial.response.summary`)."""

from __future__ import annotations

from cartrial.display import landmark_label
from cartrial.report.figures.km import plot_kaplan_meier
from cartrial.report.figures.spider import plot_spider
from cartrial.report.figures.swimmer import plot_swimmer
from cartrial.report.figures.waterfall import plot_waterfall
from cartrial.report.study.model import Block, Cell, Figure, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context, count_pct, fmt
from cartrial.response.summary import StudySummary
from cartrial.survival.km import KaplanMeierSummary

__all__ = ["BOR_ORDER", "efficacy_section"]

BOR_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")


def _bor_table(ctx: Context, study: StudySummary, evaluable: set[str]) -> Table:
    rows_by_level: dict[str, list[str]] = {}
    for r in study.subjects:
        if r.subject_id in evaluable:
            rows_by_level.setdefault(
                f"DL{r.dose_level}" if r.dose_level else "unassigned", []
            ).append(r.best_overall_response)
    groups = [*sorted(rows_by_level), "Overall"]
    everyone = [b for v in rows_by_level.values() for b in v]
    members = {**rows_by_level, "Overall": everyone}
    rows = [
        [Cell("N (response-evaluable)")]
        + [Cell(str(len(members[g])), numeric=True) for g in groups]
    ]
    for bor in BOR_ORDER:
        rows.append(
            [Cell(bor)]
            + [
                Cell(count_pct(members[g].count(bor), len(members[g])), numeric=True)
                for g in groups
            ]
        )
    return Table(
        key="bor",
        title="Best overall response by dose level "
        "(RECIST 1.1; mRECIST where the protocol names it)",
        columns=["Best overall response", *groups],
        rows=rows,
        footnote=ctx.note(
            f"{len(everyone)} response-evaluable subjects (infused, baseline and "
            ">= 1 post-baseline "
            "assessment); stored lesion measurements",
            "RECIST 1.1 section 4.6 and Table 3, confirmation per the protocol's response settings",
        ),
    )


def _rates(ctx: Context, study: StudySummary, *, window: bool = False) -> Table:
    rows = []
    by_tumour = ctx.data.rates_by_tumour_in_window if window else ctx.data.rates_by_tumour
    engine = [
        r for r in (study.rates_in_window if window else study.rates) if r.group_by != "tumour_type"
    ]
    for r in sorted(
        [*engine, *by_tumour],
        key=lambda x: (
            x.endpoint,
            ("overall", "dose_level", "tumour_type").index(x.group_by),
            x.group,
        ),
    ):
        group = (
            "Overall"
            if r.group_by == "overall"
            else (f"DL{r.group}" if r.group_by == "dose_level" else r.group)
        )
        rows.append(
            [
                Cell(r.endpoint),
                Cell(group),
                Cell(str(r.n), numeric=True),
                Cell(str(r.responders), numeric=True),
                Cell(f"{100 * r.rate:.1f}", numeric=True, source=r.definition),
                Cell(
                    f"{100 * r.ci_low:.1f}-{100 * r.ci_high:.1f}",
                    numeric=True,
                    source="exact Clopper-Pearson 95% CI",
                ),
            ]
        )
    s = ctx.data.analysis.summary
    within = f" within {study.window_days} days of infusion" if window else ""
    return Table(
        key="orr_window" if window else "orr_dcr",
        title=f"Objective response rate and disease control rate{within} with exact 95% CIs, "
        "overall, by level and tumour type",
        columns=["Endpoint", "Group", "N", "Responders", "Rate %", "95% CI %"],
        rows=rows,
        footnote=ctx.note(
            f"{s.orr.n} response-evaluable subjects",
            f"{s.orr.rule}; {s.dcr.rule}; tumour type from the screening record"
            + (
                f"; BOR from assessments up to day {study.window_days} (the protocol's window)"
                if window
                else ""
            ),
        ),
    )


def _km_rows(curves: list[KaplanMeierSummary], name: str) -> list[list[Cell]]:
    rows = []
    for k in curves:
        median = "not reached" if k.median is None else fmt(k.median)
        ci = f"{fmt(k.median_ci_low)}-{fmt(k.median_ci_high)}"
        marks = "; ".join(
            f"{landmark_label(m.time)}: "
            f"{fmt(100 * m.survival) if m.survival is not None else '-'}% (at risk {m.at_risk})"
            for m in k.landmarks
        )
        rows.append(
            [
                Cell(name),
                Cell("Overall" if k.label == "all" else f"DL{k.label}"),
                Cell(str(k.n), numeric=True),
                Cell(str(k.events), numeric=True),
                Cell(median, numeric=True),
                Cell(ci, numeric=True),
                Cell(marks or "-"),
            ]
        )
    return rows


def _km_table(ctx: Context, study: StudySummary) -> Table:
    s = ctx.data.analysis.summary
    rows = [
        row for name in ("PFS", "OS", "DOR") for row in _km_rows(study.kaplan_meier[name], name)
    ]
    return Table(
        key="km",
        title="Time to event: PFS, OS and duration of response (Kaplan-Meier, days)",
        columns=["Endpoint", "Group", "N", "Events", "Median (days)", "95% CI", "Landmarks"],
        rows=rows,
        footnote=ctx.note(
            "every infused subject; no baseline tumour assessment: PFS censored at the "
            "infusion (DOR: responders)",
            f"{s.median_pfs_days.rule}. {s.median_os_days.rule}. DOR from the first CR/PR to PD "
            "or death (survival.derive)",
        ),
        empty="no time-to-event data",
    )


def _listing(ctx: Context, study: StudySummary) -> Table:
    tumours = {r.code: r.baseline.tumour_type for r in ctx.data.records}
    return Table(
        key="bor_listing",
        title="Best overall response, best change and survival times per subject",
        columns=[
            "Subject",
            "Level",
            "Tumour",
            "Criteria",
            "BOR",
            "Best change %",
            "PFS days",
            "OS days",
        ],
        rows=[
            [
                ctx.subject(r.subject_id),
                Cell(f"DL{r.dose_level}" if r.dose_level else "-"),
                Cell(tumours.get(r.subject_id) or "-"),
                Cell(r.criteria),
                Cell(r.best_overall_response),
                Cell(
                    "-" if r.best_change_pct is None else f"{r.best_change_pct:.1f}", numeric=True
                ),
                Cell(
                    f"{r.pfs.days}{'' if r.pfs.event else '+'}", numeric=True, source=r.pfs.reason
                ),
                Cell(f"{r.os.days}{'' if r.os.event else '+'}", numeric=True, source=r.os.reason),
            ]
            for r in study.subjects
        ],
        footnote=ctx.note(
            f"{len(study.subjects)} infused subjects "
            "(without a baseline: BOR NE, PFS censored at day 0)",
            "'+' = censored; reasons in the tooltips",
        ),
        listing=True,
    )


def efficacy_section(ctx: Context) -> Section:
    study = ctx.data.analysis.study
    s = ctx.data.analysis.summary
    if study is None:
        return Section(
            7,
            "Efficacy",
            [Paragraph("No subject was infused by the data cut: no efficacy analysis.")],
        )
    evaluable = set(s.orr.subjects)
    blocks: list[Block] = []
    if s.orr.responders == 0:
        blocks.append(
            Paragraph(
                "No objective response (CR or PR) was observed among the "
                "response-evaluable subjects."
            )
        )
    note = ctx.note(
        f"{len(study.subjects)} infused subjects "
        "(without a baseline: BOR NE, PFS censored at day 0)",
        "report.figures from the engine's study summary",
    )
    blocks += [
        _bor_table(ctx, study, evaluable),
        _rates(ctx, study),
        _rates(ctx, study, window=True),
        _km_table(ctx, study),
        Figure(
            "km_pfs",
            "Kaplan-Meier progression-free survival by dose level, numbers at risk",
            plot_kaplan_meier(study.kaplan_meier["PFS"], title="PFS")
            if study.kaplan_meier["PFS"]
            else None,
            note,
        ),
        Figure(
            "km_os",
            "Kaplan-Meier overall survival by dose level, numbers at risk",
            plot_kaplan_meier(study.kaplan_meier["OS"], title="OS")
            if study.kaplan_meier["OS"]
            else None,
            note,
        ),
        Figure(
            "waterfall",
            "Waterfall plot: best % change of the target-lesion sum",
            plot_waterfall(study),
            note,
        ),
        Figure(
            "spider",
            "Spider plot: % change of the target-lesion sum over time",
            plot_spider(study),
            note,
        ),
        Figure(
            "swimmer",
            "Swimmer plot: time on study, response, progression, death",
            plot_swimmer(study),
            note,
        ),
        _listing(ctx, study),
    ]
    return Section(7, "Efficacy", blocks)
