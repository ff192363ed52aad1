"""``cartrial screen``: evaluate screening records against one or every bundled protocol."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cartrial.cli.common import console, handle_errors, print_json
from cartrial.eligibility.batch import (
    ProtocolSummary,
    load_screening_records,
    screen_cohort,
    summarise_screening,
)
from cartrial.eligibility.screen import ScreeningResult
from cartrial.protocol.load import bundled_ids, load_protocol
from cartrial.protocol.model import Protocol

__all__ = ["criteria_table", "reasons_table", "screen", "summary_table"]

_VERDICT_STYLE = {"met": "green", "not_met": "bold red", "needs_review": "yellow"}
_DECISION_STYLE = {"eligible": "bold green", "not_eligible": "bold red", "incomplete": "yellow"}


def criteria_table(result: ScreeningResult) -> Table:
    """Every criterion's verdict and reason for one subject and protocol."""
    style = _DECISION_STYLE[result.decision]
    table = Table(
        title=f"{result.subject_id} x {result.protocol_id} (v{result.protocol_version}): "
        f"[{style}]{_words(result.decision)}[/]",
        caption=result.reason,
        show_lines=False,
    )
    table.add_column("criterion", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("reason")
    for c in result.criteria:
        table.add_row(c.id, f"[{_VERDICT_STYLE[c.verdict]}]{c.label}[/]", c.reason)
    return table


def summary_table(summaries: list[ProtocolSummary]) -> Table:
    """Decisions per protocol."""
    table = Table(title="Screening summary")
    table.add_column("protocol", no_wrap=True)
    table.add_column("screened", justify="right")
    table.add_column("eligible", justify="right", style="green")
    table.add_column("not eligible", justify="right", style="red")
    table.add_column("incomplete", justify="right", style="yellow")
    for s in summaries:
        table.add_row(
            s.protocol_id,
            str(s.screened),
            str(s.eligible),
            str(s.not_eligible),
            str(s.incomplete),
        )
    return table


def reasons_table(summaries: list[ProtocolSummary]) -> Table:
    """The wording of the criteria that most often failed, per protocol."""
    table = Table(title="Top reasons for failure")
    table.add_column("protocol", no_wrap=True)
    table.add_column("criterion", no_wrap=True)
    table.add_column("subjects", justify="right")
    table.add_column("criterion text")
    for s in summaries:
        for f in s.top_failures:
            table.add_row(s.protocol_id, f.criterion_id, str(f.subjects), _short(f.text))
    return table


def _words(code: str) -> str:
    return code.replace("_", " ")


def _short(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _protocols(choice: str) -> list[Protocol]:
    ids = bundled_ids() if choice == "all" else [choice]
    return [load_protocol(i).protocol for i in ids]


@handle_errors
def screen(
    path: Annotated[
        Path, typer.Argument(help="A screening record (JSON), a JSON-lines file or a directory")
    ],
    protocol: Annotated[
        str, typer.Option("--protocol", "-p", help="Bundled protocol id, a protocol file, or 'all'")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
) -> None:
    """Screen subjects against a protocol: every criterion met or not met (inclusion), \
excluded or not excluded (exclusion), or needs review."""
    protocols = _protocols(protocol)
    records = load_screening_records(path)
    results = screen_cohort(records, protocols)
    batch = len(records) > 1
    if as_json:
        if len(results) == 1:
            print_json(results[0])
        else:
            print_json(
                {
                    "results": [r.model_dump(mode="json") for r in results],
                    "summary": [s.model_dump(mode="json") for s in summarise_screening(results)],
                }
            )
        return
    if batch:
        subjects = Table(title="Decisions per subject")
        subjects.add_column("subject")
        for p in protocols:
            subjects.add_column(p.id)
        for i, record in enumerate(records):
            row = results[i * len(protocols) : (i + 1) * len(protocols)]
            cells = [f"[{_DECISION_STYLE[r.decision]}]{_words(r.decision)}[/]" for r in row]
            subjects.add_row(record.subject_id, *cells)
        console.print(subjects)
        summaries = summarise_screening(results)
        console.print(summary_table(summaries))
        console.print(reasons_table(summaries))
    else:
        for result in results:
            console.print(criteria_table(result))
