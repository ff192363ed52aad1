"""The simulated trial's summary for the terminal and for ``--json`` (issue 11 section 3).

``headline`` is the one JSON object ``cartrial trial simulate --json`` prints: the
keys the issue names as plain values (counts as integers, levels as integers or
null, the audit head as its hash, proportions and medians with their intervals),
and ``summary`` with every figure and the rule that produced it.
``print_summary`` shows the same figures as a table a newcomer can read.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from cartrial.services.trial_model import Median, Proportion, TrialSummary

__all__ = ["headline", "print_summary"]


def _proportion(p: Proportion) -> dict[str, Any]:
    return {
        "estimate": p.estimate,
        "lower": p.lower,
        "upper": p.upper,
        "responders": p.responders,
        "n": p.n,
    }


def _median(m: Median) -> dict[str, Any]:
    return {
        "estimate": m.estimate,
        "lower": m.lower,
        "upper": m.upper,
        "events": m.events,
        "n": m.n,
    }


def headline(summary: TrialSummary) -> dict[str, Any]:
    """The issue's keys as plain values, then the whole summary with its rules."""
    return {
        "protocol": summary.protocol_id,
        "data_cut": summary.data_cut.isoformat(),
        "screened": summary.screened.n,
        "screen_failures_by_criterion": {f.id: f.n for f in summary.screen_failures_by_criterion},
        "enrolled": summary.enrolled.n,
        "infused": summary.infused.n,
        "dlt_evaluable": summary.dlt_evaluable.n,
        "dlts_by_level": {
            str(level): {"evaluable": d.evaluable, "dlts": d.dlts}
            for level, d in sorted(summary.dlts_by_level.items())
        },
        "decisions": len(summary.decisions),
        "mtd": summary.mtd.level,
        "rp2d": summary.rp2d.level,
        "crs_any_grade": _proportion(summary.crs_rate.any_grade),
        "crs_grade3_or_more": _proportion(summary.crs_rate.grade3_or_more),
        "icans_any_grade": _proportion(summary.icans_rate.any_grade),
        "orr": _proportion(summary.orr),
        "dcr": _proportion(summary.dcr),
        "median_pfs_days": _median(summary.median_pfs_days),
        "median_os_days": _median(summary.median_os_days),
        "audit_head": summary.audit_head.sha256,
        "summary": summary.model_dump(mode="json"),
    }


def _pct(p: Proportion) -> str:
    if p.estimate is None:
        return f"{p.responders}/{p.n}"
    ci = (
        f" (95% CI {p.lower:.0%}-{p.upper:.0%})"
        if p.lower is not None and p.upper is not None
        else ""
    )
    return f"{p.responders}/{p.n} = {p.estimate:.0%}{ci}"


def _days(m: Median) -> str:
    if m.estimate is None:
        return f"not reached ({m.events} events in {m.n})"
    upper = "NE" if m.upper is None else f"{m.upper:.0f}"
    lower = "NE" if m.lower is None else f"{m.lower:.0f}"
    return f"{m.estimate:.0f} days (95% CI {lower}-{upper}; {m.events} events in {m.n})"


def print_summary(summary: TrialSummary, *, events: int, seconds: float) -> None:
    """The summary as a two-column table (each figure's rule is on the HTML pages)."""
    table = Table(
        title=f"{summary.protocol_id}: simulated trial, data cut {summary.data_cut:%Y-%m-%d} "
        f"({events:,} events in {seconds:.1f} s)",
        show_header=False,
    )
    table.add_column("figure", style="bold")
    table.add_column("value")
    failures = ", ".join(f"{f.id} {f.n}" for f in summary.screen_failures_by_criterion[:6])
    table.add_row("screened", str(summary.screened.n))
    table.add_row("screen failures by criterion", failures or "none")
    table.add_row("enrolled / infused", f"{summary.enrolled.n} / {summary.infused.n}")
    table.add_row("DLT-evaluable", str(summary.dlt_evaluable.n))
    table.add_row(
        "DLTs by level",
        ", ".join(
            f"L{level}: {d.dlts}/{d.evaluable}"
            for level, d in sorted(summary.dlts_by_level.items())
        )
        or "none",
    )
    table.add_row("escalation decisions signed", str(len(summary.decisions)))
    table.add_row(
        "MTD / RP2D", f"{summary.mtd.level or 'not declared'} / {summary.rp2d.level or 'none'}"
    )
    table.add_row("CRS any grade", _pct(summary.crs_rate.any_grade))
    table.add_row("CRS grade >= 3", _pct(summary.crs_rate.grade3_or_more))
    table.add_row("ICANS any grade", _pct(summary.icans_rate.any_grade))
    table.add_row("ORR (confirmed, RECIST 1.1)", _pct(summary.orr))
    table.add_row("DCR", _pct(summary.dcr))
    table.add_row("median PFS", _days(summary.median_pfs_days))
    table.add_row("median OS", _days(summary.median_os_days))
    cmax = [r for r in summary.nca.by_level if r.parameter.lower() == "cmax"]
    table.add_row(
        "Cmax geometric mean by level",
        ", ".join(
            f"L{r.dose_level}: {r.geometric_mean:,.0f} {r.unit} (n={r.n})"
            for r in cmax
            if r.geometric_mean is not None
        )
        or "no samples",
    )
    table.add_row(
        "audit chain head", f"#{summary.audit_head.seq} {summary.audit_head.sha256[:16]}..."
    )
    Console().print(table)
