"""``cartrial cdisc``: CDISC datasets of a trial as submission files (issue 16).

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
    from cartrial.cdisc.formats.package import write_package
    from cartrial.protocol.load import load_protocol

    chosen = _file_format(file_format)
    source = read_sdtm_directory(sdtm)
    studyid = str(source.frame("DM")["STUDYID"].iloc[0])
    loaded = load_protocol(protocol or studyid.lower())
    built = build_adam(source, protocol=loaded.protocol)
    written = write_package(built.datasets, out, study_oid=studyid, file_format=chosen)
    for dataset in built.datasets:
        typer.echo(f"{dataset.name:<6} {len(dataset.frame):>6} records  {dataset.label}")
    typer.echo(f"{len(written.files)} files and {written.define.name} written to {out}")
