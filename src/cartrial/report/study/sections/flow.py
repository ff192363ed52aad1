"""Section 2, subject flow (CONSORT 2010, Schulz et al., BMJ 2010;340:c332, adapted):
screened, screen failures by criterion, enrolled, apheresed, manufactured (failures),
lymphodepleted, infused, DLT-evaluable, response-evaluable, discontinued and why."""

from __future__ import annotations

from collections import Counter

from cartrial.report.study.figures.consort import FlowStep, plot_flow
from cartrial.report.study.model import Cell, Figure, Section, Table
from cartrial.report.study.sections.common import Context

__all__ = ["flow_counts", "flow_section"]


def flow_counts(ctx: Context) -> list[tuple[str, list[str], str]]:
    """(step, subject codes, rule) in flow order."""
    r = ctx.data.records
    s = ctx.data.analysis.summary
    released = [x.code for x in r if x.lot_status == "released"]
    evaluable = [c for c in s.infused.subjects if c not in s.efficacy_excluded]
    return [
        ("Screened", [x.code for x in r if x.screened], s.screened.rule),
        (
            "Screen failures",
            [x.code for x in r if x.eligibility == "not_eligible"],
            "latest eligibility decision not_eligible",
        ),
        ("Enrolled", [x.code for x in r if x.enrolled], s.enrolled.rule),
        ("Apheresed", [x.code for x in r if x.apheresed], "an apheresis collection stored"),
        ("Product released", released, "latest product lot released"),
        (
            "Manufacturing failures",
            [x.code for x in r if x.lot_status == "rejected"],
            "latest product lot rejected",
        ),
        (
            "Lymphodepleted",
            [x.code for x in r if x.lymphodepleted],
            "a lymphodepleting dose stored",
        ),
        ("Infused", s.infused.subjects, s.infused.rule),
        ("DLT-evaluable", s.dlt_evaluable.subjects, s.dlt_evaluable.rule),
        ("Response-evaluable", evaluable, "infused, baseline and >= 1 post-baseline assessment"),
        (
            "Discontinued (withdrawn)",
            [x.code for x in r if x.withdrawal],
            "a withdrawal stored (date, initiator, reason)",
        ),
        ("Died", [x.code for x in r if x.death], "a death stored"),
    ]


def _steps(ctx: Context, counts: dict[str, list[str]]) -> list[FlowStep]:
    s = ctx.data.analysis.summary
    r = ctx.data.records
    by_reason = [f"{f.id} ({f.type}): {f.n}" for f in s.screen_failures_by_criterion]
    before = [x for x in r if x.enrolled and not x.infused]

    def gone(stage: str) -> list[str]:
        return [
            f"{x.code}: {x.withdrawal or x.death}" for x in before if x.withdrawal_stage == stage
        ]

    rejected = [x for x in r if x.lot_status == "rejected"]
    stopped = [x for x in before if x.withdrawal or x.death]
    # Screened but never enrolled: the screen failures, and those eligible (or with an
    # incomplete decision) who were not enrolled, by their decision and status at the cut.
    not_enrolled = [x for x in r if x.screened and not x.enrolled]
    others = Counter(
        f"{x.eligibility or 'no decision'}, not enrolled ({x.status})"
        for x in not_enrolled
        if x.eligibility != "not_eligible"
    )
    waiting = [f"{label}: {n}" for label, n in sorted(others.items())]
    return [
        FlowStep(
            "Screened",
            len(counts["Screened"]),
            "Not enrolled",
            len(not_enrolled),
            [f"screen failures: {len(counts['Screen failures'])}", *waiting, *by_reason],
        ),
        FlowStep(
            "Enrolled",
            len(counts["Enrolled"]),
            "Not apheresed",
            len([x for x in r if x.enrolled and not x.apheresed]),
            gone("before enrolment"),
        ),
        FlowStep(
            "Apheresed",
            len(counts["Apheresed"]),
            "Manufacturing failures",
            len(rejected),
            [f"{x.code}: {x.lot_note or 'rejected'}" for x in rejected],
        ),
        FlowStep("Product released", len(counts["Product released"])),
        FlowStep(
            "Lymphodepleted",
            len(counts["Lymphodepleted"]),
            "Not infused after enrolment",
            len(before),
            [f"{x.code}: {x.withdrawal or x.death or x.status}" for x in stopped],
        ),
        FlowStep("Infused (safety population)", len(counts["Infused"])),
        FlowStep("DLT-evaluable", len(counts["DLT-evaluable"])),
        FlowStep("Response-evaluable", len(counts["Response-evaluable"])),
    ]


def flow_section(ctx: Context) -> Section:
    rows = flow_counts(ctx)
    counts = {step: codes for step, codes, _ in rows}
    n_subjects = len(ctx.data.records)
    table = Table(
        key="flow",
        title="Subject disposition: counts at each step of the flow",
        columns=["Step", "n", "Rule"],
        rows=[
            [Cell(step), Cell(str(len(codes)), numeric=True, source=", ".join(codes)), Cell(rule)]
            for step, codes, rule in rows
        ],
        footnote=ctx.note(f"all {n_subjects} subjects of the protocol", "as in the Rule column"),
    )
    failures = ctx.data.analysis.summary.screen_failures_by_criterion
    reasons = Table(
        key="screen_failures",
        title="Screen failures by eligibility criterion",
        columns=["Criterion", "Type", "Text", "n", "Subjects"],
        rows=[
            [
                Cell(f.id),
                Cell(f.type),
                Cell(f.text),
                Cell(str(f.n), numeric=True),
                Cell(", ".join(f.subjects)),
            ]
            for f in failures
        ],
        footnote=ctx.note(
            f"{len(counts['Screen failures'])} subjects whose latest eligibility decision is "
            "not_eligible",
            "each criterion of the stored verdicts that is not_met (a subject counts once per "
            "criterion it failed)",
        ),
        empty="no screen failure",
    )
    stopped = [x for x in ctx.data.records if x.withdrawal or (x.death and not x.infused)]
    listing = Table(
        key="discontinued",
        title="Discontinuations: withdrawals and deaths, with the stage and the reason",
        columns=["Subject", "Dose level", "Status", "Stage", "Withdrawal", "Death"],
        rows=[
            [
                ctx.subject(x.code),
                Cell(f"DL{x.dose_level}" if x.dose_level else "-"),
                Cell(x.status),
                Cell(x.withdrawal_stage or "-"),
                Cell(x.withdrawal or "-"),
                Cell(x.death or "-"),
            ]
            for x in stopped
        ],
        footnote=ctx.note(
            f"{len(stopped)} subjects with a stored withdrawal, or who died before infusion",
            "stage = the last milestone reached before the withdrawal",
        ),
        listing=True,
        empty="no subject discontinued",
    )
    figure = Figure(
        key="flow_diagram",
        title="Subject flow (CONSORT style)",
        png=plot_flow(_steps(ctx, counts)),
        footnote=ctx.note(
            f"all {n_subjects} subjects", "the counts of the disposition table; exits at the right"
        ),
    )
    return Section(2, "Subject flow", [figure, table, reasons, listing])
