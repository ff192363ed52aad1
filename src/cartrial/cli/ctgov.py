"""``cartrial protocol import-ctgov``: a protocol YAML skeleton from a ClinicalTrials.gov record.

Thin adapter: read (or, when asked, fetch) the record, call
:func:`cartrial.interop.ctgov.skeleton.protocol_skeleton`, write YAML, and check the result
loads as a protocol.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
import yaml

from cartrial.cli.common import console, handle_errors
from cartrial.errors import InputError

__all__ = ["import_ctgov"]


class _NoAliases(yaml.SafeDumper):
    """A dumper that writes a repeated value again instead of an anchor and alias: protocol
    files refuse aliases (``cartrial.protocol.load``)."""

    def ignore_aliases(self, data: object) -> bool:
        return True


@handle_errors
def import_ctgov(
    record: Annotated[
        str,
        typer.Argument(help="a study record in the API v2 JSON format, or an NCT id with --fetch"),
    ],
    out: Annotated[
        Path | None, typer.Option("--out", help="write the YAML here (default: stdout)")
    ] = None,
    protocol_id: Annotated[
        str | None, typer.Option("--id", help="protocol id (default: the NCT id)")
    ] = None,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="fetch RECORD (an NCT id) from clinicaltrials.gov")
    ] = False,
) -> None:
    """Write a protocol skeleton: criteria matched to rule kinds or left for investigator review."""
    from cartrial.interop.ctgov.record import parse_registry_record, read_registry_record
    from cartrial.interop.ctgov.skeleton import protocol_skeleton
    from cartrial.protocol import load_protocol_file

    if fetch:
        from cartrial.interop.ctgov.fetch import fetch_study

        parsed = parse_registry_record(fetch_study(record), f"{record} (clinicaltrials.gov)")
    else:
        path = Path(record)
        if not path.is_file():
            raise InputError("RECORD", record, "a study record file (or an NCT id with --fetch)")
        parsed = read_registry_record(path)
    doc = protocol_skeleton(parsed, protocol_id=protocol_id)
    header = (
        f"# Protocol skeleton from ClinicalTrials.gov record {parsed.nct_id}, written by\n"
        "# `cartrial protocol import-ctgov`. Criteria read by a rule say so in `interpretation`;\n"
        "# the rest are `review` rules (needs investigator review). See open_items.\n"
    )
    text = header + yaml.dump(
        doc, Dumper=_NoAliases, sort_keys=False, allow_unicode=True, width=100
    )
    with tempfile.TemporaryDirectory() as tmp:
        check = Path(tmp) / f"{doc['id']}.yaml"
        check.write_text(text, encoding="utf-8")
        load_protocol_file(check)  # the skeleton is a valid protocol, or this names why
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    inc, exc = doc["eligibility"]["inclusion"], doc["eligibility"]["exclusion"]
    review = sum(1 for c in [*inc, *exc] if "needs investigator review" in c["interpretation"])
    console.print(
        f"{out}: {len(inc)} inclusion and {len(exc)} exclusion criteria "
        f"({len(inc) + len(exc) - review} read fully by rules, {review} need investigator review), "
        f"{len(doc['endpoints'])} endpoints, {len(doc['open_items'])} open items",
        highlight=False,
    )
