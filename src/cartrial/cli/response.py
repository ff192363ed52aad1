"""``cartrial response``: RECIST 1.1 and iRECIST for one subject's assessment file.

The input format is documented, with examples, in ``docs/response.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from cartrial.cli.common import console, handle_errors, print_json, read_json_file
from cartrial.errors import input_error_from_validation
from cartrial.response.assess import SubjectRecist, assess_recist
from cartrial.response.irecist import SubjectIRecist, assess_irecist
from cartrial.response.lesions import parse_subject
from cartrial.response.settings import ResponseSettings

__all__ = ["response_app"]

response_app = typer.Typer(
    help="Tumour response: RECIST 1.1 and iRECIST time points and best overall response.",
    no_args_is_help=True,
)

FileArg = Annotated[Path, typer.Argument(help="JSON file: one subject's lesions and assessments.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
SettingsOpt = Annotated[
    Path | None,
    typer.Option(
        "--settings",
        help="JSON file of response settings (the protocol's 'response' section).",
    ),
]


def load_settings(path: Path | None) -> ResponseSettings:
    """Response settings from a JSON file, or the defaults."""
    if path is None:
        return ResponseSettings()
    try:
        return ResponseSettings.model_validate(read_json_file(path))
    except ValidationError as exc:
        raise input_error_from_validation(exc, source=str(path)) from exc


def _fmt(value: object) -> str:
    return "" if value is None else str(value)


def _render_recist(result: SubjectRecist) -> None:
    table = Table(title=f"RECIST 1.1: subject {result.subject_id}")
    table.add_column("date", no_wrap=True)
    for column in ("day", "sum mm", "%base", "%nadir", "target", "non-target", "new"):
        table.add_column(column)
    table.add_column("overall", style="bold", no_wrap=True)
    for tp in result.timepoints:
        table.add_row(
            tp.date.isoformat(),
            str(tp.day),
            _fmt(tp.target_sum_mm),
            _fmt(tp.change_from_baseline_pct),
            _fmt(tp.change_from_nadir_pct),
            _fmt(tp.target),
            _fmt(tp.non_target),
            ", ".join(tp.new_lesions + [f"{x}?" for x in tp.equivocal_new_lesions]),
            tp.overall,
        )
    console.print(table)
    for tp in result.timepoints:
        console.print(f"[bold]{tp.date}[/]: " + "; ".join(tp.reasons), highlight=False)
    bor = result.best_overall_response
    console.print(f"\n[bold]Best overall response: {bor.response}[/]", highlight=False)
    for reason in bor.reasons:
        console.print(f"  - {reason}", highlight=False)


@response_app.command("recist")
@handle_errors
def recist_command(file: FileArg, json: JsonOpt = False, settings: SettingsOpt = None) -> None:
    """RECIST 1.1 time-point responses and best overall response for one subject."""
    config = load_settings(settings)
    subject = parse_subject(read_json_file(file), source=str(file))
    result = assess_recist(subject, settings=config, source=str(file))
    if json:
        print_json(result)
    else:
        _render_recist(result)


def _render_irecist(result: SubjectIRecist) -> None:
    table = Table(title=f"iRECIST: subject {result.subject_id}")
    table.add_column("date", no_wrap=True)
    for column in ("day", "sum mm", "target", "non-target", "new (NLT/NLNT)", "NLT sum"):
        table.add_column(column)
    table.add_column("overall", style="bold", no_wrap=True)
    for tp in result.timepoints:
        table.add_row(
            tp.date.isoformat(),
            str(tp.day),
            _fmt(tp.target_sum_mm),
            _fmt(tp.target),
            _fmt(tp.non_target),
            ", ".join(tp.new_lesion_targets) + " / " + ", ".join(tp.new_lesion_non_targets),
            str(tp.new_lesion_target_sum_mm),
            tp.overall,
        )
    console.print(table)
    for tp in result.timepoints:
        console.print(f"[bold]{tp.date}[/]: " + "; ".join(tp.reasons), highlight=False)
    bor = result.best_overall_response
    console.print(f"\n[bold]i-best overall response: {bor.response}[/]", highlight=False)
    for reason in bor.reasons:
        console.print(f"  - {reason}", highlight=False)


@response_app.command("irecist")
@handle_errors
def irecist_command(file: FileArg, json: JsonOpt = False, settings: SettingsOpt = None) -> None:
    """iRECIST time-point responses (iUPD, iCPD) and i-best overall response for one subject."""
    config = load_settings(settings)
    subject = parse_subject(read_json_file(file), source=str(file))
    result = assess_irecist(subject, settings=config, source=str(file))
    if json:
        print_json(result)
    else:
        _render_irecist(result)
