"""The PDF of the study report: the same HTML printed by headless Chromium.

Why Chromium (Debian's ``chromium`` package) and not WeasyPrint: WeasyPrint needs the
Pango/HarfBuzz system libraries and implements its own subset of CSS, so the PDF could
differ from the HTML a reader opens; Chromium prints exactly what the browser shows
(``@page``, repeated ``thead``, ``break-inside``) and the project already installs it
for its browser tests (``make test`` runs ``apt-get install chromium`` when missing).
A missing browser is a :class:`~cartrial.errors.InputError` naming it (CLI exit 2).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from cartrial.errors import InputError

__all__ = ["CHROMIUM_NAMES", "find_chromium", "print_pdf", "require_chromium"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-pdf-header-footer",
)


def find_chromium() -> str | None:
    """The Chromium executable: ``$CARTRIAL_CHROMIUM``, else the first on PATH."""
    explicit = os.environ.get("CARTRIAL_CHROMIUM")
    if explicit:
        return explicit if shutil.which(explicit) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The Chromium executable, or an :class:`InputError` saying how to install it."""
    browser = find_chromium()
    if browser is None:
        raise InputError(
            "--pdf",
            os.environ.get("CARTRIAL_CHROMIUM") or "chromium",
            "a Chromium browser on PATH (Debian: apt-get install chromium; or set "
            "CARTRIAL_CHROMIUM) to print the PDF",
        )
    return browser


def print_pdf(html: Path, pdf: Path, *, timeout_s: float = 120) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium; errors name what went wrong."""
    browser = require_chromium()
    with tempfile.TemporaryDirectory(prefix="cartrial-chromium-") as profile:
        command = [
            browser,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise InputError("--pdf", browser, f"Chromium to print within {timeout_s:g} s") from exc
    if done.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
        tail = (done.stderr or "").strip().splitlines()[-3:]
        raise InputError(
            "--pdf", browser, "a PDF printed by Chromium; it said: " + " | ".join(tail)
        )
    return pdf
