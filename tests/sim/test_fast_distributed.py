"""Worker-count independence: 1 and 2 workers (processes, or a Dask cluster) agree exactly."""

from __future__ import annotations

import pytest

from cartrial.protocol.load import load_protocol
from cartrial.sim.fast.distributed import run_batches
from cartrial.sim.fast.source import ScenarioSource
from cartrial.sim.fast.trials import make_plan, simulate_trials, spawn_seeds
from cartrial.sim.scenario import bundled_scenario

PLAN = make_plan(load_protocol("uclm802").protocol, ScenarioSource(bundled_scenario("uclm802")))
SEEDS = spawn_seeds(60, 7)


def test_one_and_two_local_worker_processes_give_identical_trials() -> None:
    ticks: list[tuple[int, int]] = []
    one = run_batches(PLAN, SEEDS, workers=1, batch_size=60)
    two = run_batches(
        PLAN, SEEDS, workers=2, batch_size=13, progress=lambda d, t: ticks.append((d, t))
    )
    assert one.equals(two)
    assert one.equals(simulate_trials(PLAN, SEEDS))
    assert ticks[-1] == (5, 5)


def test_dask_cluster_with_two_workers_gives_identical_trials() -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        got = run_batches(PLAN, SEEDS, client=client, batch_size=11)
    assert got.equals(simulate_trials(PLAN, SEEDS, batch_size=60))
