"""Time to build every SDTM dataset of the simulated 87-patient uclm802 trial (issue 16).

Simulates uclm802 with seed 1 into a temporary SQLite file (as ``make demo`` does;
about 40 s, not timed), or reads ``--db PATH``, then times ``build_sdtm`` (one
snapshot read plus every domain) 5 times and prints the median, the split between
the read and the domains, the rows per domain, and the ratio to the issue's budget
(SDTM + ADaM + define.xml in <= 10 s; this is the SDTM part).

    python bench/cdisc_sdtm.py [--db uclm802.db]
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

from sqlalchemy import create_engine  # noqa: E402
from tests.simulated_trials import simulate_trial_database  # noqa: E402

from cartrial.cdisc.sdtm import build_sdtm  # noqa: E402
from cartrial.cdisc.sdtm.build import build_from_source  # noqa: E402
from cartrial.services.cdisc_source import read_sdtm_source  # noqa: E402
from cartrial.store import make_sessionmaker  # noqa: E402

BUDGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing trial database (default: simulate)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db
        if path is None:
            path = Path(tmp) / "uclm802.db"
            print("simulating uclm802 seed 1 ...", flush=True)
            simulate_trial_database("uclm802", path, seed=1)
        sessions = make_sessionmaker(create_engine(f"sqlite:///{path}"))
        totals, reads = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            source = read_sdtm_source(sessions)
            read = time.perf_counter()
            build_from_source(source)
            totals.append(time.perf_counter() - start)
            reads.append(read - start)
        built = build_sdtm(sessions)
    total = statistics.median(totals)
    read = statistics.median(reads)
    rows = sum(len(d.frame) for d in built.datasets)
    print(f"SDTM build of {built.protocol_id}: {len(built.datasets)} datasets, {rows} rows")
    for d in built.datasets:
        print(f"  {d.name:<7} {len(d.frame):>6} rows")
    print(f"mapping log: {len(built.mapping_log)} entries")
    print(
        f"median of {args.runs}: {total:.2f} s (snapshot read {read:.2f} s, domains "
        f"{total - read:.2f} s); ratio to the {BUDGET_S:.0f} s SDTM+ADaM+define budget: "
        f"{total / BUDGET_S:.2f}"
    )


if __name__ == "__main__":
    main()
