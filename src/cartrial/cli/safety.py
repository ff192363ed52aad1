"""``cartrial safety``: CRS/ICANS grading, CTCAE laboratory grading, DLT adjudication.

Each command reads one JSON file (formats with examples in ``docs/safety.md``),
validates all of it before printing anything, and prints either a readable
summary or ``--json``. Bad input is one message on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cartrial.cli.common import handle_errors, print_json, read_json_file
from cartrial.safety.astct import SyndromeResult, grade_crs, grade_icans
from cartrial.safety.astct_input import load_crs_file, load_icans_file
from cartrial.safety.ctcae import LabFile, grade_lab_records
from cartrial.safety.inputs import parse_input

__all__ = ["safety_app"]

safety_app = typer.Typer(
    name="safety",
    help="Safety: ASTCT CRS/ICANS grading, CTCAE v5.0 lab grading, TEAE and DLT adjudication.",
    no_args_is_help=True,
)

FILE = typer.Argument(..., exists=False, dir_okay=False, help="JSON input file.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")


def _print_syndrome(result: SyndromeResult) -> None:
    who = f"{result.patient}: " if result.patient else ""
    typer.echo(f"{who}{result.reason}")
    if result.onset is not None:
        day = f" (day {result.onset_day})" if result.onset_day is not None else ""
        resolved = result.resolved_at.isoformat() if result.resolved_at else "not resolved"
        typer.echo(
            f"onset {result.onset.isoformat()}{day}; duration {result.duration_days} day(s); "
            f"resolved {resolved}"
        )
    for d in result.days:
        day = f"day {d.study_day}" if d.study_day is not None else str(d.date)
        typer.echo(f"  {d.date} {day:>7}  grade {d.grade}  {d.reason}")


@safety_app.command("grade-crs")
@handle_errors
def grade_crs_command(file: Path = FILE, as_json: bool = JSON) -> None:
    """Grade CRS by ASTCT 2019 (Lee et al.) from time-stamped observations."""
    record = load_crs_file(read_json_file(file), source=str(file))
    result = grade_crs(
        observations=record.observations, infusion=record.infusion, patient=record.patient
    )
    print_json(result) if as_json else _print_syndrome(result)


@safety_app.command("grade-icans")
@handle_errors
def grade_icans_command(file: Path = FILE, as_json: bool = JSON) -> None:
    """Grade ICANS by ASTCT 2019 (Lee et al.) from ICE and neurological assessments."""
    record = load_icans_file(read_json_file(file), source=str(file))
    result = grade_icans(
        assessments=record.assessments, infusion=record.infusion, patient=record.patient
    )
    print_json(result) if as_json else _print_syndrome(result)


@safety_app.command("grade-lab")
@handle_errors
def grade_lab_command(file: Path = FILE, as_json: bool = JSON) -> None:
    """Grade laboratory values by CTCAE v5.0 (ULN/LLN/baseline, explicit units)."""
    record = parse_input(LabFile, read_json_file(file), source=str(file))
    graded = grade_lab_records(record.labs)
    if as_json:
        print_json({"patient": record.patient, "labs": [g.model_dump(mode="json") for g in graded]})
        return
    for g in graded:
        when = f"{g.time}  " if g.time else ""
        typer.echo(f"{when}{g.reason}")
