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

Every value is escaped (autoescape on, whatever the template's name): a stored
``<script>`` prints as text.
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from cartrial.eligibility.screen import verdict_label
from cartrial.services.casebook.model import Casebook, format_site_time

__all__ = ["css_string", "pretty_json", "render_casebook_html", "write_casebook_html"]

_CSS_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_()#/@")


def css_string(text: str) -> str:
    """``text`` for a double-quoted CSS string: anything but plain characters as a hex escape.

    >>> css_string('S-001 "</style>')
    'S-001 \\\\22 \\\\3c /style\\\\3e '
    """
    return "".join(c if c in _CSS_SAFE else f"\\{ord(c):x} " for c in text)


def pretty_json(text: str | None) -> str:
    """Stored JSON text indented for reading; anything else unchanged.

    >>> print(pretty_json('{"b": 1, "a": [2]}'))
    {
      "b": 1,
      "a": [
        2
      ]
    }
    """
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


_ENV = Environment(
    loader=PackageLoader("cartrial.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["site_time"] = format_site_time
_ENV.filters["css_string"] = css_string
_ENV.filters["pretty_json"] = pretty_json
_ENV.filters["verdict_label"] = lambda verdict, kind: verdict_label(kind, verdict)


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
    return _ENV.get_template("casebook.html.j2").render(
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
