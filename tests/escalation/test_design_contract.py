"""Contract tests every escalation design passes (STYLE practice 6).

Invariants: never a level outside the grid; never skipping an untried level on
escalation; the same seed gives the same answer; pending DLT windows make the
live engine wait; the simulator and the live engine take the same decisions;
simulated operating characteristics agree with exact enumeration within 4 SE;
one more DLT at the current level never raises the next level or the MTD; edge
cases (single level, cohort size 1, target 0.5, all too toxic, all safe,
ties in the truth) run and give sane answers.
Seeds can be swept with CARTRIAL_TEST_SEED.
"""

import os

import numpy as np
import pytest

from cartrial.escalation.base import Action, TrialState
from cartrial.escalation.designs import DesignOptions, build_design
from cartrial.escalation.engine import PatientOutcome, decide_next
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.simulate import run_trials, simulate_trials

SEED = int(os.environ.get("CARTRIAL_TEST_SEED", "20261123"))
NAMES = ["3plus3", "atd", "boin", "i3plus3", "crm"]


def make(name, n_levels=4, target=0.3, cohort_size=3, n_cohorts=8, **opts):
    return build_design(
        name,
        n_levels=n_levels,
        target=target,
        cohort_size=cohort_size,
        n_cohorts=n_cohorts,
        options=DesignOptions(**opts),
    )


def histories(design, truth, n_trials=150, seed=SEED):
    _, _, _, hist = run_trials(
        design, np.asarray(truth), n_trials, np.random.default_rng(seed), record=True
    )
    return hist


@pytest.mark.parametrize("name", NAMES)
def test_design_never_leaves_the_grid_nor_skips_an_untried_level(name):
    design = make(name)
    hist = histories(design, [0.02, 0.05, 0.1, 0.6])
    for levels in hist.levels:
        highest = 0
        previous = None
        for level in levels[levels > 0]:
            assert 1 <= level <= design.n_levels
            assert level <= highest + 1, "skipped an untried level"
            if previous is not None:
                assert level <= previous + 1, "escalated by more than one level"
            highest, previous = max(highest, int(level)), int(level)
    assert set(np.unique(hist.mtd)) <= set(range(design.n_levels + 1))


@pytest.mark.parametrize("name", NAMES)
def test_design_same_seed_same_answer(name):
    design = make(name)
    kw = {"truth": [0.05, 0.15, 0.3, 0.5], "target": 0.3, "n_trials": 300}
    first = simulate_trials(design, rng=np.random.default_rng(SEED), **kw)
    again = simulate_trials(design, rng=np.random.default_rng(SEED), **kw)
    assert first == again


@pytest.mark.parametrize("name", NAMES)
def test_design_live_engine_waits_for_pending_outcomes_that_matter(name):
    design = make(name)
    first = 1 if name == "atd" else 3
    patients = [PatientOutcome(level=1, dlt="pending", days_followed=5)] * first
    got = decide_next(design, patients, window_days=28)
    assert got.action == "wait"
    assert len(got.alternatives) >= 2


@pytest.mark.parametrize("name", NAMES)
def test_design_simulator_and_live_engine_take_the_same_decisions(name):
    design = make(name)
    hist = histories(design, [0.05, 0.15, 0.3, 0.5], n_trials=40)
    for levels, dlts, sizes, mtd in zip(hist.levels, hist.dlts, hist.sizes, hist.mtd, strict=True):
        patients: list[PatientOutcome] = []
        for level, y, m in zip(levels, dlts, sizes, strict=True):
            got = decide_next(design, patients, window_days=28)
            if level == 0:
                assert got.action == "stop"
                assert (got.mtd_level or 0) == mtd
                break
            assert (got.next_level, got.cohort_size) == (level, m)
            patients += [PatientOutcome(level=int(level), dlt="yes", days_followed=28)] * int(y)
            patients += [PatientOutcome(level=int(level), dlt="no", days_followed=28)] * int(m - y)
        else:
            assert decide_next(design, patients, window_days=28).action == "stop"


EDGE_CASES = {
    "single level": {"n_levels": 1, "truth": [0.3]},
    "cohort size 1": {"n_levels": 4, "truth": [0.05, 0.15, 0.3, 0.5], "cohort_size": 1},
    "target 0.5": {"n_levels": 4, "truth": [0.2, 0.35, 0.5, 0.7], "target": 0.5},
    "truth with ties": {"n_levels": 4, "truth": [0.1, 0.3, 0.3, 0.5]},
}


@pytest.mark.parametrize("case", EDGE_CASES, ids=list(EDGE_CASES))
@pytest.mark.parametrize("name", NAMES)
def test_design_edge_cases_run_and_selection_sums_to_one(name, case):
    spec = dict(EDGE_CASES[case])
    truth = spec.pop("truth")
    target = spec.get("target", 0.3)
    design = make(name, **spec)
    oc = simulate_trials(
        design, truth=truth, target=target, n_trials=300, rng=np.random.default_rng(SEED)
    )
    assert sum(oc.selection) + oc.no_selection == pytest.approx(1.0)
    assert all(v >= 0 for v in oc.mean_patients)


@pytest.mark.parametrize("name", NAMES)
def test_design_all_levels_too_toxic_mostly_selects_none(name):
    design = make(name, overdose_stop=True)
    oc = simulate_trials(
        design,
        truth=[0.9, 0.95, 0.97, 0.99],
        target=0.3,
        n_trials=300,
        rng=np.random.default_rng(SEED),
    )
    assert oc.no_selection > 0.9
    assert oc.mean_patients[3] < 0.5


@pytest.mark.parametrize("name", NAMES)
def test_design_all_levels_safe_mostly_selects_the_highest(name):
    design = make(name)
    oc = simulate_trials(
        design,
        truth=[0.01, 0.01, 0.02, 0.03],
        target=0.3,
        n_trials=300,
        rng=np.random.default_rng(SEED),
    )
    assert oc.selection[3] > 0.8


def test_actions_are_the_six_of_the_issue():
    assert [a.label for a in Action] == [
        "escalate",
        "stay",
        "de-escalate",
        "expand",
        "stop",
        "wait",
    ]


@pytest.mark.parametrize("name", NAMES)
def test_design_simulation_agrees_with_exact_enumeration_within_4_se(name):
    design = make(name, n_levels=4, n_cohorts=6)
    truth = [0.05, 0.15, 0.3, 0.5]
    exact = enumerate_trials(design, truth=truth, target=0.3)
    sim = simulate_trials(
        design, truth=truth, target=0.3, n_trials=20_000, rng=np.random.default_rng(SEED)
    )
    figures = [
        *zip(sim.selection, sim.selection_se, exact.selection, strict=True),
        *zip(sim.mean_patients, sim.mean_patients_se, exact.mean_patients, strict=True),
        *zip(sim.mean_dlts, sim.mean_dlts_se, exact.mean_dlts, strict=True),
        (sim.no_selection, sim.no_selection_se, exact.no_selection),
        (sim.percent_above_mtd, sim.percent_above_mtd_se, exact.percent_above_mtd),
        (sim.mean_sample_size, sim.mean_sample_size_se, exact.mean_sample_size),
    ]
    for got, se, expected in figures:
        assert abs(got - expected) <= 4 * se + 1e-12, (got, se, expected)


@pytest.mark.parametrize("name", NAMES)
def test_design_one_more_dlt_never_raises_the_next_level_or_the_mtd(name):
    design = make(name, n_cohorts=10)
    rng = np.random.default_rng(SEED)
    sizes = [0, 1, 3, 6] if name == "atd" else [0, 3, 6] if name == "3plus3" else [0, 1, 3, 6, 9]
    n = rng.choice(sizes, size=(3000, 4))
    y = np.minimum((rng.random(n.shape) * (n + 1)).astype(np.int64), n)
    treated = [np.flatnonzero(row > 0) for row in n]
    current = np.array([rng.choice(t) + 1 if len(t) else 0 for t in treated])
    rows = np.arange(len(n))
    keep = (current > 0) & (
        y[rows, np.maximum(current, 1) - 1] < n[rows, np.maximum(current, 1) - 1]
    )
    n, y, current = n[keep], y[keep], current[keep]
    more = y.copy()
    more[np.arange(len(n)), current - 1] += 1

    def effective(dlts):
        dec = design.decide(TrialState(n=n, y=dlts, g2=np.zeros_like(n), current=current))
        return np.where(dec.action == int(Action.STOP), dec.mtd, dec.next_level)

    assert len(n) > 1000
    assert np.all(effective(more) <= effective(y))
