"""Simulated seed trials as test data for the study report, the CDISC datasets and the web app.

One function builds a trial database through the same path as ``cartrial trial simulate``
(a migrated SQLite file, every step through the services); the root ``conftest.py`` turns
it into session-scoped fixtures so a pytest run simulates each trial once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cartrial.protocol.load import load_protocol
from cartrial.sim.scenario import load_scenario
from cartrial.sim.trial.database import simulation_engine
from cartrial.sim.trial.run import simulate_trial
from cartrial.store import make_sessionmaker

__all__ = ["SimulatedTrial", "simulate_trial_database"]


@dataclass(frozen=True)
class SimulatedTrial:
    """Where a simulated trial's database is and what the simulation knew."""

    protocol_id: str
    path: Path
    seed: int
    data_cut: dt.datetime
    patients: int

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def simulate_trial_database(
    protocol_id: str, path: Path, *, seed: int = 1, max_arrivals: int | None = None
) -> SimulatedTrial:
    """Simulate ``protocol_id`` into a new SQLite file at ``path`` (as ``make demo`` does)."""
    loaded = load_protocol(protocol_id)
    engine = simulation_engine(f"sqlite:///{path}")
    try:
        run = simulate_trial(
            make_sessionmaker(engine),
            loaded=loaded,
            scenario=load_scenario(protocol_id),
            seed=seed,
            max_arrivals=max_arrivals,
        )
    finally:
        engine.dispose()
    return SimulatedTrial(protocol_id, path, seed, run.data_cut, len(run.patients))
