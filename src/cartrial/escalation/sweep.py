"""Sweeps: many designs x scenarios, on all local cores, reproducibly.

A sweep file lists designs (name and options, as ``--design`` and the
simulate flags) and scenarios (true DLT probabilities); every pair is one
task. Task ``i`` draws from its own generator, spawned from the sweep's seed
by :class:`numpy.random.SeedSequence` in file order, so the answers do not
depend on the number of worker processes or on the order they finish in.

Sweep file (YAML)::

    target: 0.3
    cohort_size: 3
    n_cohorts: 10
    trials: 10000
    seed: 1
    designs:
      - {design: 3plus3}
      - {design: boin, label: BOIN extra-safe, options: {extra_safe: true}}
      - {design: crm, options: {skeleton: [0.05, 0.12, 0.25, 0.4, 0.55]}}
    scenarios:
      - {name: MTD at level 3, truth: [0.05, 0.1, 0.3, 0.5, 0.6]}
      - {name: all too toxic, truth: [0.5, 0.6, 0.7, 0.8, 0.9]}

Designs with ``exact: true`` are enumerated instead of simulated (3+3, atd).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cartrial.errors import InputError, input_error_from_validation
from cartrial.escalation.designs import DesignOptions, build_design
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.simulate import OperatingCharacteristics, simulate_trials

__all__ = ["SweepDesign", "SweepResult", "SweepScenario", "SweepSpec", "run_sweep"]


class SweepDesign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    design: str
    label: str | None = None
    exact: bool = False
    options: dict[str, Any] = Field(default_factory=dict)


class SweepScenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    truth: list[float] = Field(min_length=1)
    target: float | None = Field(default=None, gt=0, lt=1)


class SweepSpec(BaseModel):
    """A sweep file (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: float = Field(default=0.3, gt=0, lt=1)
    cohort_size: int = Field(default=3, ge=1)
    n_cohorts: int = Field(default=10, ge=1)
    start_level: int = Field(default=1, ge=1)
    trials: int = Field(default=10_000, ge=1)
    seed: int = 1
    designs: list[SweepDesign] = Field(min_length=1)
    scenarios: list[SweepScenario] = Field(min_length=1)


class SweepResult(BaseModel):
    scenario: str
    label: str
    characteristics: OperatingCharacteristics


def _options(raw: dict[str, Any]) -> DesignOptions:
    try:
        return DesignOptions.model_validate(raw)
    except ValidationError as exc:
        err = input_error_from_validation(exc)
        raise InputError(f"designs[].options.{err.field}", err.value, err.expected) from exc


def _run_task(
    spec: SweepSpec, design_index: int, scenario_index: int, seed: np.random.SeedSequence
) -> SweepResult:
    entry = spec.designs[design_index]
    scenario = spec.scenarios[scenario_index]
    target = scenario.target or spec.target
    design = build_design(
        entry.design,
        n_levels=len(scenario.truth),
        target=target,
        cohort_size=spec.cohort_size,
        n_cohorts=spec.n_cohorts,
        start_level=spec.start_level,
        options=_options(entry.options),
    )
    if entry.exact:
        oc = enumerate_trials(design, truth=scenario.truth, target=target)
    else:
        oc = simulate_trials(
            design,
            truth=scenario.truth,
            target=target,
            n_trials=spec.trials,
            rng=np.random.default_rng(seed),
            seed=spec.seed,
        )
    return SweepResult(scenario=scenario.name, label=entry.label or design.name, characteristics=oc)


def run_sweep(
    spec: SweepSpec,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[SweepResult], None] | None = None,
) -> list[SweepResult]:
    """Every design x scenario, in file order (scenario-major).

    On ``workers`` local processes, or on a Dask cluster when ``scheduler`` is
    its address (needs ``distributed``, the ``cluster`` extra); the tasks and
    their generators are the same either way, so the answers are too.
    """
    tasks = [(d, s) for s in range(len(spec.scenarios)) for d in range(len(spec.designs))]
    seeds = np.random.SeedSequence(spec.seed).spawn(len(tasks))
    # Validate every design before starting work (errors name the design).
    for d, s in tasks:
        _run_design_check(spec, d, s)
    results: list[SweepResult | None] = [None] * len(tasks)
    if scheduler is not None:
        return _run_on_dask(spec, tasks, seeds, scheduler, on_done)
    if workers <= 1:
        for i, (d, s) in enumerate(tasks):
            done = _run_task(spec, d, s, seeds[i])
            results[i] = done
            if on_done:
                on_done(done)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = {
                pool.submit(_run_task, spec, d, s, seeds[i]): i for i, (d, s) in enumerate(tasks)
            }
            for future in as_completed(futures):
                done = future.result()
                results[futures[future]] = done
                if on_done:
                    on_done(done)
    return [r for r in results if r is not None]


def _run_on_dask(
    spec: SweepSpec,
    tasks: list[tuple[int, int]],
    seeds: list[np.random.SeedSequence],
    scheduler: str,
    on_done: Callable[[SweepResult], None] | None,
) -> list[SweepResult]:
    try:
        # Imported by name: an optional dependency (the ``cluster`` extra).
        distributed: Any = importlib.import_module("distributed")
    except ImportError as exc:
        raise InputError(
            "scheduler", scheduler, "the distributed package (pip install cartrial[cluster])"
        ) from exc
    results: list[SweepResult | None] = [None] * len(tasks)
    with distributed.Client(scheduler) as client:
        futures = [
            client.submit(_run_task, spec, d, s, seeds[i], pure=False)
            for i, (d, s) in enumerate(tasks)
        ]
        index = {f.key: i for i, f in enumerate(futures)}
        for future in distributed.as_completed(futures):
            done = future.result()
            results[index[future.key]] = done
            if on_done:
                on_done(done)
    return [r for r in results if r is not None]


def _run_design_check(spec: SweepSpec, design_index: int, scenario_index: int) -> None:
    entry = spec.designs[design_index]
    scenario = spec.scenarios[scenario_index]
    build_design(
        entry.design,
        n_levels=len(scenario.truth),
        target=scenario.target or spec.target,
        cohort_size=spec.cohort_size,
        n_cohorts=spec.n_cohorts,
        start_level=spec.start_level,
        options=_options(entry.options),
    )
