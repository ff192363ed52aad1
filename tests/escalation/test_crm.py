"""CRM (O'Quigley 1990), TITE-CRM weights (Cheung & Chappell 2000), skeletons (Lee & Cheung 2009).

The reference posterior is an independent adaptive quadrature (scipy.integrate.quad at
1e-13 relative tolerance) of the same unnormalised posterior written out here.
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize_scalar
from scipy.special import logit

from cartrial.escalation.base import Action, TrialState, state_from_counts
from cartrial.escalation.crm import Crm, compute_skeleton_lee_cheung

SKELETON = (0.05, 0.12, 0.25, 0.40, 0.55)
PRIOR_VAR = 1.34


def log_p(model, a, s):
    """(log p, log(1 - p)) of one level with skeleton value s."""
    if model == "power":
        lp = math.exp(a) * math.log(s)
        return lp, math.log(-math.expm1(lp))
    eta = 3 + math.exp(a) * (math.log(s / (1 - s)) - 3)
    return -np.logaddexp(0, -eta), -np.logaddexp(0, eta)


def reference_posterior(model, n, y, pending=()):
    def log_post(a):
        v = -0.5 * a * a / PRIOR_VAR
        for s, nk, yk in zip(SKELETON, n, y, strict=True):
            lp, l1 = log_p(model, a, s)
            v += yk * lp + (nk - yk) * l1
        for level, w in pending:
            v += math.log1p(-w * math.exp(log_p(model, a, SKELETON[level - 1])[0]))
        return v

    mode = minimize_scalar(lambda a: -log_post(a), bounds=(-15, 15), method="bounded").x
    top = log_post(mode)

    def integral(g):
        opts = {
            "epsabs": 1e-15,
            "epsrel": 1e-13,
            "limit": 500,
            "points": [mode - 1, mode, mode + 1],
        }
        return quad(lambda a: g(a) * math.exp(log_post(a) - top), -20, 20, **opts)[0]

    z = integral(lambda a: 1.0)
    mean_a = integral(lambda a: a) / z
    mean_p = [integral(lambda a, s=s: math.exp(log_p(model, a, s)[0])) / z for s in SKELETON]
    return mean_a, mean_p, log_post, z, top


CASES = [
    ([3, 0, 0, 0, 0], [0, 0, 0, 0, 0]),
    ([3, 3, 6, 9, 9], [0, 0, 1, 3, 5]),
    ([6, 0, 0, 0, 0], [6, 0, 0, 0, 0]),
    ([3, 3, 3, 3, 30], [0, 0, 0, 0, 0]),
    ([3, 6, 30, 0, 0], [0, 1, 9, 0, 0]),
]


@pytest.mark.parametrize("model", ["power", "logistic"])
@pytest.mark.parametrize(("n", "y"), CASES)
def test_crm_posterior_matches_high_precision_quadrature(model, n, y):
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON, model=model)
    post = crm.compute_posterior(state_from_counts(n=n, y=y, current=1))
    mean_a, mean_p, *_ = reference_posterior(model, n, y)
    assert post.mean_a[0] == pytest.approx(mean_a, abs=1e-6)
    assert list(post.mean_p[0]) == pytest.approx(mean_p, abs=1e-6)


def test_tite_crm_weights_pending_patients_by_follow_up_fraction():
    # Cheung & Chappell 2000: a pending patient followed 14 of 28 days contributes 1 - 0.5 p.
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON)
    state = TrialState(
        n=np.array([[3, 2, 0, 0, 0]]),
        y=np.array([[0, 1, 0, 0, 0]]),
        g2=np.zeros((1, 5), dtype=np.int64),
        current=np.array([2]),
        pending_level=np.array([[2]]),
        pending_weight=np.array([[0.5]]),
    )
    post = crm.compute_posterior(state)
    mean_a, mean_p, *_ = reference_posterior("power", [3, 2, 0, 0, 0], [0, 1, 0, 0, 0], [(2, 0.5)])
    assert post.mean_a[0] == pytest.approx(mean_a, abs=1e-6)
    assert list(post.mean_p[0]) == pytest.approx(mean_p, abs=1e-6)


def test_crm_never_skips_an_untried_level_on_escalation():
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON)
    state = state_from_counts(n=[3, 0, 0, 0, 0], y=[0, 0, 0, 0, 0], current=1)
    post = crm.compute_posterior(state)
    assert int(np.argmin(abs(post.mean_p[0] - 0.3))) + 1 > 2  # the model would skip
    dec = crm.decide(state)
    assert (Action(int(dec.action[0])).label, int(dec.next_level[0])) == ("escalate", 2)
    assert "(at most one level above the current)" in crm.explain(state, dec)


def test_crm_overdose_control_stops_when_lowest_level_likely_too_toxic():
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON, overdose_stop=True)
    state = state_from_counts(n=[3, 0, 0, 0, 0], y=[3, 0, 0, 0, 0], current=1)
    dec = crm.decide(state)
    assert (Action(int(dec.action[0])).label, int(dec.mtd[0])) == ("stop", 0)
    # Reference: P(p1 > 0.3) = P(a < a*) with 0.05 ** exp(a*) = 0.3.
    _, _, log_post, z, top = reference_posterior("power", [3, 0, 0, 0, 0], [3, 0, 0, 0, 0])
    a_star = math.log(math.log(0.3) / math.log(0.05))
    p_over = quad(lambda a: math.exp(log_post(a) - top), -20, a_star, epsabs=1e-15)[0] / z
    assert p_over > 0.9
    assert crm.compute_posterior(state).p_over_target_lowest[0] == pytest.approx(p_over, abs=1e-4)
    assert f"= {p_over:.3f} > 0.9: stop, no MTD" in crm.explain(state, dec)


def test_crm_stops_at_maximum_sample_size_with_recommended_level_as_mtd():
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON, max_sample_size=30)
    state = state_from_counts(n=[3, 6, 21, 0, 0], y=[0, 1, 6, 0, 0], current=3)
    dec = crm.decide(state)
    assert (Action(int(dec.action[0])).label, int(dec.mtd[0])) == ("stop", 3)


def test_skeleton_lee_cheung_power_model_hand_computed():
    # target 0.25, halfwidth 0.05, prior MTD level 3 of 5:
    # log s4 = log 0.25 * log 0.30 / log 0.20 -> s4 = 0.3545; s5 = 0.4603;
    # log s2 = log 0.25 * log 0.20 / log 0.30 = -1.8532 -> s2 = 0.1567; log s1 = -2.4773 -> 0.0840.
    got = compute_skeleton_lee_cheung(target=0.25, halfwidth=0.05, prior_mtd_level=3, n_levels=5)
    assert got == (0.084, 0.1567, 0.25, 0.3545, 0.4603)


def test_skeleton_lee_cheung_logistic_intervals_meet():
    s = compute_skeleton_lee_cheung(
        target=0.3, halfwidth=0.05, prior_mtd_level=2, n_levels=4, model="logistic"
    )
    x = [math.log(v / (1 - v)) - 3 for v in s]
    for k in range(3):
        # At the a where level k sits at 0.25, level k+1 sits at 0.35.
        scale = (logit(0.25) - 3) / x[k]
        p_next = 1 / (1 + math.exp(-(3 + scale * x[k + 1])))
        assert p_next == pytest.approx(0.35, abs=2e-3)
    assert s[1] == 0.3
