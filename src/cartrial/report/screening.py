"""The screening report: decisions per protocol, reasons, and every criterion per subject."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cartrial import __version__
from cartrial.eligibility.batch import ProtocolSummary
from cartrial.eligibility.screen import ScreeningResult
from cartrial.protocol.model import Protocol
from cartrial.report.environment import render

__all__ = ["render_screening_html", "write_screening_html"]


def render_screening_html(
    *,
    title: str,
    protocols: list[Protocol],
    results: list[ScreeningResult],
    summaries: list[ProtocolSummary],
    note: str = "",
) -> str:
    """The screening report as one self-contained HTML page."""
    by_subject: dict[str, dict[str, ScreeningResult]] = {}
    for result in results:
        by_subject.setdefault(result.subject_id, {})[result.protocol_id] = result
    return render(
        "screening.html.j2",
        title=title,
        note=note,
        protocols=protocols,
        summaries=summaries,
        by_subject=by_subject,
        version=__version__,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def write_screening_html(path: Path, **kwargs: object) -> Path:
    """Render the report (see :func:`render_screening_html`) and write it to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_screening_html(**kwargs), encoding="utf-8")  # type: ignore[arg-type]
    return path
