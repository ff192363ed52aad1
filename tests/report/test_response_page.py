"""The efficacy figures and page (report/figures, report/response_page.py) on the example study.

docs/examples/response/study: six subjects (tests/response/test_summary.py derives their
BOR, ORR and survival by hand); the figures must be PNG images and the page must carry the
tables and one image per figure kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cartrial.cli.common import read_json_file
from cartrial.report.figures.km import plot_kaplan_meier
from cartrial.report.figures.spider import plot_spider
from cartrial.report.figures.swimmer import plot_swimmer
from cartrial.report.figures.waterfall import plot_waterfall
from cartrial.report.response_page import render_summary_html
from cartrial.response.lesions import parse_subject
from cartrial.response.summary import StudySummary, summarise_study

STUDY = Path(__file__).resolve().parents[2] / "docs" / "examples" / "response" / "study"


@pytest.fixture(scope="module")
def summary() -> StudySummary:
    files = sorted(STUDY.glob("*.json"))
    return summarise_study([parse_subject(read_json_file(f)) for f in files])


def test_figures_are_png(summary: StudySummary) -> None:
    for png in (plot_waterfall(summary), plot_spider(summary), plot_swimmer(summary)):
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_kaplan_meier_is_png(summary: StudySummary) -> None:
    assert plot_kaplan_meier(summary.kaplan_meier["OS"], title="OS").startswith(b"\x89PNG")


def test_page_has_every_subject_and_figure(summary: StudySummary) -> None:
    page = render_summary_html(summary)
    assert page.startswith("<!doctype html>")
    for subject in ("101-003", "102-001", "103-002", "104-001", "105-001", "106-001"):
        assert f"<td>{subject}</td>" in page
    for name in ("waterfall", "spider", "swimmer", "Kaplan-Meier OS"):
        assert f'<img alt="{name}" src="data:image/png;base64,' in page
