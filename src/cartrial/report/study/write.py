"""Write the study report's files: ``report.html``, optionally ``report.pdf`` and the
subjects' casebooks (``casebooks/<code>.html``, :mod:`cartrial.report.casebook`), which
the listings then link to. The casebooks are read after the report's snapshot; each is
an audited ``export`` (:func:`cartrial.services.casebook.build_casebook`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cartrial.actor import Actor
from cartrial.report.casebook import write_casebook_html
from cartrial.report.study.build import build_report, no_link
from cartrial.report.study.html import render_report_html
from cartrial.report.study.pdf import print_pdf, require_chromium
from cartrial.services.casebook import build_casebook, find_subject
from cartrial.services.context import Sessions
from cartrial.services.study_report import study_data

__all__ = ["CASEBOOK_DIR", "Written", "casebook_href", "write_study_report"]

CASEBOOK_DIR = "casebooks"


@dataclass(frozen=True)
class Written:
    paths: list[Path]
    tables: int
    figures: int
    warnings: list[str]


def casebook_href(code: str) -> str:
    """The relative link from ``report.html`` to a subject's casebook."""
    return f"{CASEBOOK_DIR}/{code}.html"


def write_study_report(
    sessions: Sessions,
    out: Path,
    *,
    protocol_id: str | None = None,
    as_of: dt.datetime | None = None,
    pdf: bool = False,
    casebooks_actor: Actor | None = None,
) -> Written:
    """Write the report into ``out`` (created); returns the paths written."""
    if pdf:
        require_chromium()  # before reading: a missing browser fails fast
    data = study_data(sessions, protocol_id=protocol_id, as_of=as_of)
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    link = no_link
    if casebooks_actor is not None:
        folder = out / CASEBOOK_DIR
        folder.mkdir(exist_ok=True)
        for record in data.records:
            book = build_casebook(
                sessions,
                actor=casebooks_actor,
                subject_id=find_subject(sessions, actor=casebooks_actor, key=record.code),
                source="cli",
            )
            write_casebook_html(folder / f"{record.code}.html", book)
        link = casebook_href
        paths.append(folder)
    report = build_report(data, link=link)
    html = out / "report.html"
    html.write_text(render_report_html(report), encoding="utf-8")
    paths.insert(0, html)
    if pdf:
        paths.insert(1, print_pdf(html, out / "report.pdf"))
    return Written(paths, len(report.tables()), len(report.figures()), report.warnings)
