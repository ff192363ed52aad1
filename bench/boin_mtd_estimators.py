"""How often cartrial's and R BOIN's isotonic MTD rules pick different levels.

The same simulated BOIN trials (target 0.3, 10 cohorts of 3, five levels) are
run once; at the end the MTD is selected from each trial's final counts with
both estimators (``patients``: y/n weighted by n; ``r_boin``: R BOIN
``select.mtd``'s (y + 0.05)/(n + 0.1) weighted by the inverse posterior
variance). Trials stopped for safety select none under both. Prints, per
scenario, the share of trials whose selections differ and the selection
percentages under each rule.

Run: ``PYTHONPATH=src .venv/bin/python bench/boin_mtd_estimators.py [--quick]``.
"""

from __future__ import annotations

import sys

import numpy as np

from cartrial.escalation.boin import Boin
from cartrial.escalation.simulate import run_trials

SCENARIOS = {
    "MTD at level 4": [0.05, 0.10, 0.20, 0.30, 0.50],
    "MTD at level 2": [0.10, 0.30, 0.45, 0.60, 0.70],
    "MTD at level 5": [0.02, 0.05, 0.08, 0.12, 0.30],
    "flat near target": [0.20, 0.25, 0.30, 0.35, 0.40],
}


def main() -> None:
    trials = 20_000 if "--quick" in sys.argv else 200_000
    patients = Boin(n_levels=5, target=0.3, max_sample_size=30)
    r_boin = Boin(n_levels=5, target=0.3, max_sample_size=30, mtd_estimator="r_boin")
    for name, truth in SCENARIOS.items():
        rng = np.random.default_rng(20261205)
        n, y, mtd, _ = run_trials(patients, np.array(truth), trials, rng)
        ended = mtd > 0
        other = mtd.copy()
        other[ended] = r_boin.select_mtd(n[ended], y[ended])
        differ = float((other != mtd).mean())
        sel_p = [float((mtd == k).mean()) * 100 for k in range(1, 6)]
        sel_r = [float((other == k).mean()) * 100 for k in range(1, 6)]
        print(
            f"{name}: {trials} trials, selections differ in {100 * differ:.2f}% "
            f"(+/- {100 * np.sqrt(differ * (1 - differ) / trials):.2f})"
        )
        print("  patients %: " + " ".join(f"{v:5.1f}" for v in sel_p))
        print("  r_boin   %: " + " ".join(f"{v:5.1f}" for v in sel_r))


if __name__ == "__main__":
    main()
