"""Whole virtual trials per second for uclm802 (issue 11 section 4; goal >= 2,000/s on 2 cores).

uclm802: accelerated titration + 3+3 over 4 levels, then expansion to 87
participants, at the bundled scenario. Runs N trials on one core (in this
process) and on all cores (one process per core, batches of 1,000 trials),
and prints trials/s, trials/s per core and the ratio to the 2,000/s goal.
The per-process plan (pilot draw, design) is built once before timing.

Run: ``.venv/bin/python bench/trial_oc.py [N]`` (default 20,000).
"""

from __future__ import annotations

import os
import sys
import time

from cartrial.protocol.load import load_protocol
from cartrial.sim.fast.distributed import run_batches
from cartrial.sim.fast.source import ScenarioSource
from cartrial.sim.fast.trials import make_plan, simulate_trials, spawn_seeds
from cartrial.sim.scenario import bundled_scenario

GOAL = 2000.0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    cores = os.cpu_count() or 1
    plan = make_plan(load_protocol("uclm802").protocol, ScenarioSource(bundled_scenario("uclm802")))
    simulate_trials(plan, spawn_seeds(200, 1))  # warm-up (imports, caches)
    one_n = max(n // cores, 1000)
    start = time.perf_counter()
    simulate_trials(plan, spawn_seeds(one_n, 2026), batch_size=1000)
    one = one_n / (time.perf_counter() - start)
    seeds = spawn_seeds(n, 2026)
    start = time.perf_counter()
    results = run_batches(plan, seeds, workers=cores, batch_size=1000)
    elapsed = time.perf_counter() - start
    rate = n / elapsed
    print(f"uclm802 whole virtual trials ({results.n_trials} trials, {cores} cores):")
    print(f"  1 core : {one:8.0f} trials/s")
    print(f"  {cores} cores: {rate:8.0f} trials/s ({rate / cores:.0f} per core, {elapsed:.1f} s)")
    print(f"  ratio to the {GOAL:,.0f} trials/s goal: {rate / GOAL:.2f}")


if __name__ == "__main__":
    main()
