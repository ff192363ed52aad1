"""``cartrial casebook``: write a subject's casebook as an HTML page (print it for paper or PDF).

The database is chosen as for every store command (``--url``, else
``$CARTRIAL_DATABASE_URL``, else ``cartrial.db``); the command reads as
``cli:<operating-system user>`` in the admin role, which the page names as its
generator, and which the ``export`` audit entry names (source ``cli``).
21 CFR 11.10(b), 11.50; EU GMP Annex 11 section 8.2 (docs/store.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cartrial.cli.common import Url, handle_errors
from cartrial.cli.store import _cli_actor, _migrated_engine
from cartrial.report.casebook import write_casebook_html
from cartrial.services.casebook import build_casebook, find_subject
from cartrial.store import make_sessionmaker

__all__ = ["casebook"]


@handle_errors
def casebook(
    subject: Annotated[str, typer.Argument(help="subject code (or id when codes repeat)")],
    out: Annotated[Path, typer.Option("--out", help="the HTML file to write")],
    url: Url = None,
) -> None:
    """Write a subject's casebook: every record, signature and audit entry, as HTML."""
    sessions = make_sessionmaker(_migrated_engine(url))
    actor = _cli_actor()
    book = build_casebook(
        sessions,
        actor=actor,
        subject_id=find_subject(sessions, actor=actor, key=subject),
        source="cli",
    )
    size = write_casebook_html(out, book)
    typer.echo(
        f"casebook of subject {book.subject_code} (site {book.site_code}): "
        f"{len(book.records())} records, {len(book.signatures())} signatures, "
        f"{size:,} bytes written to {out}"
    )
