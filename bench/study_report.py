"""The study report of the 87-patient uclm802 trial: seconds for HTML and PDF (issue 15).

Builds the report of a given database (``--db``), or simulates uclm802 seed 1 first (about
35 s, not counted), as ``cartrial report --pdf`` does: one snapshot read with the engines
(services.study_report), the numbered report with its figures, report.html, report.pdf by
headless Chromium. Prints each phase, the total and its ratio to the 20 s target. Runs the
whole report 3 times and reports the median (each run in this process after the first
has its imports warm; the first run's time is printed too).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from cartrial.report.study.build import build_report
from cartrial.report.study.html import render_report_html
from cartrial.report.study.pdf import find_chromium, print_pdf
from cartrial.services.study_report import study_data
from cartrial.store import make_sessionmaker
from cartrial.store.db import make_engine

TARGET_S = 20.0


def _simulate(path: Path) -> None:
    from tests.simulated_trials import simulate_trial_database

    started = time.perf_counter()
    simulate_trial_database("uclm802", path, seed=1)
    print(f"simulated uclm802 seed 1 in {time.perf_counter() - started:.1f} s (not counted)")


def _once(db: Path, out: Path, pdf: bool) -> dict[str, float]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    engine = make_engine(f"sqlite:///{db}")
    data = study_data(make_sessionmaker(engine))
    engine.dispose()
    t1 = time.perf_counter()
    report = build_report(data)
    t2 = time.perf_counter()
    html = out / "report.html"
    html.write_text(render_report_html(report), encoding="utf-8")
    t3 = time.perf_counter()
    times = {"read + engines": t1 - t0, "tables + figures": t2 - t1, "HTML": t3 - t2}
    if pdf:
        print_pdf(html, out / "report.pdf")
        times["PDF (chromium)"] = time.perf_counter() - t3
    times["total"] = time.perf_counter() - t0
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, help="a uclm802 trial database (default: simulate one)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pdf = find_chromium() is not None
    if not pdf:
        print("chromium not found: HTML only")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            db = Path(tmp) / "uclm802.db"
            _simulate(db)
        runs = [_once(db, Path(tmp), pdf) for _ in range(args.runs)]
        size = (Path(tmp) / "report.html").stat().st_size
        pages = ""
        if pdf:
            pages = f", PDF {(Path(tmp) / 'report.pdf').stat().st_size / 1e6:.1f} MB"
    for phase in runs[0]:
        median = statistics.median(r[phase] for r in runs)
        print(f"{phase:>18}: median {median:6.2f} s (first run {runs[0][phase]:.2f} s)")
    total = statistics.median(r["total"] for r in runs)
    print(f"report.html {size / 1e6:.1f} MB{pages}")
    print(f"study report of uclm802 (87 patients): {total:.1f} s; target {TARGET_S:.0f} s; "
          f"ratio {total / TARGET_S:.2f} of the target")  # fmt: skip


if __name__ == "__main__":
    main()
