"""Escalation benchmark: simulated trials per second per design, exact 3+3 time, R BOIN ratio.

Scenario (issue 3): five levels, target 0.3, 10 cohorts of 3, true DLT
probabilities 0.05, 0.10, 0.20, 0.30, 0.50. Goals on the 2-core machine: BOIN
>= 1,000,000 trials in <= 10 s; CRM >= 100,000 trials in <= 10 s; 3+3 exact in
<= 1 s. Also the 200,000-trial check of simulated 3+3 against exact
enumeration (every figure within 4 Monte-Carlo standard errors).

When ``Rscript`` with the BOIN package is present, BOIN's ``get.oc`` runs the
same scenario and the ratio of trials per second is printed; otherwise the
comparison is skipped with a message.

Run: ``.venv/bin/python bench/escalation.py [--quick]``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import numpy as np

from cartrial.escalation.base import Design
from cartrial.escalation.designs import build_design
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.simulate import OperatingCharacteristics, simulate_trials

TRUTH = [0.05, 0.10, 0.20, 0.30, 0.50]
TARGET = 0.3


def design(name: str) -> Design:
    return build_design(name, n_levels=5, target=TARGET, cohort_size=3, n_cohorts=10)


def timed_simulation(name: str, n_trials: int) -> tuple[float, OperatingCharacteristics]:
    d = design(name)
    start = time.perf_counter()
    oc = simulate_trials(
        d, truth=TRUTH, target=TARGET, n_trials=n_trials, rng=np.random.default_rng(2026)
    )
    return time.perf_counter() - start, oc


def agreement(sim: OperatingCharacteristics, exact: OperatingCharacteristics) -> float:
    """Largest |simulated - exact| / SE over every figure (0/0 counted as 0)."""
    pairs = [
        *zip(sim.selection, sim.selection_se, exact.selection, strict=True),
        *zip(sim.mean_patients, sim.mean_patients_se, exact.mean_patients, strict=True),
        *zip(sim.mean_dlts, sim.mean_dlts_se, exact.mean_dlts, strict=True),
        (sim.no_selection, sim.no_selection_se, exact.no_selection),
        (sim.percent_above_mtd, sim.percent_above_mtd_se, exact.percent_above_mtd),
        (sim.mean_sample_size, sim.mean_sample_size_se, exact.mean_sample_size),
    ]
    worst = 0.0
    for got, se, expected in pairs:
        diff = abs(got - expected)
        worst = max(worst, diff / se if se > 0 else (0.0 if diff < 1e-12 else float("inf")))
    return worst


R_SCRIPT = """
suppressMessages(library(BOIN))
t <- system.time(oc <- get.oc(target = 0.3, p.true = c(0.05, 0.10, 0.20, 0.30, 0.50),
                              ncohort = 10, cohortsize = 3, ntrial = {n}, seed = 2026))
cat(t[["elapsed"]], "\\n")
"""


def r_boin_seconds(n_trials: int) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("R comparison skipped: Rscript not found")
        return None
    run = subprocess.run(
        [rscript, "-e", R_SCRIPT.replace("{n}", str(n_trials))],
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        print("R comparison skipped: the BOIN package is not installed or failed")
        return None
    return float(run.stdout.split()[-1])


def main(quick: bool) -> int:
    scale = 10 if quick else 1
    ok = True
    print(f"scenario: truth {TRUTH}, target {TARGET}, 10 cohorts of 3")
    goals = {"boin": (1_000_000, 10.0), "i3plus3": (1_000_000, None), "crm": (100_000, 10.0)}
    goals |= {"3plus3": (200_000, None), "atd": (200_000, None)}
    boin_rate = 0.0
    for name, (n_trials, limit) in goals.items():
        n_trials //= scale
        seconds, _ = timed_simulation(name, n_trials)
        rate = n_trials / seconds
        verdict = ""
        if limit is not None and not quick:
            passed = seconds <= limit
            ok &= passed
            verdict = f"  goal {limit:.0f} s: {'met' if passed else 'MISSED'}"
        if name == "boin":
            boin_rate = rate
        print(
            f"{name:8s} {n_trials:>9,d} trials in {seconds:6.2f} s = "
            f"{rate:>11,.0f} trials/s{verdict}"
        )

    for name in ("3plus3", "atd"):
        start = time.perf_counter()
        exact = enumerate_trials(design(name), truth=TRUTH, target=TARGET)
        seconds = time.perf_counter() - start
        passed = seconds <= 1.0
        ok &= passed
        print(
            f"{name:8s} exact enumeration in {seconds:.3f} s "
            f"(goal 1 s: {'met' if passed else 'MISSED'})"
        )
        _, sim = timed_simulation(name, 200_000 // scale)
        worst = agreement(sim, exact)
        ok &= worst <= 4
        print(
            f"{name:8s} simulated vs exact, {200_000 // scale:,d} trials: "
            f"max |z| = {worst:.2f} (<= 4)"
        )

    r_seconds = r_boin_seconds(10_000 // scale)
    if r_seconds:
        r_rate = (10_000 // scale) / r_seconds
        print(f"R BOIN get.oc: {r_rate:,.0f} trials/s; cartrial / R = {boin_rate / r_rate:.0f}x")
    print("all goals met" if ok else "SOME GOALS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
