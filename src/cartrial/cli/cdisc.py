"""``cartrial cdisc``: CDISC datasets of a trial as submission files (issue 16).

- ``cartrial cdisc sdtm --db PATH --out DIR``: the SDTM datasets (SDTMIG 3.4,
  :func:`cartrial.cdisc.sdtm.build_sdtm`) of the trial in the SQLite file ``PATH`` at
  the data cut (``--as-of``, default now), as SAS XPORT v5 and/or Dataset-JSON v1.1
  (``--format xpt|json|both``), with ``define.xml`` (code lists from the shipped CDISC
  CT) and ``mapping_log.txt``: every record or value a domain could not map, by name.
- ``cartrial cdisc adam --sdtm DIR --out DIR``: the ADaM datasets (ADaMIG 1.3) derived
  from the SDTM files in ``DIR`` (Dataset-JSON preferred, else XPORT), with the
  protocol's analysis parameters (``--protocol``, default the bundled protocol whose id
  is DM's STUDYID in lower case), written like the SDTM ones with their define.xml.

Bad input (a missing file, an SDTM dataset without a variable the derivations need, a
value beyond the XPORT limits) is one message and exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from cartrial.cli.common import handle_errors

__all__ = ["cdisc_app"]

cdisc_app = typer.Typer(
    help="CDISC datasets: SDTM from the trial database, ADaM from SDTM (XPORT, Dataset-JSON, "
    "define.xml).",
    no_args_is_help=True,
)

Format = Annotated[
    str,
    typer.Option(
        "--format",
        help="xpt (SAS XPORT v5), json (Dataset-JSON v1.1) or both",
        case_sensitive=False,
    ),
]


def _file_format(value: str) -> Literal["xpt", "json", "both"]:
    from cartrial.errors import InputError

    lowered = value.lower()
    if lowered == "xpt":
        return "xpt"
    if lowered == "json":
        return "json"
    if lowered == "both":
        return "both"
    raise InputError("--format", value, "one of xpt, json, both")


@cdisc_app.command("sdtm")
@handle_errors
def sdtm(
    db: Annotated[Path, typer.Option("--db", help="the trial's SQLite database file")],
    out: Annotated[Path, typer.Option("--out", help="directory to write the SDTM files to")],
    file_format: Format = "both",
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", "-p", help="protocol id (default: the database's only one)"),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="data cut, ISO 8601 date-time in UTC (default: now)"),
    ] = None,
) -> None:
    """Build the SDTM datasets of a trial database and write them with define.xml."""
    import datetime as dt

    from cartrial.cdisc.define import shipped_codelists
    from cartrial.cdisc.formats.package import write_package
    from cartrial.cdisc.sdtm import build_sdtm
    from cartrial.errors import InputError
    from cartrial.store import make_sessionmaker
    from cartrial.store.db import make_engine
    from cartrial.store.migrate import current_revision

    chosen = _file_format(file_format)
    if not db.is_file():
        raise InputError("--db", str(db), "an existing SQLite trial database file")
    cut = None
    if as_of is not None:
        try:
            cut = dt.datetime.fromisoformat(as_of)
        except ValueError as exc:
            raise InputError("--as-of", as_of, "an ISO 8601 date-time") from exc
        if cut.tzinfo is None:
            cut = cut.replace(tzinfo=dt.UTC)
    engine = make_engine(f"sqlite:///{db}")
    try:
        if current_revision(engine) is None:
            raise InputError("--db", str(db), "a trial database (`cartrial db init` schema)")
        built = build_sdtm(make_sessionmaker(engine), protocol, as_of=cut)
    finally:
        engine.dispose()
    studyid = built.protocol_id.upper()
    written = write_package(
        built.datasets,
        out,
        study_oid=studyid,
        file_format=chosen,
        codelists=shipped_codelists(),
        ct_version=built.ct_version.removeprefix("SDTM CT "),
    )
    log = out / "mapping_log.txt"
    log.write_text("".join(f"{entry}\n" for entry in built.mapping_log.entries), "utf-8")
    for dataset in built.datasets:
        typer.echo(f"{dataset.name:<8} {len(dataset.frame):>6} records  {dataset.label}")
    typer.echo(
        f"{len(written.files)} files, {written.define.name} and {log.name} "
        f"({len(built.mapping_log)} entries) written to {out}"
    )


@cdisc_app.command("adam")
@handle_errors
def adam(
    sdtm: Annotated[Path, typer.Option("--sdtm", help="directory of SDTM .json or .xpt files")],
    out: Annotated[Path, typer.Option("--out", help="directory to write the ADaM files to")],
    file_format: Format = "both",
    protocol: Annotated[
        str | None,
        typer.Option(
            "--protocol", "-p", help="bundled protocol id or YAML file (default: STUDYID)"
        ),
    ] = None,
) -> None:
    """Derive ADSL, ADAE, ADLB, ADRS, ADTTE, ADPC, ADPP and ADDLT from SDTM files."""
    from cartrial.cdisc.adam import build_adam
    from cartrial.cdisc.adam.source import read_sdtm_directory
    from cartrial.cdisc.define import shipped_codelists
    from cartrial.cdisc.formats.package import write_package
    from cartrial.protocol.load import load_protocol

    chosen = _file_format(file_format)
    source = read_sdtm_directory(sdtm)
    studyid = str(source.frame("DM")["STUDYID"].iloc[0])
    loaded = load_protocol(protocol or studyid.lower())
    built = build_adam(source, protocol=loaded.protocol)
    written = write_package(
        built.datasets,
        out,
        study_oid=studyid,
        file_format=chosen,
        codelists=shipped_codelists(),
    )
    for dataset in built.datasets:
        typer.echo(f"{dataset.name:<6} {len(dataset.frame):>6} records  {dataset.label}")
    typer.echo(f"{len(written.files)} files and {written.define.name} written to {out}")
