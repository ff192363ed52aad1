"""The study report as one self-contained HTML file: figures embedded as base64 PNGs,
styles inline, rendered by the one Jinja environment (:mod:`cartrial.report.environment`).
The print styles (A4 pages, table headers repeated on each page, rows and figures never
split) serve the PDF, which is this same HTML printed (:mod:`cartrial.report.study.pdf`)."""

from __future__ import annotations

import base64

from cartrial.report.environment import render
from cartrial.report.study.model import StudyReport

__all__ = ["render_report_html"]


def render_report_html(report: StudyReport) -> str:
    images = {
        f.key: base64.b64encode(f.png).decode("ascii") if f.png else None for f in report.figures()
    }
    return render("study_report.html.j2", report=report, images=images)
