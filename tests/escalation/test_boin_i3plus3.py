"""BOIN (Liu & Yuan 2015), i3+3 (Liu, Wang & Ji 2020) and isotonic MTD selection."""

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartrial.escalation.base import Action, state_from_counts
from cartrial.escalation.boin import Boin, compute_boin_boundaries, compute_boundary_table
from cartrial.escalation.i3plus3 import I3Plus3
from cartrial.escalation.isotonic import select_mtd_isotonic

DATA = Path(__file__).parent.parent / "data"


def rows(name):
    with (DATA / name).open() as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("row", rows("boin_lambda_liu_yuan_2015.csv"), ids=lambda r: r["target"])
def test_boin_boundaries_match_liu_yuan_2015_table(row):
    lam_e, lam_d = compute_boin_boundaries(target=float(row["target"]))
    # Printed to 3 decimals (some entries truncated): within one unit of the last digit.
    assert abs(lam_e - float(row["lambda_e"])) < 1e-3
    assert abs(lam_d - float(row["lambda_d"])) < 1e-3


def test_boin_boundary_table_matches_r_boin_get_boundary_target_030():
    expected = rows("boin_boundary_target030_3x10.csv")
    table = compute_boundary_table(target=0.3, cohort_size=3, n_cohorts=10)
    assert table.n == [int(r["n"]) for r in expected]
    assert table.escalate_if_at_most == [int(r["escalate_if_at_most"]) for r in expected]
    assert table.deescalate_if_at_least == [int(r["deescalate_if_at_least"]) for r in expected]
    assert table.eliminate_if_at_least == [int(r["eliminate_if_at_least"]) for r in expected]


def test_boin_boundaries_refuse_p_saf_above_target():
    from cartrial.errors import InputError

    with pytest.raises(InputError, match="p_saf"):
        compute_boin_boundaries(target=0.3, p_saf=0.35)


def decide(design, **counts):
    state = state_from_counts(**counts)
    dec = design.decide(state)
    return (
        Action(int(dec.action[0])).label,
        int(dec.next_level[0]),
        int(dec.mtd[0]),
        design.explain(state, dec),
    )


BOIN = Boin(n_levels=3, target=0.3, max_sample_size=30)


def test_boin_zero_of_three_escalates():
    assert decide(BOIN, n=[3, 0, 0], y=[0, 0, 0], current=1) == (
        "escalate",
        2,
        0,
        "0 DLTs in 3 at level 1 (rate 0.000 <= lambda_e 0.236): escalate to level 2, per BOIN",
    )


def test_boin_one_of_three_stays():
    assert decide(BOIN, n=[3, 3, 0], y=[0, 1, 0], current=2)[:2] == ("stay", 2)


def test_boin_two_of_three_deescalates():
    assert decide(BOIN, n=[3, 3, 0], y=[0, 2, 0], current=2) == (
        "de-escalate",
        1,
        0,
        "2 DLTs in 3 at level 2 (rate 0.667 >= lambda_d 0.359): de-escalate to level 1, per BOIN",
    )


def test_boin_three_of_three_eliminates_level_and_above():
    got = decide(BOIN, n=[3, 3, 0], y=[0, 3, 0], current=2)
    assert got[:2] == ("de-escalate", 1)
    assert "P(DLT rate > 0.3) = 0.992 > 0.95; level 2 and above eliminated" in got[3]
    # Back at level 1 with 0/6: escalation to the eliminated level 2 becomes "stay".
    assert decide(BOIN, n=[6, 3, 0], y=[0, 3, 0], current=1)[:2] == ("stay", 1)


def test_boin_lowest_level_eliminated_stops_without_mtd():
    assert decide(BOIN, n=[3, 0, 0], y=[3, 0, 0], current=1) == (
        "stop",
        0,
        0,
        "3 DLTs in 3 at level 1: P(DLT rate > 0.3) = 0.992 > 0.95; level 1 eliminated: "
        "stop, no MTD, per BOIN",
    )


def test_boin_extra_safe_stops_at_two_of_three_on_lowest_level():
    # P(p > 0.3 | Beta(3, 2)) = 1 - I_0.3(3, 2) = 1 - 0.0837 = 0.9163 > 0.95 - 0.05.
    safe = Boin(n_levels=3, target=0.3, max_sample_size=30, extra_safe=True)
    got = decide(safe, n=[3, 0, 0], y=[2, 0, 0], current=1)
    assert got[:3] == ("stop", 0, 0)
    assert "P(DLT rate > 0.3) = 0.916 > 0.9; extra-safe rule" in got[3]
    assert decide(BOIN, n=[3, 0, 0], y=[2, 0, 0], current=1)[:2] == ("stay", 1)


def test_boin_highest_level_stays():
    assert decide(BOIN, n=[3, 3, 3], y=[0, 0, 0], current=3)[0] == "stay"


def test_boin_stops_at_maximum_sample_size_and_selects_by_isotonic_estimate():
    got = decide(BOIN, n=[6, 12, 12], y=[0, 3, 6], current=3)
    assert got == (
        "stop",
        0,
        2,
        "maximum sample size 30 reached: stop; MTD level 2 (isotonic estimate 0.250), per BOIN",
    )


def test_boin_cap_per_level_stops_early():
    capped = Boin(n_levels=3, target=0.3, max_sample_size=30, n_earlystop=9)
    got = decide(capped, n=[3, 9, 0], y=[0, 3, 0], current=2)
    assert got[:3] == ("stop", 0, 2)
    assert "level 2 would get the next cohort and already has 9 patients (cap 9)" in got[3]


def test_i3plus3_one_of_two_stays_where_boin_deescalates():
    i33 = I3Plus3(n_levels=3, target=0.3, max_sample_size=30)
    assert decide(i33, n=[3, 2, 0], y=[0, 1, 0], current=2) == (
        "stay",
        2,
        0,
        "1 DLT in 2 at level 2 (rate 0.500 above the equivalence interval [0.250, 0.350] "
        "but (1-1)/2 = 0.000 below it): stay at level 2, per i3+3",
    )
    assert decide(BOIN, n=[3, 2, 0], y=[0, 1, 0], current=2)[0] == "de-escalate"


def test_i3plus3_rules_for_three_and_six_patients():
    i33 = I3Plus3(n_levels=3, target=0.3, max_sample_size=30)
    # n = 3: 0 escalate, 1 stay (0.333 in [0.25, 0.35]), 2 and 3 de-escalate.
    assert [int(i33.table[3, y]) for y in range(4)] == [0, 1, 2, 2]
    # n = 6: 0, 1 escalate (0.167 < 0.25), 2 stay (0.333), 3 de-escalate ((3-1)/6 = 0.333).
    assert [int(i33.table[6, y]) for y in range(4)] == [0, 0, 1, 2]


def select(n, y, target, **kw):
    sel, est = select_mtd_isotonic(n=np.array([n]), y=np.array([y]), target=target, **kw)
    return int(sel[0]), [round(float(v), 4) for v in est[0]]


def test_isotonic_pools_adjacent_violators():
    # 0/3, 2/3, 1/3, 3/3: levels 2 and 3 violate the order and pool to 3/6 = 0.5.
    assert select([3, 3, 3, 3], [0, 2, 1, 3], 0.3) == (2, [0.0, 0.5, 0.5, 1.0])


def test_isotonic_tie_below_target_selects_higher_level():
    assert select([3, 3, 3], [0, 1, 0], 0.3) == (3, [0.0, 0.1667, 0.1667])


def test_isotonic_tie_above_target_selects_lower_level():
    assert select([3, 3, 3, 3], [0, 2, 1, 3], 0.3)[0] == 2


def test_isotonic_equidistant_on_both_sides_selects_lower_level():
    assert select([20, 20], [5, 7], 0.3) == (1, [0.25, 0.35])


def test_isotonic_ignores_untreated_levels():
    level, est = select([3, 0, 6], [0, 0, 2], 0.3)
    assert level == 3
    assert est[0] == 0.0 and np.isnan(est[1]) and est[2] == 0.3333


def test_isotonic_excludes_eliminated_levels():
    elim = np.array([[False, True, False]])
    assert select([3, 3, 0], [0, 3, 0], 0.3, eliminated=elim)[0] == 1
    assert select([3, 3, 0], [3, 0, 0], 0.3, eliminated=np.array([[True, False, False]]))[0] == 0


def test_isotonic_bound_mtd_rejects_estimate_above_deescalation_boundary():
    # Target 0.4: 3/6 = 0.5 is closest but above lambda_d(0.4) = 0.4797.
    assert select([3, 6], [0, 3], 0.4)[0] == 2
    assert select([3, 6], [0, 3], 0.4, bound=0.4797)[0] == 1


def pava(rates, weights):
    """Textbook pool-adjacent-violators (Barlow et al. 1972), written out for the test."""
    blocks = [[r, w, 1] for r, w in zip(rates, weights, strict=True)]
    i = 0
    while i < len(blocks) - 1:
        if blocks[i][0] > blocks[i + 1][0] + 1e-15:
            r1, w1, c1 = blocks[i]
            r2, w2, c2 = blocks.pop(i + 1)
            blocks[i] = [(r1 * w1 + r2 * w2) / (w1 + w2), w1 + w2, c1 + c2]
            i = max(i - 1, 0)
        else:
            i += 1
    return [r for r, _, c in blocks for _ in range(c)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(0, 12)), min_size=1, max_size=6))
def test_isotonic_estimates_equal_textbook_pava(levels):
    from cartrial.escalation.isotonic import compute_isotonic_estimates

    n = [a for a, _ in levels]
    y = [min(b, a) for a, b in levels]
    got = compute_isotonic_estimates(np.array([n]), np.array([y]))[0]
    expected = pava([b / a for a, b in zip(n, y, strict=True)], n)
    assert list(got) == pytest.approx(expected, abs=1e-12)


def textbook_boin_allocation(truth, target, cohort, n_cohorts):
    """BOIN conduct written out (Liu & Yuan 2015; R BOIN get.oc's order of checks).

    After each cohort at d: eliminate d and above if n_d >= 3 and P(p_d > target) > 0.95;
    stop if level 1 is eliminated; escalate if y/n <= lambda_e (unless d is the highest or
    d+1 eliminated), de-escalate if y/n >= lambda_d (unless d = 1), else stay.
    Returns E[patients per level] and P(stopped with level 1 eliminated).
    """
    from math import comb, log

    from scipy.stats import beta as beta_dist

    p1, p2 = 0.6 * target, 1.4 * target
    lam_e = log((1 - p1) / (1 - target)) / log(target * (1 - p1) / (p1 * (1 - target)))
    lam_d = log((1 - target) / (1 - p2)) / log(p2 * (1 - target) / (target * (1 - p2)))
    k = len(truth)
    pts = [0.0] * k
    stopped = [0.0]
    # Distinct states: (n, y, d, eliminated-from) -> probability, one cohort at a time.
    states = {((0,) * k, (0,) * k, 1, k + 1): 1.0}
    for step in range(n_cohorts):
        nxt = {}
        for (n, y, d, elim), prob in states.items():
            p = truth[d - 1]
            for j in range(cohort + 1):
                q = prob * comb(cohort, j) * p**j * (1 - p) ** (cohort - j)
                n2, y2 = list(n), list(y)
                n2[d - 1] += cohort
                y2[d - 1] += j
                e = elim
                nd, yd = n2[d - 1], y2[d - 1]
                if nd >= 3 and beta_dist.sf(target, 1 + yd, 1 + nd - yd) > 0.95:
                    e = min(e, d)
                if e == 1 or step == n_cohorts - 1:
                    for i in range(k):
                        pts[i] += q * n2[i]
                    if e == 1:
                        stopped[0] += q
                    continue
                if yd / nd <= lam_e and d < k and d + 1 < e:
                    d2 = d + 1
                elif yd / nd >= lam_d and d > 1:
                    d2 = d - 1
                else:
                    d2 = d
                key = (tuple(n2), tuple(y2), d2, e)
                nxt[key] = nxt.get(key, 0.0) + q
        states = nxt
    return pts, stopped[0]


@pytest.mark.parametrize("truth", [[0.1, 0.25, 0.4, 0.6], [0.35, 0.5, 0.6, 0.7]])
def test_boin_exact_allocation_matches_textbook_conduct(truth):
    from cartrial.escalation.exact import enumerate_trials

    pts, stopped = textbook_boin_allocation(truth, 0.3, 3, 6)
    design = Boin(n_levels=4, target=0.3, cohort_size=3, max_sample_size=18)
    oc = enumerate_trials(design, truth=truth, target=0.3)
    assert oc.mean_patients == pytest.approx(pts, abs=1e-12)
    assert oc.early_stop == pytest.approx(stopped, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 12), st.integers(0, 12)), min_size=1, max_size=6))
def test_r_boin_isotonic_estimates_equal_textbook_pava_with_inverse_variance_weights(levels):
    # R BOIN select.mtd: pava((y + 0.05)/(n + 0.1), wt = 1/var),
    # var = (y + 0.05)(n - y + 0.05) / ((n + 0.1)^2 (n + 1.1))
    from cartrial.escalation.isotonic import compute_isotonic_estimates

    n = [a for a, _ in levels]
    y = [min(b, a) for a, b in levels]
    rates = [(b + 0.05) / (a + 0.1) for a, b in zip(n, y, strict=True)]
    var = [
        (b + 0.05) * (a - b + 0.05) / ((a + 0.1) ** 2 * (a + 1.1))
        for a, b in zip(n, y, strict=True)
    ]
    got = compute_isotonic_estimates(np.array([n]), np.array([y]), estimator="r_boin")[0]
    expected = pava(rates, [1 / v for v in var])
    assert list(got) == pytest.approx(expected, abs=1e-9)
