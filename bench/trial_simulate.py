"""A whole trial through the services (issue 11 section 3; goal uclm802 <= 60 s on 2 cores).

Runs ``cartrial trial simulate``'s engine (``cartrial.sim.trial.run.simulate_trial``)
for a bundled protocol into a new SQLite file, then prints the wall time, the
events the calendar ran, the records stored (rows of every trial table), the
audited writes (audit-trail entries) per second, and the ratio to the 60 s goal.
The trial's analyses (summary and pages) are timed apart.

Run: ``.venv/bin/python bench/trial_simulate.py [PROTOCOL] [SEED]`` (default uclm802 1).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from cartrial.protocol.load import load_protocol
from cartrial.report.trial_pages import write_trial_pages
from cartrial.services.trial_summary import trial_analysis
from cartrial.sim.scenario import load_scenario
from cartrial.sim.trial.database import simulation_engine
from cartrial.sim.trial.run import simulate_trial
from cartrial.store import make_sessionmaker
from cartrial.store.models import AuditEntry, Base

GOAL_SECONDS = 60.0


def main() -> None:
    protocol_id = sys.argv[1] if len(sys.argv) > 1 else "uclm802"
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    loaded = load_protocol(protocol_id)
    scenario = load_scenario(protocol_id)
    with tempfile.TemporaryDirectory() as tmp:
        engine = simulation_engine(f"sqlite:///{Path(tmp) / 'trial.db'}")
        sessions = make_sessionmaker(engine)
        start = time.perf_counter()
        run = simulate_trial(sessions, loaded=loaded, scenario=scenario, seed=seed)
        elapsed = time.perf_counter() - start
        with sessions() as s:
            audited = s.scalar(select(func.count()).select_from(AuditEntry)) or 0
            records = sum(
                s.scalar(select(func.count()).select_from(table)) or 0
                for name, table in Base.metadata.tables.items()
                if name != "audit_entry"
            )
        start = time.perf_counter()
        analysis = trial_analysis(sessions, protocol_id, as_of=run.data_cut)
        write_trial_pages(analysis, Path(tmp) / "pages")
        analysed = time.perf_counter() - start
        engine.dispose()
    print(f"{protocol_id} seed {seed}: {run.arrivals} patients, {run.events:,} calendar events")
    print(
        f"simulation through the services: {elapsed:.1f} s (goal {GOAL_SECONDS:.0f} s: "
        f"{elapsed / GOAL_SECONDS:.2f} of it)"
    )
    print(f"records stored: {records:,} ({records / elapsed:,.0f} records/s)")
    print(f"audited writes: {audited:,} audit entries ({audited / elapsed:,.0f}/s)")
    print(f"analyses from the database (summary + 5 pages): {analysed:.1f} s")


if __name__ == "__main__":
    main()
