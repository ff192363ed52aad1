"""``cartrial report``: the study report of a trial database, as HTML and optionally PDF.

Reads one snapshot (:func:`cartrial.services.study_report.study_data`), builds the
numbered report (:mod:`cartrial.report.study`) and writes ``report.html`` (one
self-contained file); ``--pdf`` prints it to ``report.pdf`` with headless Chromium;
``--casebooks`` writes each subject's casebook to ``casebooks/<code>.html`` beside it
(:mod:`cartrial.report.casebook`; each casebook read is an ``export`` audit entry,
21 CFR 11.10(b)) and links every subject in the listings to it.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from cartrial.cli.common import Url, handle_errors
from cartrial.errors import InputError

__all__ = ["report"]


def _as_of(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InputError(
            "--as-of", text, "an ISO 8601 timestamp, e.g. 2027-06-30T00:00:00Z"
        ) from exc
    if moment.tzinfo is None:
        raise InputError("--as-of", text, "a timestamp with its UTC offset (Z or +hh:mm)")
    return moment.astimezone(dt.UTC)


def _url(db: Path | None, url: str | None) -> str | None:
    if db is None:
        return url
    if not db.is_file():
        raise InputError("--db", str(db), "an existing trial database file (SQLite)")
    return f"sqlite:///{db.resolve()}"


@handle_errors
def report(
    out: Annotated[
        Path, typer.Option("--out", help="directory to write report.html (and .pdf) into")
    ],
    db: Annotated[
        Path | None, typer.Option("--db", help="the trial database file (SQLite)")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="data cut, ISO 8601 with offset (default: the last audit entry)"
        ),
    ] = None,
    protocol: Annotated[
        str | None,
        typer.Option("--protocol", help="protocol id (default: the database's only one)"),
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf", help="also print report.pdf (headless Chromium)")
    ] = False,
    casebooks: Annotated[
        bool,
        typer.Option(
            "--casebooks", help="write each subject's casebook beside the report and link it"
        ),
    ] = False,
    url: Url = None,
) -> None:
    """Write the study report: every endpoint as numbered tables, listings and figures."""
    from cartrial.cli.store import _cli_actor, _migrated_engine
    from cartrial.report.study.write import write_study_report
    from cartrial.store import make_sessionmaker

    started = time.perf_counter()
    moment = _as_of(as_of)
    sessions = make_sessionmaker(_migrated_engine(_url(db, url)))
    written = write_study_report(
        sessions,
        out,
        protocol_id=protocol,
        as_of=moment,
        pdf=pdf,
        casebooks_actor=_cli_actor() if casebooks else None,
    )
    typer.echo(
        f"{written.tables} tables and {written.figures} figures; "
        + ", ".join(str(p) for p in written.paths)
        + f" ({time.perf_counter() - started:.1f} s)"
    )
    for warning in written.warnings:
        typer.echo(f"note: {warning}")
