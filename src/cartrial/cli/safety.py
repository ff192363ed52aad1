"""``cartrial safety``: CRS/ICANS grading, CTCAE laboratory grading, DLT adjudication.

Each command reads one JSON file (formats with examples in ``docs/safety.md``),
validates all of it before printing anything, and prints either a readable
summary or ``--json``. Bad input is one message on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from cartrial.cli.common import handle_errors, print_json, read_json_file
from cartrial.errors import InputError
from cartrial.protocol.load import load_protocol
from cartrial.safety.astct import SyndromeResult, grade_crs, grade_icans
from cartrial.safety.astct_input import load_crs_file, load_icans_file
from cartrial.safety.ctcae import LabFile, grade_lab_records
from cartrial.safety.dlt import DltResult, assess_dlts
from cartrial.safety.events import SafetyFile
from cartrial.safety.inputs import parse_input

__all__ = ["safety_app"]

safety_app = typer.Typer(
    name="safety",
    help="Safety: ASTCT CRS/ICANS grading, CTCAE v5.0 lab grading, TEAE and DLT adjudication.",
    no_args_is_help=True,
)

FILE = typer.Argument(..., exists=False, dir_okay=False, help="JSON input file.")
JSON = typer.Option(False, "--json", help="Print the result as JSON.")
PROTOCOL = typer.Option(..., "--protocol", help="Bundled protocol id or protocol YAML path.")


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


def _print_dlt(r: DltResult) -> None:
    level = f" (dose level {r.dose_level})" if r.dose_level is not None else ""
    verdict = "DLT" if r.dlt else "no DLT"
    typer.echo(f"{r.patient}{level}: {verdict}; {r.evaluable_reason}")
    for t in r.triggers:
        ae = f" AE {t.ae_id}" if t.ae_id else ""
        typer.echo(f"  {t.rule_id}{ae}: {t.reason}")
    for line in r.not_counted:
        typer.echo(f"  not counted: {line}")
    for line in r.review:
        typer.echo(f"  review: {line}")


@safety_app.command("dlt")
@handle_errors
def dlt_command(file: Path = FILE, protocol: str = PROTOCOL, as_json: bool = JSON) -> None:
    """Adjudicate DLTs per patient from AE records and labs, by the protocol's DLT rules."""
    loaded = load_protocol(protocol)
    spec = loaded.protocol.dlt
    if spec is None:
        raise InputError("--protocol", protocol, "a protocol with DLT definitions ('dlt:')")
    data = parse_input(SafetyFile, read_json_file(file), source=str(file))
    results = assess_dlts(patients=data.patients, spec=spec)
    if as_json:
        print_json(
            {
                "protocol": loaded.protocol.id,
                "protocol_sha256": loaded.sha256,
                "window_days": spec.window_days,
                "patients": [r.model_dump(mode="json") for r in results],
            }
        )
        return
    typer.echo(f"DLT adjudication by {loaded.protocol.id} ({spec.window_days}-day window)")
    for r in results:
        _print_dlt(r)
