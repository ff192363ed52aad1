"""``cartrial landscape``: the review's CAR-T trials in solid tumours and pooled response rates.

Thin adapter: parse, call :mod:`cartrial.landscape`, render (table, JSON, CSV, forest plot).
"""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from cartrial.cli.common import console, handle_errors, print_json, print_table
from cartrial.errors import InputError
from cartrial.landscape.analysis import Outcome, pooled_by
from cartrial.landscape.load import load_landscape, select_trials
from cartrial.landscape.trials import LandscapeTrial

__all__ = ["landscape_app"]

landscape_app = typer.Typer(
    help="CAR-T trials in solid tumours (Guo et al. 2025) and pooled response rates.",
    no_args_is_help=True,
)

Target = Annotated[str | None, typer.Option("--target", help="e.g. MSLN (case-insensitive)")]
RouteOpt = Annotated[
    str | None,
    typer.Option("--route", help="a route (intrapleural, ICV, ...) or IV / locoregional"),
]

_COLUMNS = (
    "id", "targets", "disease", "route", "n_treated", "orr_reported", "orr", "dcr_reported",
    "dcr", "tox_criteria", "principal_toxicity", "mpfs_months", "mos_months", "source", "flags",
)  # fmt: skip


def _row(t: LandscapeTrial) -> dict[str, str]:
    def count(name: str) -> str:
        c = getattr(t, name)
        return "" if c is None else f"{c.events}/{c.n} ({c.basis})"

    return {
        "id": t.id,
        "targets": "+".join(t.targets),
        "disease": t.disease,
        "route": t.route,
        "n_treated": str(t.n_treated),
        "orr_reported": t.orr_reported or "",
        "orr": count("orr"),
        "dcr_reported": t.dcr_reported or "",
        "dcr": count("dcr"),
        "tox_criteria": t.tox_criteria or "",
        "principal_toxicity": t.principal_toxicity.text if t.principal_toxicity else "",
        "mpfs_months": "" if t.mpfs is None else f"{t.mpfs.median_months:g}",
        "mos_months": "" if t.mos is None else f"{t.mos.median_months:g}",
        "source": "; ".join(t.source),
        "flags": " | ".join(t.flags),
    }


@landscape_app.command("table")
@handle_errors
def table(
    target: Target = None,
    route: RouteOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="every field as JSON")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="one row per trial as CSV")] = False,
) -> None:
    """The review's trials, one row per trial (or route), with counts, sources and flags."""
    if as_json and as_csv:
        raise InputError("--json/--csv", "both", "one output format")
    landscape = load_landscape()
    trials = select_trials(landscape.trials, target=target, route=route)
    if as_json:
        print_json(
            {
                "source": landscape.source,
                "dataset_flags": list(landscape.dataset_flags),
                "trials": [t.model_dump(mode="json") for t in trials],
            }
        )
        return
    rows = [_row(t) for t in trials]
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    out = Table(title=f"{len(rows)} trials: {landscape.source}")
    shown = ("id", "targets", "route", "n_treated", "orr_reported", "orr", "dcr_reported", "dcr")
    for name in shown:
        out.add_column(name)
    for r in rows:
        out.add_row(*(r[name] for name in shown))
    print_table(out)
    for flag in landscape.dataset_flags:
        console.print(f"note: {flag}", highlight=False)


@landscape_app.command("pool")
@handle_errors
def pool(
    outcome: Annotated[
        str, typer.Option("--outcome", help="orr, dcr or crs (any-grade CRS where counted)")
    ] = "orr",
    by: Annotated[str, typer.Option("--by", help="route_class, target or all")] = "route_class",
    target: Target = None,
    route: RouteOpt = None,
    text_counts: Annotated[
        bool, typer.Option("--text-counts", help="use the text's count where Table 2 has none")
    ] = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="write a forest plot (PNG)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pooled proportion per group: GLMM (primary), inverse-variance logit and Freeman-Tukey."""
    if outcome not in ("orr", "dcr", "crs"):
        raise InputError("--outcome", outcome, "orr, dcr or crs")
    if by not in ("route_class", "target", "all"):
        raise InputError("--by", by, "route_class, target or all")
    chosen: Outcome = outcome  # type: ignore[assignment]
    group_by: Literal["route_class", "target", "all"] = by  # type: ignore[assignment]
    trials = select_trials(load_landscape().trials, target=target, route=route)
    groups = pooled_by(trials, chosen, group_by=group_by, use_text_counts=text_counts)
    if plot is not None:
        from cartrial.report.figures.forest import write_forest_plot

        write_forest_plot([g for g in groups if g.studies], plot)
    if as_json:
        print_json([asdict(g) for g in groups])
        return
    out = Table(title=f"pooled {outcome.upper()} by {by}")
    for name in ("group", "k", "events/n", "model", "pooled", "95% CI", "tau^2", "I^2"):
        out.add_column(name)
    for g in groups:
        for model, p in g.pooled.items():
            out.add_row(
                g.group, str(p.k), f"{p.events}/{p.n}", model, f"{p.proportion:.3f}",
                f"{p.low:.3f}-{p.high:.3f}", f"{p.tau2:.3f}",
                "" if p.i2 is None else f"{100 * p.i2:.0f} %",
            )  # fmt: skip
    print_table(out)
    for g in groups:
        for trial_id, why in g.excluded:
            console.print(f"{g.group}: {trial_id} not pooled: {why}", highlight=False)
    if plot is not None:
        console.print(f"forest plot: {plot}", highlight=False)
