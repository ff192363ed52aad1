"""``cartrial trial``: whole virtual trials of a protocol (design-level operating characteristics).

Thin adapter: parse, call :mod:`cartrial.sim.fast`, render.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from cartrial.cli.common import console, error_console, handle_errors, print_json, print_table
from cartrial.cli.trial_run import simulate
from cartrial.errors import InputError
from cartrial.protocol.load import load_protocol
from cartrial.sim.fast.distributed import run_batches
from cartrial.sim.fast.source import ScenarioSource
from cartrial.sim.fast.summary import Distribution, Estimate, summarise_results
from cartrial.sim.fast.trials import make_plan, spawn_seeds
from cartrial.sim.scenario import bundled_scenario, load_scenario_file

__all__ = ["trial_app"]

trial_app = typer.Typer(help="Whole virtual trials of a protocol.", no_args_is_help=True)


def _est(e: Estimate, percent: bool = False) -> str:
    if e.value is None:
        return "-"
    scale = 100.0 if percent else 1.0
    se = f" ({e.se * scale:.2f})" if e.se is not None else ""
    return f"{e.value * scale:.2f}{se}"


def _dist(d: Distribution, percent: bool = False) -> str:
    if d.mean is None or d.q025 is None or d.q50 is None or d.q975 is None:
        return "-"
    s = 100.0 if percent else 1.0
    return (
        f"{d.mean * s:.2f} ({(d.mean_se or 0) * s:.2f}); SD {(d.sd or 0) * s:.2f}; "
        f"2.5/50/97.5%: {d.q025 * s:.1f} / {d.q50 * s:.1f} / {d.q975 * s:.1f}"
    )


@trial_app.command()
@handle_errors
def oc(
    protocol: str = typer.Option(..., help="Bundled protocol id or protocol YAML file."),
    trials: int = typer.Option(..., help="Number of virtual trials."),
    scenario: Path | None = typer.Option(
        None, help="Scenario YAML file (default: the protocol's bundled scenario)."
    ),
    seed: int = typer.Option(2026, help="Root seed; trial i uses SeedSequence(seed).spawn(N)[i]."),
    scheduler: str | None = typer.Option(
        None, help="Dask scheduler address (tcp://host:8786); default: local cores."
    ),
    workers: int | None = typer.Option(None, help="Local worker processes (default: all cores)."),
    orr_threshold: float = typer.Option(
        0.10, help="ORR the expansion must beat (exact one-sided binomial test, alpha 0.05)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the OC as one JSON object."),
) -> None:
    """Operating characteristics of a protocol over N virtual trials, with Monte-Carlo SEs."""
    if trials < 1:
        raise InputError("trials", trials, "at least 1")
    if not 0.0 < orr_threshold < 1.0:
        raise InputError("orr_threshold", orr_threshold, "a proportion between 0 and 1")
    if workers is not None and workers < 1:
        raise InputError("workers", workers, "at least 1")
    proto = load_protocol(protocol).protocol
    scen = load_scenario_file(scenario) if scenario is not None else bundled_scenario(proto.id)
    plan = make_plan(proto, ScenarioSource(scen), orr_threshold=orr_threshold)
    seeds = spawn_seeds(trials, seed)
    where = f"scheduler {scheduler}" if scheduler else f"{workers or os.cpu_count()} local cores"
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task(f"{trials} trials on {where}: batches", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        results = run_batches(plan, seeds, workers=workers, scheduler=scheduler, progress=tick)
    summary = summarise_results(results, plan, seed=seed)
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"{proto.id}: {summary.design}, {trials} virtual trials (seed {seed})")
    table.add_column("operating characteristic")
    table.add_column("estimate (Monte-Carlo SE)")
    for level, (dose, p) in enumerate(
        zip(summary.dose_levels_cells_per_kg, summary.p_rp2d, strict=True), start=1
    ):
        table.add_row(f"P(RP2D = level {level}, {dose:g} cells/kg) %", _est(p, True))
    table.add_row("P(no RP2D) %", _est(summary.p_no_rp2d, True))
    for level, (n, y) in enumerate(
        zip(summary.patients_per_level, summary.dlts_per_level, strict=True), start=1
    ):
        table.add_row(f"level {level}: evaluable patients / DLTs", f"{_est(n)} / {_est(y)}")
    table.add_row("patients screened", _dist(summary.n_screened))
    table.add_row("patients enrolled", _dist(summary.n_enrolled))
    table.add_row("patients infused (sample size)", _dist(summary.n_infused))
    table.add_row("duration, months", _dist(summary.duration_months))
    table.add_row("patients at the RP2D", _dist(summary.n_rp2d))
    table.add_row("DLT rate at the RP2D %", _est(summary.dlt_rate_rp2d, True))
    table.add_row("grade >= 3 CRS rate at the RP2D %", _est(summary.crs_grade3_rate_rp2d, True))
    table.add_row("ORR at the RP2D %", _dist(summary.orr, True))
    table.add_row("DCR at the RP2D %", _est(summary.dcr, True))
    table.add_row(f"power: ORR > {orr_threshold:g} %", _est(summary.power, True))
    table.add_row("median PFS, months", _dist(summary.median_pfs_months))
    table.add_row("median OS, months", _dist(summary.median_os_months))
    print_table(table)
    console.print(f"power: {summary.power_test}")


trial_app.command(name="simulate")(simulate)
