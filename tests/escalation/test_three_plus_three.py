"""3+3 and accelerated titration: the rules of Storer 1989 / Le Tourneau 2009 and Simon 1997.

Each case is a literal state; expected decisions and reasons are written out by hand.
"""

import numpy as np
import pytest

from cartrial.escalation.accelerated_titration import AcceleratedTitration
from cartrial.escalation.base import Action, state_from_counts
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.simulate import simulate_trials
from cartrial.escalation.three_plus_three import ThreePlusThree

D33 = ThreePlusThree(n_levels=4)


def decide(design, **counts):
    state = state_from_counts(**counts)
    dec = design.decide(state)
    return (
        Action(int(dec.action[0])).label,
        int(dec.next_level[0]),
        int(dec.cohort_size[0]),
        int(dec.mtd[0]),
        design.explain(state, dec),
    )


def test_3plus3_starts_with_three_at_start_level():
    assert decide(D33, n=[0] * 4, y=[0] * 4, current=0)[:3] == ("stay", 1, 3)


def test_3plus3_zero_of_three_escalates():
    assert decide(D33, n=[3, 0, 0, 0], y=[0, 0, 0, 0], current=1) == (
        "escalate",
        2,
        3,
        0,
        "0 DLTs in 3 at level 1: escalate to level 2, per 3+3",
    )


def test_3plus3_one_of_three_expands_to_six():
    assert decide(D33, n=[3, 3, 0, 0], y=[0, 1, 0, 0], current=2) == (
        "expand",
        2,
        3,
        0,
        "1 DLT in 3 at level 2: expand to 6, per 3+3",
    )


def test_3plus3_one_of_six_escalates():
    assert decide(D33, n=[3, 6, 0, 0], y=[0, 1, 0, 0], current=2)[:3] == ("escalate", 3, 3)


def test_3plus3_two_of_three_deescalates_to_expand_lower_level_to_six():
    assert decide(D33, n=[3, 3, 3, 0], y=[0, 0, 2, 0], current=3) == (
        "de-escalate",
        2,
        3,
        0,
        "2 DLTs in 3 at level 3: MTD exceeded; de-escalate to level 2 (0 DLTs in 3) "
        "and treat 3 more, per 3+3",
    )


def test_3plus3_lower_level_tolerated_in_six_after_higher_exceeded_is_mtd():
    assert decide(D33, n=[3, 6, 3, 0], y=[0, 1, 2, 0], current=2) == (
        "stop",
        0,
        0,
        2,
        "1 DLT in 6 at level 2 (level 3 exceeded the MTD): level 2 is the MTD, per 3+3",
    )


def test_3plus3_two_of_six_with_six_below_declares_level_below():
    assert decide(D33, n=[6, 6, 0, 0], y=[1, 2, 0, 0], current=2)[:4] == ("stop", 0, 0, 1)


def test_3plus3_two_dlts_at_lowest_level_stops_without_mtd():
    assert decide(D33, n=[3, 0, 0, 0], y=[2, 0, 0, 0], current=1) == (
        "stop",
        0,
        0,
        0,
        "2 DLTs in 3 at level 1, the lowest level: stop, no MTD, per 3+3",
    )


def test_3plus3_highest_level_zero_of_three_expands_to_six_when_mtd_requires_six():
    assert decide(D33, n=[3, 3, 3, 3], y=[0, 0, 0, 0], current=4)[:3] == ("expand", 4, 3)


def test_3plus3_highest_level_zero_of_three_is_mtd_when_six_not_required():
    design = ThreePlusThree(n_levels=4, mtd_requires_six=False)
    assert decide(design, n=[3, 3, 3, 3], y=[0, 0, 0, 0], current=4)[:4] == ("stop", 0, 0, 4)


def test_3plus3_without_lower_expansion_declares_level_below_with_three():
    design = ThreePlusThree(n_levels=4, deescalation_expands_lower_level=False)
    assert decide(design, n=[3, 3, 0, 0], y=[0, 2, 0, 0], current=2)[:4] == ("stop", 0, 0, 1)


def test_3plus3_single_level_exact_matches_hand_worked_binomial_sums():
    # p = 0.3, one level: 0/3 then <= 1 DLT in the next 3, or 1/3 then 0 in the next 3.
    # 0.343 * (0.343 + 0.441) + 0.441 * 0.343 = 0.420175; E[n] = 3 + 3 * 0.784 = 5.352.
    oc = enumerate_trials(ThreePlusThree(n_levels=1), truth=[0.3], target=0.3)
    assert oc.selection[0] == pytest.approx(0.420175, abs=1e-12)
    assert oc.no_selection == pytest.approx(0.579825, abs=1e-12)
    assert oc.mean_sample_size == pytest.approx(5.352, abs=1e-12)


def test_3plus3_two_levels_exact_matches_hand_worked_escalation_probability():
    # Level 1 certainly safe (p = 0): 3 patients, escalate. Level 2 with p = 1: 3 patients,
    # 3 DLTs, back to level 1 for 3 more (all safe): MTD = level 1, 9 patients.
    oc = enumerate_trials(ThreePlusThree(n_levels=2), truth=[0.0, 1.0], target=0.3)
    assert oc.selection == [1.0, 0.0]
    assert oc.mean_patients == [6.0, 3.0]
    assert oc.mean_dlts == [0.0, 3.0]
    assert oc.percent_above_mtd == pytest.approx(100 * 3 / 9)


def test_atd_single_patient_levels_until_first_dlt():
    atd = AcceleratedTitration(n_levels=5)
    assert decide(atd, n=[1, 1, 0, 0, 0], y=[0, 0, 0, 0, 0], current=2) == (
        "escalate",
        3,
        1,
        0,
        "no DLT and 0 grade >= 2 related toxicity in 2 single-patient levels: "
        "escalate to level 3 with 1 patient, per accelerated titration",
    )
    assert decide(atd, n=[1, 1, 1, 0, 0], y=[0, 0, 1, 0, 0], current=3)[:3] == ("expand", 3, 2)


def test_atd_second_grade2_related_toxicity_switches_to_3plus3():
    atd = AcceleratedTitration(n_levels=5)
    got = decide(atd, n=[1, 1, 0, 0, 0], y=[0, 0, 0, 0, 0], g2=[1, 1, 0, 0, 0], current=2)
    assert got == (
        "expand",
        2,
        2,
        0,
        "2 grade >= 2 related toxicities: accelerated titration ends; expand level 2 to 3, per 3+3",
    )
    one = decide(atd, n=[1, 1, 0, 0, 0], y=[0, 0, 0, 0, 0], g2=[1, 0, 0, 0, 0], current=2)
    assert one[:2] == ("escalate", 3)


def test_atd_max_single_patient_levels_starts_3plus3_at_the_next_level():
    atd = AcceleratedTitration(n_levels=5, max_single_patient_levels=2)
    assert decide(atd, n=[1, 1, 0, 0, 0], y=[0] * 5, current=2) == (
        "escalate",
        3,
        3,
        0,
        "2 single-patient levels without a DLT (protocol limit): accelerated titration ends; "
        "escalate to level 3 with 3 patients, per 3+3",
    )
    assert decide(atd, n=[1, 0, 0, 0, 0], y=[0] * 5, current=1)[:3] == ("escalate", 2, 1)


def test_atd_then_3plus3_two_dlts_after_switch_deescalates_to_fill_single_level():
    atd = AcceleratedTitration(n_levels=5)
    # Level 3 filled to 3 after its first DLT, second DLT: exceeded; level 2 has 1 patient.
    assert decide(atd, n=[1, 1, 3, 0, 0], y=[0, 0, 2, 0, 0], current=3)[:3] == (
        "de-escalate",
        2,
        2,
    )


@pytest.mark.parametrize(
    "design",
    [
        ThreePlusThree(n_levels=5),
        ThreePlusThree(n_levels=5, mtd_requires_six=False, deescalation_expands_lower_level=False),
        AcceleratedTitration(n_levels=5),
        AcceleratedTitration(n_levels=5, max_single_patient_levels=2),
    ],
    ids=["3+3", "3+3 variants off", "atd", "atd 2 single levels"],
)
def test_simulated_matches_exact_enumeration_within_4_se(design):
    truth = [0.05, 0.1, 0.2, 0.3, 0.5]
    exact = enumerate_trials(design, truth=truth, target=0.3)
    sim = simulate_trials(
        design, truth=truth, target=0.3, n_trials=40_000, rng=np.random.default_rng(20261123)
    )
    pairs = [
        *zip(sim.selection, sim.selection_se, exact.selection, strict=True),
        *zip(sim.mean_patients, sim.mean_patients_se, exact.mean_patients, strict=True),
        *zip(sim.mean_dlts, sim.mean_dlts_se, exact.mean_dlts, strict=True),
        (sim.no_selection, sim.no_selection_se, exact.no_selection),
        (sim.early_stop, sim.early_stop_se, exact.early_stop),
        (sim.percent_above_mtd, sim.percent_above_mtd_se, exact.percent_above_mtd),
        (sim.mean_sample_size, sim.mean_sample_size_se, exact.mean_sample_size),
    ]
    for got, se, expected in pairs:
        assert abs(got - expected) <= 4 * se + 1e-12, (got, se, expected)


@pytest.mark.parametrize(
    ("p", "expected"),
    [(0.1, 0.91), (0.2, 0.71), (0.3, 0.49), (0.4, 0.31), (0.5, 0.17), (0.6, 0.08), (0.7, 0.03)],
)
def test_3plus3_escalation_probability_matches_storer_closed_form_table(p, expected):
    # P(escalate past a level) = (1-p)^3 + 3p(1-p)^2 (1-p)^3 (0/3, or 1/3 then 0/3), the
    # two-decimal table of Storer (Biometrics 1989) reproduced in phase I reviews.
    # Level 2 is certainly toxic, so patients reach it only by escalating past level 1.
    oc = enumerate_trials(ThreePlusThree(n_levels=2), truth=[p, 1.0], target=0.3)
    assert round(oc.mean_patients[1] / 3, 2) == expected


def test_3plus3_without_expansions_matches_lin_shih_closed_form():
    # Lin & Shih (Biostatistics 2001) closed form for the 3+3 that declares the level below
    # the first exceeded level (no de-escalation expansion, MTD with 3 or 6 patients):
    # a_j = P(pass level j) = (1-p)^3 + 3p(1-p)^2 (1-p)^3; P(select j) = prod_{l<=j} a_l
    # (1 - a_{j+1}); E[n_j] = prod_{l<j} a_l (3 + 3 * 3p(1-p)^2).
    truth = [0.05, 0.15, 0.3, 0.45]
    a = [(1 - p) ** 3 + 3 * p * (1 - p) ** 2 * (1 - p) ** 3 for p in truth]
    reach = [float(np.prod(a[:j])) for j in range(5)]
    expected_sel = [reach[j + 1] * (1 - a[j + 1]) for j in range(3)] + [reach[4]]
    expected_n = [reach[j] * (3 + 9 * p * (1 - p) ** 2) for j, p in enumerate(truth)]
    design = ThreePlusThree(
        n_levels=4, mtd_requires_six=False, deescalation_expands_lower_level=False
    )
    oc = enumerate_trials(design, truth=truth, target=0.3)
    assert oc.no_selection == pytest.approx(1 - a[0], abs=1e-12)
    assert oc.selection == pytest.approx(expected_sel, abs=1e-12)
    assert oc.mean_patients == pytest.approx(expected_n, abs=1e-12)


def textbook_3plus3(truth):
    """The standard 3+3 written out trial by trial (plain recursion over cohort outcomes).

    Le Tourneau et al. 2009: 0/3 escalate; 1/3 three more; <= 1/6 escalate; >= 2 DLTs:
    the level below is the MTD once 6 were treated there, else 3 more there first; at the
    highest level the MTD needs 6 patients. Returns P(select level) and E[patients].
    """
    from math import comb

    k = len(truth)
    sel = [0.0] * (k + 1)
    pts = [0.0] * k

    def rule(n, y, cur):
        if cur == 0:
            return ("treat", 1, 3)
        if y[cur - 1] >= 2:
            if cur == 1:
                return ("stop", 0)
            if n[cur - 2] >= 6:
                return ("stop", cur - 1)
            return ("treat", cur - 1, 6 - n[cur - 2])
        if n[cur - 1] == 3 and y[cur - 1] == 1:
            return ("treat", cur, 3)
        if cur < k and y[cur] < 2:
            return ("treat", cur + 1, 3)
        if n[cur - 1] >= 6:
            return ("stop", cur)
        return ("treat", cur, 3)

    def explore(n, y, cur, prob):
        step = rule(n, y, cur)
        if step[0] == "stop":
            sel[step[1]] += prob
            for j in range(k):
                pts[j] += prob * n[j]
            return
        _, level, size = step
        p = truth[level - 1]
        for j in range(size + 1):
            q = comb(size, j) * p**j * (1 - p) ** (size - j)
            if q > 0:
                n2, y2 = list(n), list(y)
                n2[level - 1] += size
                y2[level - 1] += j
                explore(n2, y2, level, prob * q)

    explore([0] * k, [0] * k, 0, 1.0)
    return sel, pts


@pytest.mark.parametrize(
    "truth", [[0.05, 0.15, 0.3, 0.45], [0.3, 0.4, 0.5, 0.6], [0.01, 0.02, 0.03, 0.04]]
)
def test_3plus3_exact_enumeration_matches_textbook_recursion(truth):
    sel, pts = textbook_3plus3(truth)
    oc = enumerate_trials(ThreePlusThree(n_levels=4), truth=truth, target=0.3)
    assert [oc.no_selection, *oc.selection] == pytest.approx(sel, abs=1e-12)
    assert oc.mean_patients == pytest.approx(pts, abs=1e-12)
