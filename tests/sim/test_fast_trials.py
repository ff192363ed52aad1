"""Whole virtual trials: escalation against exact 3+3 OCs, ORR against the truth, seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.three_plus_three import ThreePlusThree
from cartrial.protocol.load import load_protocol
from cartrial.sim.fast.source import ScenarioSource
from cartrial.sim.fast.stream import draw_streams
from cartrial.sim.fast.summary import summarise_results
from cartrial.sim.fast.trials import make_plan, simulate_trials, spawn_seeds
from cartrial.sim.scenario import bundled_scenario
from tests.sim.toy import ToySource

UCLM802 = load_protocol("uclm802").protocol


def within(got: float, expected: float, se: float, k: float = 4.0) -> bool:
    return abs(got - expected) <= k * se + 1e-12


def test_accelerated_titration_3plus3_matches_exact_enumeration() -> None:
    truth = (0.05, 0.15, 0.3, 0.5)
    plan = make_plan(UCLM802, ToySource(p_dlt=truth))
    results = simulate_trials(plan, n_trials=3000, seed=11)
    exact = enumerate_trials(plan.design, truth=list(truth), target=0.33)
    oc = summarise_results(results, plan)
    for level, p in enumerate(oc.p_rp2d):
        assert p.value is not None and p.se is not None
        assert within(p.value, exact.selection[level], p.se), (level, p, exact.selection)
    assert oc.p_no_rp2d.value is not None and oc.p_no_rp2d.se is not None
    assert within(oc.p_no_rp2d.value, exact.no_selection, oc.p_no_rp2d.se)
    for level, n in enumerate(oc.patients_per_level):
        assert n.value is not None and n.se is not None
        assert within(n.value, exact.mean_patients[level], n.se), level
    # observed DLT rate at the RP2D: the truth of the chosen level, averaged over choices
    chosen = results.rp2d[results.rp2d > 0]
    expected = float(np.mean(np.array(truth)[chosen - 1]))
    rate = results.dlt_rate_rp2d[results.rp2d > 0]
    assert within(float(rate.mean()), expected, float(rate.std() / math.sqrt(rate.size)) + 0.003)


def test_one_level_3plus3_by_hand() -> None:
    # P(declare level 1) = P(0/3) P(<= 1 of 3 more) + P(1/3) P(0/3 more)
    p = 0.25
    q = 1 - p
    hand = q**3 * (q**3 + 3 * p * q**2) + 3 * p * q**2 * q**3
    plan = make_plan(UCLM802, ToySource(p_dlt=(p,)), design=ThreePlusThree(n_levels=1))
    results = simulate_trials(plan, n_trials=4000, seed=3)
    got = float((results.rp2d == 1).mean())
    assert within(got, hand, math.sqrt(hand * (1 - hand) / 4000))
    # every trial infuses 3 or 6 in escalation (no non-evaluable patients in the toy)
    assert set(np.unique(results.n_escalation).tolist()) <= {3, 6}


def test_orr_estimate_is_unbiased_for_the_response_probability() -> None:
    plan = make_plan(UCLM802, ToySource(p_dlt=(0.0,) * 4, p_response=0.3))
    results = simulate_trials(plan, n_trials=400, seed=5)
    assert (results.rp2d == 4).all()
    # 87 planned participants enrolled; 5% of the toy's products fail, so about
    # 87 x 0.95 = 82.65 -> 83 are infused (escalation included)
    assert (results.n_infused == 83).all()
    orr = results.orr
    assert within(float(orr.mean()), 0.3, float(orr.std() / math.sqrt(orr.size)))
    # binomial spread: SD of the estimate sqrt(0.3 0.7 / n) at n about 82
    assert 0.8 < float(orr.std()) / math.sqrt(0.21 / results.n_rp2d.mean()) < 1.2
    # non-responders progress at day 42, responders never: PFS median 42 days when ORR < 0.5
    below = orr < 0.5
    assert below.mean() > 0.99
    assert np.allclose(results.median_pfs_months[below], 42 / 30.4375)
    assert np.isinf(results.median_os_months).all()  # nobody dies in the toy
    # power: P(X >= x_crit | n, 0.3) with x_crit of the exact test at 0.10, n about 80
    assert results.orr_success.mean() > 0.99
    # screened / enrolled: screen failure 0.2, manufacturing failure 0.05
    ratio = results.n_infused / results.n_screened
    assert within(float(ratio.mean()), 0.8 * 0.95, 0.01)


def test_trial_results_depend_only_on_their_own_seed() -> None:
    plan = make_plan(UCLM802, ScenarioSource(bundled_scenario("uclm802")))
    seeds = spawn_seeds(24, 99)
    whole = simulate_trials(plan, seeds, batch_size=24)
    assert whole.equals(simulate_trials(plan, seeds, batch_size=5))
    assert whole.equals(
        simulate_trials(plan, list(reversed(seeds)), batch_size=7).__class__.concat(
            [simulate_trials(plan, [s], batch_size=1) for s in seeds]
        )
    )
    alone = simulate_trials(plan, seeds[10:11])
    assert alone.rp2d[0] == whole.rp2d[10] and alone.orr[0] == whole.orr[10]
    other = simulate_trials(plan, spawn_seeds(24, 100), batch_size=24)
    assert not whole.equals(other)


def test_stacked_draws_equal_trial_by_trial_draws() -> None:
    source = ScenarioSource(bundled_scenario("uclm802"))
    seeds = spawn_seeds(6, 4)
    kw = {"max_infused": 87, "chunk": 150, "n_scans": 8, "consent_gap_days": 10.0}
    a = draw_streams(source, seeds, stacked=True, **kw)
    b = draw_streams(source, seeds, stacked=False, **kw)
    assert np.array_equal(a.ready_day, b.ready_day) and np.array_equal(a.noise, b.noise)
    assert np.array_equal(a.screened, b.screened) and np.array_equal(a.enrolled, b.enrolled)
    pa, pb = a.patients.take(a.rows.ravel()), b.patients.take(b.rows.ravel())
    assert np.array_equal(pa.random_effects, pb.random_effects)
    assert np.array_equal(pa.baseline_sld_mm, pb.baseline_sld_mm)


def test_bad_plan_input_names_the_field() -> None:
    from cartrial.errors import InputError

    with pytest.raises(InputError, match="orr_threshold"):
        make_plan(UCLM802, ToySource(), orr_threshold=1.5)
    with pytest.raises(InputError, match="trials"):
        spawn_seeds(0, 1)
