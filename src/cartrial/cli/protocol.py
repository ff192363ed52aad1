"""``cartrial protocol``: list, show and validate protocol files; register one in the database.

``register`` writes to the trial database chosen as for every store command
(``--url``, else ``$CARTRIAL_DATABASE_URL``, else ``cartrial.db``), acting as
``cli:<operating-system user>`` in the admin role (Annex 11 section 10).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import typer
from rich.table import Table

from cartrial.cli.common import Url, console, handle_errors, print_json, print_table
from cartrial.protocol import Protocol, bundled_ids, load_bundled, load_protocol, load_protocol_file
from cartrial.protocol.model import DoseLevel
from cartrial.protocol.provenance import Provenance
from cartrial.protocol.summary import assumed_items

__all__ = ["protocol_app"]

protocol_app = typer.Typer(
    help="The trial protocols as code: list the bundled ones, show one, validate a file, "
    "register one in the trial database.",
    no_args_is_help=True,
)

_ASSUMED = "(assumed)"


def _mark(item: Provenance) -> str:
    return f" {_ASSUMED}" if item.assumed else ""


def _cells(value: Decimal | None) -> str:
    """Cells/kg in units of 10^6, as protocols write them.

    >>> _cells(Decimal(100000)), _cells(Decimal(2000000)), _cells(None)
    ('0.1 x10^6', '2 x10^6', '?')
    """
    if value is None:
        return "?"
    return f"{(value / Decimal(10**6)).normalize():f} x10^6"


def _dose(level: DoseLevel) -> str:
    return f"level {level.level}: {_cells(level.cells_per_kg)} cells/kg{_mark(level)}"


@protocol_app.command("list")
@handle_errors
def list_protocols() -> None:
    """List the bundled protocols."""
    table = Table(title="Bundled protocols")
    table.add_column("id", no_wrap=True)
    table.add_column("registry id", no_wrap=True)
    table.add_column("title")
    for column in ("phase", "enrolment", "assumed"):
        table.add_column(column, justify="right")
    for protocol_id in bundled_ids():
        protocol = load_bundled(protocol_id).protocol
        table.add_row(
            protocol.id,
            protocol.registry_id or "-",
            protocol.title,
            "/".join(protocol.phase),
            str(protocol.planned_enrolment) if protocol.planned_enrolment else "-",
            str(len(assumed_items(protocol))),
        )
    print_table(table)


def _summary_lines(protocol: Protocol) -> list[str]:
    p = protocol
    lines = [p.title, f"id: {p.id}   version: {p.version}"]
    if p.identifiers:
        lines.append("identifiers: " + ", ".join(f"{i.system} {i.value}" for i in p.identifiers))
    lines.append(f"phase: {'/'.join(p.phase)}   planned enrolment: {p.planned_enrolment or '-'}")
    lines.append(f"sponsor: {p.sponsor or '-'}")
    if p.sites:
        lines.append("sites: " + "; ".join(s.name for s in p.sites))
    lines.append(f"population: {p.population}")
    if p.tumour_types:
        lines.append("tumour types: " + ", ".join(p.tumour_types))
    dose = p.cell_dose
    if dose.min_cells_per_kg or dose.max_cells_per_kg:
        lines.append(
            f"cell dose: {_cells(dose.min_cells_per_kg)} to {_cells(dose.max_cells_per_kg)} "
            f"cells/kg{_mark(dose)}"
        )
    lines.extend(f"  {_dose(level)}" for level in p.dose_levels)
    if p.escalation:
        e = p.escalation
        extra = f", cohort size {e.cohort_size}" if e.cohort_size else ""
        extra += f", target DLT rate {e.target_dlt_rate}" if e.target_dlt_rate else ""
        lines.append(f"escalation: {e.design}, start level {e.start_level}{extra}{_mark(e)}")
    if p.lymphodepletion:
        for agent in p.lymphodepletion.agents:
            days = ", ".join(str(d) for d in agent.days)
            renal = " (renal adjustment)" if agent.renal_adjustment else ""
            lines.append(
                f"lymphodepletion: {agent.agent} {agent.dose_mg_per_m2_per_day} mg/m2/day "
                f"{agent.route} on days {days}{renal}{_mark(agent)}"
            )
    if p.infusion:
        lines.append(
            f"infusion: {p.infusion.route}, at least {p.infusion.min_hours_after_lymphodepletion} h"
            f" after the end of lymphodepletion{_mark(p.infusion)}"
        )
    if p.visits:
        lines.append(f"visits: {len(p.visits)} (days {p.visits[0].day} to {p.visits[-1].day})")
    for sample in p.samples:
        lines.append(
            f"samples: {sample.analyte} ({sample.matrix}) on {len(sample.days)} days{_mark(sample)}"
        )
    elig = p.eligibility
    complete = "" if elig.complete else " (incomplete: the source gives no full list)"
    lines.append(
        f"eligibility: {len(elig.inclusion)} inclusion, {len(elig.exclusion)} exclusion{complete}"
    )
    if p.windows:
        teae = p.windows.teae
        lines.append(
            f"TEAE window: from {teae.anchor.replace('_', ' ')} to day "
            f"{teae.days_after_infusion} after infusion{_mark(teae)}"
        )
    if p.dlt:
        lines.append(
            f"DLT: window {p.dlt.window_days} days, {len(p.dlt.definitions)} definitions"
            f"{_mark(p.dlt)}"
        )
    else:
        lines.append("DLT: not defined")
    if p.aesi:
        all_assumed = f" {_ASSUMED}" if all(a.assumed for a in p.aesi) else ""
        lines.append(f"AESI: {len(p.aesi)} terms{all_assumed}")
    if p.response:
        lines.append(f"response: {p.response.default_criteria}{_mark(p.response)}")
    for endpoint in p.endpoints:
        lines.append(f"endpoint ({endpoint.type}): {endpoint.name} [{endpoint.time_frame}]")
    lines.append(f"assumed items: {len(assumed_items(p))}")
    lines.extend(f"open: {item}" for item in p.open_items)
    return lines


@protocol_app.command("show")
@handle_errors
def show(
    protocol_id: str = typer.Argument(..., metavar="ID", help="bundled protocol id or a file"),
    as_json: bool = typer.Option(False, "--json", help="print the full protocol as JSON"),
) -> None:
    """Show a protocol: a readable summary, or the full model as JSON."""
    protocol = load_protocol(protocol_id).protocol
    if as_json:
        print_json(protocol)
        return
    title, *rest = _summary_lines(protocol)
    console.print(title, style="bold", markup=False, highlight=False, soft_wrap=True)
    for line in rest:
        console.print(line, markup=False, highlight=False, soft_wrap=True)


@protocol_app.command("validate")
@handle_errors
def validate(
    file: Path = typer.Argument(..., help="protocol YAML file"),
) -> None:
    """Validate a protocol file; errors name the YAML path and line (exit code 2)."""
    loaded = load_protocol_file(file)
    protocol = loaded.protocol
    typer.echo(
        f"valid: {file} (id {protocol.id}, {len(protocol.eligibility.inclusion)} inclusion and "
        f"{len(protocol.eligibility.exclusion)} exclusion criteria, "
        f"{len(assumed_items(protocol))} assumed items, sha256 {loaded.sha256[:12]})"
    )


@protocol_app.command("register")
@handle_errors
def register(
    protocol: str = typer.Argument(..., metavar="ID|FILE", help="bundled protocol id or a file"),
    as_json: bool = typer.Option(False, "--json", help="print the version as JSON"),
    url: Url = None,
) -> None:
    """Register a protocol version in the trial database (the same text again: the same one).

    A changed file is a new version, never an overwrite; subjects are screened
    under a version by its id.
    """
    from cartrial.cli.store import _cli_actor, _migrated_engine
    from cartrial.services.admin import register_protocol_version
    from cartrial.store import make_sessionmaker

    loaded = load_protocol(protocol)
    sessions = make_sessionmaker(_migrated_engine(url))
    registration = register_protocol_version(
        sessions, actor=_cli_actor(), yaml_text=loaded.text, origin=loaded.origin
    )
    version = registration.version
    if as_json:
        print_json(
            {
                "id": version.id,
                "protocol_id": version.protocol_id,
                "label": version.label,
                "sha256": version.sha256,
                "registered_at": version.registered_at.isoformat(),
                "is_new": registration.is_new,
            }
        )
        return
    said = "registered" if registration.is_new else "already registered"
    typer.echo(
        f"{said}: protocol version {version.id}\n"
        f"  protocol {version.protocol_id}, version {version.label}\n"
        f"  sha256 {version.sha256}"
    )


def _register_import_ctgov() -> None:
    from cartrial.cli.ctgov import import_ctgov

    protocol_app.command("import-ctgov")(import_ctgov)


_register_import_ctgov()
