"""Time to build SDTM + ADaM + define.xml for the simulated 87-patient uclm802 trial (issue 16).

Simulates uclm802 with seed 1 into a temporary SQLite file (as ``make demo`` does; not
timed), or reads ``--db PATH``, then times, ``--runs`` times (median printed):
``build_sdtm`` (one snapshot and every domain), ``build_adam`` (every ADaM dataset from
those SDTM datasets) and both define.xml documents; the issue's budget is 10 s for the
three together, and the ratio to it is printed. Writing the files (Dataset-JSON and SAS
XPORT of both, with define.xml) is timed apart.

    python bench/cdisc.py [--db uclm802.db] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.simulated_trials import simulate_trial_database  # noqa: E402

from cartrial.cdisc.adam import build_adam  # noqa: E402
from cartrial.cdisc.adam.source import SdtmSource  # noqa: E402
from cartrial.cdisc.define import build_define, shipped_codelists  # noqa: E402
from cartrial.cdisc.formats.package import write_package  # noqa: E402
from cartrial.cdisc.sdtm import build_sdtm  # noqa: E402
from cartrial.protocol.load import load_protocol  # noqa: E402
from cartrial.store import make_engine, make_sessionmaker  # noqa: E402

BUDGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing uclm802 database (default: simulate)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    protocol = load_protocol("uclm802").protocol
    codelists = shipped_codelists()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db
        if path is None:
            path = Path(tmp) / "uclm802.db"
            print("simulating uclm802 seed 1 ...", flush=True)
            simulate_trial_database("uclm802", path, seed=1)
        engine = make_engine(f"sqlite:///{path}")
        sessions = make_sessionmaker(engine)
        sdtm_s, adam_s, define_s, total_s = [], [], [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            sdtm = build_sdtm(sessions, "uclm802")
            built_sdtm = time.perf_counter()
            adam = build_adam(SdtmSource.of(sdtm.datasets), protocol=protocol)
            built_adam = time.perf_counter()
            build_define(sdtm.datasets, study_oid="UCLM802", codelists=codelists)
            build_define(adam.datasets, study_oid="UCLM802", codelists=codelists)
            end = time.perf_counter()
            sdtm_s.append(built_sdtm - start)
            adam_s.append(built_adam - built_sdtm)
            define_s.append(end - built_adam)
            total_s.append(end - start)
        engine.dispose()
        start = time.perf_counter()
        write_package(sdtm.datasets, Path(tmp) / "sdtm", study_oid="UCLM802", file_format="both")
        write_package(adam.datasets, Path(tmp) / "adam", study_oid="UCLM802", file_format="both")
        written = time.perf_counter() - start
    rows = sum(len(d.frame) for d in sdtm.datasets), sum(len(d.frame) for d in adam.datasets)
    total = statistics.median(total_s)
    print(
        f"SDTM {len(sdtm.datasets)} datasets, {rows[0]:,} records: "
        f"{statistics.median(sdtm_s):.2f} s (median of {args.runs})"
    )
    print(
        f"ADaM {len(adam.datasets)} datasets, {rows[1]:,} records: "
        f"{statistics.median(adam_s):.2f} s"
    )
    print(f"define.xml (SDTM and ADaM): {statistics.median(define_s):.2f} s")
    print(
        f"SDTM + ADaM + define.xml: {total:.2f} s; ratio to the {BUDGET_S:.0f} s budget "
        f"{total / BUDGET_S:.2f}"
    )
    print(f"writing SDTM and ADaM, Dataset-JSON + XPORT + define.xml: {written:.2f} s")


if __name__ == "__main__":
    main()
