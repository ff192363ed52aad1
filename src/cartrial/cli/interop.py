"""``cartrial redcap`` and ``cartrial odm``: a site's forms and data in and out.

Thin adapter over :mod:`cartrial.interop` (forms, REDCap dictionary and records, ODM) and the
services (:mod:`cartrial.services.exchange` reads, :func:`cartrial.interop.records.write_records`
writes through the services in one transaction). An import signs in as the importing user
(password from ``$CARTRIAL_PASSWORD`` or a prompt) and records ``--reason`` with every entry;
it writes nothing unless every record passes.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from cartrial.cli.common import Url, console, error_console, fail, handle_errors
from cartrial.interop.forms import Form
from cartrial.interop.records import FormRecord, ImportProblem

__all__ = ["odm_app", "redcap_app"]

redcap_app = typer.Typer(help="REDCap data dictionaries and record imports.", no_args_is_help=True)
odm_app = typer.Typer(help="CDISC ODM 1.3.2 export and import.", no_args_is_help=True)

Protocol = Annotated[str, typer.Option("--protocol", help="bundled protocol id or YAML file")]
Out = Annotated[Path | None, typer.Option("--out", help="write here (default: stdout)")]
User = Annotated[str, typer.Option("--user", help="the importing user (signs in)")]
Role = Annotated[str, typer.Option("--role", help="the role to act in, e.g. coordinator")]
SiteCode = Annotated[str | None, typer.Option("--site", help="the site code the role is held at")]
Reason = Annotated[str, typer.Option("--reason", help="why: recorded with every entry")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="check every record, write nothing")]


def _forms(protocol: str) -> tuple[Form, ...]:
    from cartrial.interop.forms import protocol_forms
    from cartrial.protocol import load_protocol

    return protocol_forms(load_protocol(protocol).protocol)


@redcap_app.command("dictionary")
@handle_errors
def dictionary(protocol: Protocol, out: Out = None) -> None:
    """The protocol's forms as a REDCap data dictionary (CSV for REDCap's upload)."""
    from cartrial.interop.redcap_dictionary import data_dictionary_csv, repeating_forms

    forms = _forms(protocol)
    text = data_dictionary_csv(forms)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(
        f"{out}: {text.count(chr(10)) - 1} fields in {len(forms)} forms; enable as repeating "
        f"instruments: {', '.join(repeating_forms(forms))}",
        highlight=False,
    )


def _report(problems: list[ImportProblem], title: str) -> None:
    if not problems:
        return
    error_console.print(f"{title} ({len(problems)}):", highlight=False)
    for problem in problems[:200]:
        error_console.print(f"  {problem}", highlight=False, soft_wrap=True)
    if len(problems) > 200:
        error_console.print(f"  ... and {len(problems) - 200} more", highlight=False)


def _write(
    records: list[FormRecord],
    problems: list[ImportProblem],
    *,
    url: str | None,
    user: str,
    role: str,
    site: str | None,
    reason: str,
    dry_run: bool,
) -> None:
    from cartrial.interop.records import check_records, write_records
    from cartrial.services.auth import login, logout
    from cartrial.store import make_engine, make_sessionmaker

    writes, found = check_records(records)
    problems = problems + found
    if problems:
        _report(problems, "refused: nothing was imported")
        raise typer.Exit(2)
    if dry_run:
        console.print(f"{len(writes)} records pass every check (dry run: nothing written)")
        return
    if not reason.strip():
        raise fail("--reason is required: it is recorded with every entry the import writes")
    password = os.environ.get("CARTRIAL_PASSWORD") or typer.prompt(
        f"password for {user}", hide_input=True
    )
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    token, actor = login(sessions, username=user, password=password, role=role, site_code=site)
    try:
        counts = write_records(sessions, actor=actor, reason=reason, writes=writes)
    finally:
        logout(sessions, token)
        engine.dispose()
    summary = ", ".join(f"{n} {form}" for form, n in sorted(counts.items()))
    console.print(f"imported {sum(counts.values())} records ({summary}) as {user}", highlight=False)


@redcap_app.command("import")
@handle_errors
def import_records(
    records: Annotated[Path, typer.Argument(help="REDCap record export (flat CSV, raw data)")],
    dictionary_file: Annotated[
        Path, typer.Option("--dictionary", help="the project's data dictionary CSV")
    ],
    user: User,
    role: Role,
    reason: Reason,
    field_map: Annotated[
        Path | None, typer.Option("--map", help="field map YAML (default: cartrial's names)")
    ] = None,
    site: SiteCode = None,
    url: Url = None,
    dry_run: DryRun = False,
) -> None:
    """Import REDCap records through the services: all or nothing, every problem named."""
    from cartrial.interop.redcap_records import (
        FieldMap,
        read_dictionary,
        read_field_map,
        read_redcap_records,
    )

    mapping = read_field_map(field_map) if field_map else FieldMap.identity()
    read = read_redcap_records(records, read_dictionary(dictionary_file), mapping)
    _report(read.not_imported, "fields with a value that no cartrial form imports")
    _write(read.records, read.problems, url=url, user=user, role=role, site=site,
           reason=reason, dry_run=dry_run)  # fmt: skip


@odm_app.command("export")
@handle_errors
def export(
    protocol: Protocol,
    out: Annotated[Path, typer.Option("--out", help="the ODM XML file to write")],
    url: Url = None,
    metadata_only: Annotated[
        bool, typer.Option("--metadata-only", help="forms only, no data")
    ] = False,
) -> None:
    """The protocol's forms (and its follow-up records) as ODM 1.3.2, checked against the XSD."""
    from cartrial.clock import utcnow
    from cartrial.interop.odm import odm_document, validate_odm
    from cartrial.protocol import load_protocol

    loaded = load_protocol(protocol)
    records = None
    if not metadata_only:
        from cartrial.services.exchange import follow_up_records
        from cartrial.store import make_engine, make_sessionmaker

        engine = make_engine(url)
        records = follow_up_records(make_sessionmaker(engine), loaded.protocol.id)
        engine.dispose()
    document = odm_document(
        _forms(protocol),
        study_oid=f"ST.{loaded.protocol.id.upper()}",
        study_name=loaded.protocol.id,
        description=loaded.protocol.title,
        records=records,
        created_at=utcnow().replace(microsecond=0).astimezone(dt.UTC),
    )
    out.write_bytes(document)
    validate_odm(out)
    subjects = len({r.subject_code for r in records or []})
    console.print(
        f"{out}: ODM 1.3.2 (valid against ODM1-3-2.xsd), {len(records or [])} records of "
        f"{subjects} subjects",
        highlight=False,
    )


@odm_app.command("import")
@handle_errors
def import_odm(
    document: Annotated[Path, typer.Argument(help="an ODM 1.3.2 file with ClinicalData")],
    protocol: Protocol,
    user: User,
    role: Role,
    reason: Reason,
    site: SiteCode = None,
    url: Url = None,
    dry_run: DryRun = False,
) -> None:
    """Import ODM clinical data through the services: all or nothing, every problem named."""
    from cartrial.interop.odm import read_odm_records

    records, problems = read_odm_records(document, _forms(protocol))
    _write(records, problems, url=url, user=user, role=role, site=site,
           reason=reason, dry_run=dry_run)  # fmt: skip
