"""The subject casebook as one self-contained HTML page, for screen and print.

- 21 CFR 11.50(b): every signature's printed name, date and time and meaning
  are part of the human-readable form, next to the record signed; an
  invalidated signature is struck through with the store's reason;
- every time is shown on the site's clock with its zone, the UTC time beside it
  (``2026-03-10 01:30:00 Asia/Shanghai (2026-03-09 17:30:00 UTC)``): the site
  works on its clock, the store keeps UTC (:mod:`cartrial.services.site_clock`);
- EU GMP Annex 11 section 8.2: each record says whether its data changed since
  the original entry, and each changed field shows the value first entered;
- print CSS: each form starts a page; ``@page`` margin boxes repeat the header
  (protocol, site, subject, generated at/by, audit chain head) where the
  engine supports them (WeasyPrint, Chromium 131+), and each form repeats it
  at its top for the others.

Every value is escaped (:mod:`cartrial.report.environment`: autoescape on, whatever the
template's name): a stored ``<script>`` prints as text.
"""

from __future__ import annotations

from pathlib import Path

from cartrial.report.environment import render
from cartrial.services.casebook.model import Casebook, format_site_time

__all__ = ["render_casebook_html", "running_header", "write_casebook_html"]


def running_header(book: Casebook) -> str:
    """The line repeated on every page: protocol, site, subject, generation, audit head."""
    return (
        f"{book.protocol_id} | site {book.site_code} | subject {book.subject_code} | "
        f"generated {format_site_time(book.generated_at, book.time_zone)} by {book.generated_by} | "
        f"audit head {book.audit_head_seq} {book.audit_head_sha256}"
    )


def render_casebook_html(book: Casebook) -> str:
    """The casebook as one HTML page (no scripts, no external resources)."""
    records = book.records()
    return render(
        "casebook.html.j2",
        book=book,
        running=running_header(book),
        record_count=len(records),
        signatures=book.signatures(),
    )


def write_casebook_html(path: Path, book: Casebook) -> int:
    """Render the casebook to ``path``; returns the bytes written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = render_casebook_html(book).encode("utf-8")
    path.write_bytes(data)
    return len(data)
