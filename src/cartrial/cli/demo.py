"""``cartrial demo``: the main job, end to end on synthetic data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.progress import Progress

from cartrial.cli.common import console, handle_errors
from cartrial.cli.screen import reasons_table, summary_table
from cartrial.eligibility.batch import summarise_screening
from cartrial.eligibility.screen import ScreeningResult, screen_subject
from cartrial.protocol.load import bundled_ids, load_bundled
from cartrial.report.screening import write_screening_html
from cartrial.sim.screening_cohort import generate_screening_cohort

__all__ = ["demo"]


@handle_errors
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the outputs")] = Path("out"),
    subjects: Annotated[int, typer.Option(min=1, help="Synthetic subjects to screen")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same cohort)")] = 2026,
) -> None:
    """Screen a reproducible synthetic cohort against every bundled protocol."""
    protocols = [load_bundled(i).protocol for i in bundled_ids()]
    records = generate_screening_cohort(subjects, rng=np.random.default_rng(seed))
    out.mkdir(parents=True, exist_ok=True)
    cohort_file = out / "cohort.jsonl"
    cohort_file.write_text(
        "".join(
            json.dumps(r.model_dump(mode="json", exclude_none=True), allow_nan=False) + "\n"
            for r in records
        ),
        encoding="utf-8",
    )
    results: list[ScreeningResult] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("Screening", total=len(records) * len(protocols))
        for record in records:
            for protocol in protocols:
                results.append(screen_subject(record, protocol))
                progress.advance(task)
    summaries = summarise_screening(results)
    console.print(summary_table(summaries))
    console.print(reasons_table(summaries))
    report = write_screening_html(
        out / "screening.html",
        title="Screening of a synthetic cohort against the bundled protocols",
        protocols=protocols,
        results=results,
        summaries=summaries,
        note=f"{len(records)} synthetic subjects, seed {seed}",
    )
    console.print(f"cohort: {cohort_file}  report: {report}")
