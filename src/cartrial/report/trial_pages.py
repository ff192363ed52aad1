"""The trial's summary and analysis pages, rendered from a :class:`TrialAnalysis`.

Presentation only: every number comes from
:func:`cartrial.services.trial_summary.trial_analysis` (data access and engines
live in ``cartrial.services`` and the domain packages). Each figure shows the rule
it came from, in a tooltip (``title``) and in a rule column or note beside it.

Pages (one directory, linked by a navigation bar):

- ``index.html``: the summary (counts, MTD, RP2D, CRS/ICANS, ORR/DCR, medians);
- ``safety.html``: :func:`cartrial.report.safety_page.render_safety_html` on the
  safety tables of every infused subject (TEAE by term and worst grade by dose
  level, CRS/ICANS, DLTs; CTCAE v5.0 and ASTCT 2019 grades);
- ``response.html``: :func:`cartrial.report.response_page.render_summary_html` on the
  engine's study summary (RECIST 1.1 BOR, ORR/DCR with Clopper-Pearson CIs,
  Kaplan-Meier);
- ``kinetics.html``: NCA by dose level and subject, spaghetti plot
  (:func:`cartrial.report.figures.kinetics.plot_spaghetti`) embedded as a base64 PNG;
- ``escalation.html``: the signed decisions with their reasons and signatures,
  DLTs per level, MTD and RP2D.
"""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from markupsafe import Markup, escape

from cartrial.report.environment import ENVIRONMENT, render
from cartrial.report.figures.kinetics import plot_spaghetti
from cartrial.report.response_page import render_summary_html
from cartrial.report.safety_page import render_safety_html
from cartrial.services.trial_summary import TrialAnalysis

__all__ = ["PAGES", "write_trial_pages"]

PAGES = ("index.html", "safety.html", "response.html", "kinetics.html", "escalation.html")

_NAV = Markup(
    '<nav style="margin-bottom: 1em">'
    + "".join(
        f'<a style="margin-right: 1em" href="{p}">{p.removesuffix(".html").title()}</a>'
        for p in ("index.html", *PAGES[1:])
    )
    + "</nav>"
)


def _framed(page: str, analysis: TrialAnalysis, notes: list[str]) -> str:
    """An engine's own page with the trial's navigation and the rules as a footnote."""
    s = analysis.summary
    footer = Markup(
        '<hr><p style="color: #4b5563; font-size: 0.85em">'
        f"Trial {escape(s.protocol_id)}, protocol version {escape(s.protocol_version)}, data cut "
        f"{escape(s.data_cut.isoformat())}, audit chain head {s.audit_head.seq} "
        f"{escape(s.audit_head.sha256)}.<br>"
        + Markup("<br>").join(escape(n) for n in notes)
        + "</p>"
    )
    page = page.replace("<body>", f"<body>{_NAV}", 1)
    return page.replace("</body>", f"{footer}</body>", 1)


def _note_page(analysis: TrialAnalysis, title: str, note: str) -> str:
    return ENVIRONMENT.from_string(
        '{% extends "trial_base.html.j2" %}{% block body %}<p>{{ note }}</p>{% endblock %}'
    ).render(s=analysis.summary, title=title, note=note)


def _safety(analysis: TrialAnalysis) -> str:
    if analysis.safety_tables is None:
        return _note_page(analysis, "Safety", analysis.safety_note)
    s = analysis.summary
    notes = [
        analysis.safety_note,
        "TEAE window and AESI list: the protocol's; grades: CTCAE v5.0, CRS/ICANS ASTCT 2019 "
        "(Lee et al. 2019) derived from the stored observations.",
        s.crs_rate.any_grade.rule,
        s.dlt_rule,
    ]
    return _framed(render_safety_html(analysis.safety_tables), analysis, notes)


def _response(analysis: TrialAnalysis) -> str:
    s = analysis.summary
    if analysis.study is None:
        return _note_page(analysis, "Response", "no subject infused by the data cut")
    excluded = "; ".join(f"{k}: {v}" for k, v in s.efficacy_excluded.items()) or "none"
    notes = [s.orr.rule, s.dcr.rule, s.median_pfs_days.rule, s.median_os_days.rule]
    notes.append(f"Left out: {excluded}")
    return _framed(render_summary_html(analysis.study), analysis, notes)


def _spaghetti(analysis: TrialAnalysis) -> str | None:
    samples = analysis.kinetics_samples
    if samples is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = plot_spaghetti(samples, Path(tmp) / "spaghetti.png")
        return base64.b64encode(path.read_bytes()).decode("ascii")


def write_trial_pages(analysis: TrialAnalysis, out_dir: Path) -> list[Path]:
    """Write the five pages (module doc) into ``out_dir``; their paths in :data:`PAGES` order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    s = analysis.summary
    texts = {
        "index.html": render("trial_index.html.j2", s=s, title="Trial summary"),
        "safety.html": _safety(analysis),
        "response.html": _response(analysis),
        "kinetics.html": render(
            "trial_kinetics.html.j2", s=s, title="Cellular kinetics", spaghetti=_spaghetti(analysis)
        ),
        "escalation.html": render("trial_escalation.html.j2", s=s, title="Dose escalation"),
    }
    paths = []
    for name in PAGES:
        path = out_dir / name
        path.write_text(texts[name], encoding="utf-8")
        paths.append(path)
    return paths
