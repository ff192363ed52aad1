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
from cartrial.report.safety_page import render_safety_html
from cartrial.safety.astct import SyndromeResult, grade_crs, grade_icans
from cartrial.safety.astct_input import load_crs_file, load_icans_file
from cartrial.safety.ctcae import LabFile, grade_lab_records
from cartrial.safety.dlt import DltResult, assess_dlts, escalation_rows
from cartrial.safety.events import SafetyFile, classify_adverse_events
from cartrial.safety.fever import grade_febrile_neutropenia, grade_fever, load_fever_file
from cartrial.safety.inputs import parse_input
from cartrial.safety.tables import SafetyTables, compute_safety_tables, percent

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
    if result.assessments:
        typer.echo("assessments:")
    for a in result.assessments:
        if a.tool == "ICE":
            score = f"ICE {a.ice_score}/10" + (f" ({a.ice_unable})" if a.ice_unable else "")
        elif a.tool == "CAPD":
            score = "CAPD unable" if a.capd_unable else f"CAPD {a.capd_score}"
        else:
            score = "no ICE/CAPD"
        age = f"  age {a.age_years}" if a.age_years is not None else ""
        typer.echo(f"  {a.time.isoformat()}  grade {a.grade}  {score}{age}")


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
        assessments=record.assessments,
        infusion=record.infusion,
        patient=record.patient,
        birth_date=record.birth_date,
        age_years=record.age_years,
        developmental_delay=record.developmental_delay,
    )
    print_json(result) if as_json else _print_syndrome(result)


@safety_app.command("grade-fever")
@handle_errors
def grade_fever_command(file: Path = FILE, as_json: bool = JSON) -> None:
    """Grade CTCAE v5.0 Fever and Febrile neutropenia from temperatures (and ANCs)."""
    record = load_fever_file(read_json_file(file), source=str(file))
    graded = [
        grade_fever(record.observations),
        grade_febrile_neutropenia(
            observations=record.observations,
            anc=record.anc,
            life_threatening=record.life_threatening,
            fatal=record.fatal,
        ),
    ]
    if as_json:
        print_json(
            {"patient": record.patient, "terms": [g.model_dump(mode="json") for g in graded]}
        )
        return
    who = f"{record.patient}: " if record.patient else ""
    for g in graded:
        typer.echo(f"{who}{g.reason}")


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
    verdict = {"yes": "DLT", "no": "no DLT", "pending": "pending", "not_evaluable": "no DLT"}[
        r.outcome
    ]
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
def dlt_command(
    file: Path = FILE,
    protocol: str = PROTOCOL,
    as_json: bool = JSON,
    escalation_data: bool = typer.Option(
        False,
        "--escalation-data",
        help="Print the rows 'cartrial escalation next --data' reads (JSON).",
    ),
) -> None:
    """Adjudicate DLTs per patient from AE records and labs, by the protocol's DLT rules."""
    loaded = load_protocol(protocol)
    spec = loaded.protocol.dlt
    if spec is None:
        raise InputError("--protocol", protocol, "a protocol with DLT definitions ('dlt:')")
    data = parse_input(SafetyFile, read_json_file(file), source=str(file))
    results = assess_dlts(patients=data.patients, spec=spec)
    if escalation_data:
        print_json({"patients": escalation_rows(data.patients, results)})
        return
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


@safety_app.command("teae")
@handle_errors
def teae_command(file: Path = FILE, protocol: str = PROTOCOL, as_json: bool = JSON) -> None:
    """Flag each AE as TEAE/TRAE/SAE/AESI by the protocol's window, anchor and AESI list."""
    loaded = load_protocol(protocol)
    p = loaded.protocol
    if p.windows is None:
        raise InputError("--protocol", protocol, "a protocol with a TEAE window ('windows:')")
    data = parse_input(SafetyFile, read_json_file(file), source=str(file))
    min_rel = p.dlt.min_relatedness if p.dlt else "possible"
    flags = [
        f
        for i, patient in enumerate(data.patients)
        for f in classify_adverse_events(
            patient=patient,
            window=p.windows.teae,
            aesi=list(p.aesi),
            min_relatedness=min_rel,
            field=f"patients[{i}]",
        )
    ]
    if as_json:
        print_json({"protocol": p.id, "adverse_events": [f.model_dump(mode="json") for f in flags]})
        return
    for f in flags:
        marks = [m for m, on in (("TEAE", f.teae), ("TRAE", f.trae), ("SAE", f.sae)) if on]
        if f.aesi:
            marks.append(f"AESI ({f.aesi})")
        note = f" ({f.term_note})" if f.term_note else ""
        typer.echo(
            f"{f.patient} {f.ae_id} {f.term} grade {f.grade}{note}: {', '.join(marks) or '-'}; "
            f"{f.teae_reason}"
        )


def _print_tables(t: SafetyTables) -> None:
    typer.echo(f"Safety tables: {t.protocol}")
    pops = "; ".join(f"{g} N={t.population[g]}" for g in t.groups)
    typer.echo(f"Safety population: {pops}")
    typer.echo("TEAE by SOC and term (patients at worst grade: G1-2 / G3 / G4 / G5 / any):")
    for row in t.teae:
        label = row.soc if row.term is None else f"  {row.term}"
        cells = []
        for g in t.groups:
            c, n = row.counts[g], t.population[g]
            cells.append(f"{c.g1_2}/{c.g3}/{c.g4}/{c.g5}/{c.any} ({percent(c.any, n)}%)")
        typer.echo(f"  {label:<58} " + "  ".join(cells))
    for s in [*t.crs, *t.icans]:
        onset = (
            f"onset day {s.onset_day_median} ({s.onset_day_range[0]}-{s.onset_day_range[1]})"
            if s.onset_day_range
            else "onset -"
        )
        typer.echo(
            f"{s.syndrome} {s.group}: {s.patients}/{s.population} "
            f"({percent(s.patients, s.population)}%), grade >= 3 {s.grade3_or_more}, {onset}"
        )
    for r in t.dlt:
        typer.echo(
            f"DLT {r.group}: {r.with_dlt} of {r.evaluable} evaluable ({r.treated} treated)"
            + (f": {'; '.join(r.dlts)}" if r.dlts else "")
        )
    typer.echo(f"SAEs (TEAE): {len(t.sae)}; AESIs (TEAE): {len(t.aesi)}")


@safety_app.command("tables")
@handle_errors
def tables_command(
    folder: Path = typer.Argument(
        ..., file_okay=False, help="Folder with patients.json (and optional crs/*.json)."
    ),
    protocol: str = PROTOCOL,
    by: str | None = typer.Option(None, "--by", help="'dose-level': a column per dose level."),
    html: Path | None = typer.Option(None, "--html", help="Write the HTML report here."),
    as_json: bool = JSON,
) -> None:
    """TEAE incidence, CRS/ICANS summary, DLTs per dose level, SAE/AESI listings, swimmer plot."""
    if by not in (None, "dose-level"):
        raise InputError("--by", by, "'dose-level'")
    loaded = load_protocol(protocol)
    data_file = folder / "patients.json"
    data = parse_input(SafetyFile, read_json_file(data_file), source=str(data_file))
    treatment = {}
    for path in sorted((folder / "crs").glob("*.json")):
        record = load_crs_file(read_json_file(path), source=str(path))
        if record.patient is None:
            raise InputError("patient", None, f"the patient id in {path}")
        treatment[record.patient] = grade_crs(
            observations=record.observations, infusion=record.infusion, patient=record.patient
        )
    tables = compute_safety_tables(
        patients=data.patients,
        protocol=loaded.protocol,
        by_dose_level=by == "dose-level",
        crs_treatment=treatment or None,
    )
    page = render_safety_html(tables) if html else None
    if html and page is not None:
        try:
            html.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise InputError("--html", str(html), f"a writable file ({exc.strerror})") from exc
    if as_json:
        print_json(tables.model_dump(mode="json", exclude={"patients"}))
    else:
        _print_tables(tables)
        if html:
            typer.echo(f"HTML report: {html}")
