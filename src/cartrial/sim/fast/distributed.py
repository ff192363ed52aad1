"""Batches of virtual trials on all local cores or on a Dask distributed cluster.

Trials are split into batches of consecutive trials (one task each); every
trial carries its own ``SeedSequence`` child, so a trial's results do not
depend on its batch, on the worker that ran it or on the number of workers
(SIMULATOR_ANCHORS P20). Results are put back in trial order.

Where the batches run:

- ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``) or ``client``:
  Dask distributed futures, ``client.map`` over the batches with the plan
  scattered once to every worker (SIMULATOR_ANCHORS section 6: embarrassingly
  parallel NumPy work, native HPC deployment through ``dask-jobqueue``).
- otherwise, local cores through :class:`concurrent.futures.ProcessPoolExecutor`
  (``workers`` processes; one worker runs in this process). Chosen over a
  ``distributed.LocalCluster`` for local runs because it starts in a fraction of
  a second where a LocalCluster starts a scheduler, nannies and worker
  processes in seconds (a large share of a 10,000-trial run of a few seconds),
  and because ``distributed`` stays an optional dependency (extra
  ``cluster``); the batches and their results are the same either way.

Batch size: about 1,000 trials by default, so a task runs for about a second
(section 6: tasks >= 1 s make the ~1 ms per-task overhead negligible), smaller
when that is needed to give every worker at least two batches.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from cartrial.errors import InputError
from cartrial.sim.fast.trials import FastPlan, TrialResults, simulate_batch

__all__ = ["default_batch_size", "run_batches", "split_batches"]

Progress = Callable[[int, int], None]
MAX_BATCH = 1000
MIN_BATCH = 25


def default_batch_size(n_trials: int, workers: int) -> int:
    """About 1,000 trials per task, but at least two tasks per worker when possible.

    >>> default_batch_size(100_000, 2), default_batch_size(1_000, 2), default_batch_size(10, 4)
    (1000, 250, 25)
    """
    return max(MIN_BATCH, min(MAX_BATCH, math.ceil(n_trials / (2 * max(workers, 1)))))


def split_batches(
    seeds: Sequence[np.random.SeedSequence], batch_size: int
) -> list[list[np.random.SeedSequence]]:
    """Consecutive batches of ``batch_size`` seeds (the last may be shorter)."""
    return [list(seeds[i : i + batch_size]) for i in range(0, len(seeds), batch_size)]


def run_batches(
    plan: FastPlan,
    seeds: Sequence[np.random.SeedSequence],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
) -> TrialResults:
    """Simulate one trial per seed in batches, in parallel; results in trial order.

    ``client`` is a ``distributed.Client`` already connected (it stays open);
    ``progress(done, total)`` is called after each finished batch.
    """
    if workers is not None and workers < 1:
        raise InputError("workers", workers, "at least 1")
    if not seeds:
        raise InputError("trials", 0, "at least 1")
    n_workers = workers or os.cpu_count() or 1
    batches = split_batches(seeds, batch_size or default_batch_size(len(seeds), n_workers))
    if client is not None or scheduler is not None:
        return _run_dask(plan, batches, scheduler, client, progress)
    if n_workers == 1 or len(batches) == 1:
        parts = []
        for i, batch in enumerate(batches):
            parts.append(simulate_batch(plan, batch))
            if progress is not None:
                progress(i + 1, len(batches))
        return TrialResults.concat(parts)
    done: dict[int, TrialResults] = {}
    with ProcessPoolExecutor(max_workers=min(n_workers, len(batches))) as pool:
        futures = {pool.submit(simulate_batch, plan, b): i for i, b in enumerate(batches)}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if progress is not None:
                progress(len(done), len(batches))
    return TrialResults.concat([done[i] for i in range(len(batches))])


def _run_dask(
    plan: FastPlan,
    batches: list[list[np.random.SeedSequence]],
    scheduler: str | None,
    client: Any,
    progress: Progress | None,
) -> TrialResults:
    try:
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:  # pragma: no cover - the extra is installed in development
        raise InputError(
            "scheduler", scheduler, "the 'distributed' package (pip install cartrial[cluster])"
        ) from exc
    own = client is None
    try:
        active = client if client is not None else distributed.Client(scheduler)
    except OSError as exc:
        raise InputError("scheduler", scheduler, f"a reachable Dask scheduler ({exc})") from exc
    try:
        shared: Any = active.scatter(plan, broadcast=True)
        futures = active.map(simulate_batch, [shared] * len(batches), batches, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, TrialResults] = {}
        for future in distributed.as_completed(futures):
            done[index[future.key]] = future.result()
            if progress is not None:
                progress(len(done), len(batches))
        return TrialResults.concat([done[i] for i in range(len(batches))])
    finally:
        if own:
            active.close()
