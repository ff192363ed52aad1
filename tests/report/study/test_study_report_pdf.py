"""The study report's PDF (headless Chromium) of the 20-patient szugh trial: A4 pages,
every numbered table's title in the text, nothing drawn in the right margin (no table
wider than the page). Skips without chromium or poppler-utils, fails under CI=true."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from tests.simulated_trials import SimulatedTrial

from cartrial.report.study.pdf import find_chromium
from cartrial.report.study.write import Written, write_study_report
from cartrial.store import make_sessionmaker
from cartrial.store.db import make_engine

DPI = 40
#: A4 is 210 x 297 mm: at DPI pixels per inch.
A4_PX = (round(210 / 25.4 * DPI), round(297 / 25.4 * DPI))


def _require(tool: str | None, what: str) -> None:
    if tool is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{what} is missing under CI=true")
        pytest.skip(f"{what} is not installed (make test installs it)")


@pytest.fixture(scope="module")
def printed(
    szugh_trial: SimulatedTrial, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Written, Path]:
    _require(find_chromium(), "chromium")
    _require(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    out = tmp_path_factory.mktemp("szugh-report")
    engine = make_engine(szugh_trial.url)
    try:
        written = write_study_report(make_sessionmaker(engine), out, pdf=True)
    finally:
        engine.dispose()
    return written, out


def test_the_pdf_has_a4_pages_and_every_numbered_table(printed: tuple[Written, Path]) -> None:
    written, out = printed
    pdf = out / "report.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert 8 <= pages <= 60
    assert "(A4)" in info
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    html = (out / "report.html").read_text(encoding="utf-8")
    labels = re.findall(r'<h3 id="[^"]+">((?:Table|Listing) \d+)\. ', html)
    assert len(labels) == written.tables
    for label in labels:
        assert f"{label}." in flat, label
    for n in range(1, written.figures + 1):
        assert f"Figure {n}." in flat


def test_pages_are_a4_with_nothing_in_the_right_margin(printed: tuple[Written, Path]) -> None:
    """Rendered at 40 dpi every page is A4; the rightmost 4 mm (inside the 11 mm margin)
    is blank on every page, so no table or figure runs past the page's printable width."""
    _, out = printed
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(out / "report.pdf"), str(out / "page")], check=True
    )
    pages = sorted(out.glob("page-*.png"))
    assert pages
    strip = round(4 / 25.4 * DPI)
    for path in pages:
        image = Image.open(path).convert("L")
        assert abs(image.size[0] - A4_PX[0]) <= 1 and abs(image.size[1] - A4_PX[1]) <= 1, path.name
        margin = image.crop((image.size[0] - strip, 0, image.size[0], image.size[1]))
        assert margin.getextrema()[0] >= 250, f"{path.name}: something drawn in the right margin"
