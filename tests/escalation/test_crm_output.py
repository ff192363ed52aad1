"""CRM output as fields, maximum-likelihood CRM and the coherence restriction.

References (Cheung, Dose Finding by the Continual Reassessment Method, 2011,
chapter 3; dfcrm ``crm()``): the power model ``p_k = s_k ** exp(a)``, prior
``a ~ N(0, 1.34)``; posterior mean and variance of ``a`` and the 90% interval,
worked here with scipy.integrate.quad and brentq on the unnormalised posterior
written out independently; the MLE with scipy.optimize on the likelihood, its
variance from a central second difference. Coherence: Cheung, Biometrika
2005;92:863-873.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.escalation.base import Action, state_from_counts
from cartrial.escalation.crm import Crm
from cartrial.escalation.exact import enumerate_trials
from cartrial.escalation.simulate import run_trials

SKELETON = (0.05, 0.12, 0.25, 0.40, 0.55)
N, Y = [3, 3, 3, 0, 0], [0, 0, 1, 0, 0]


def _loglik(a: float) -> float:
    total = 0.0
    for s, n, y in zip(SKELETON, N, Y, strict=True):
        log_p = math.exp(a) * math.log(s)
        total += y * log_p + (n - y) * math.log(-math.expm1(log_p))
    return total


def _posterior_reference() -> tuple[float, float, float, float]:
    """Mean, variance, 5% and 95% points of a, by quad on the prior x likelihood."""

    def density(a: float) -> float:
        return math.exp(-0.5 * a * a / 1.34 + _loglik(a))

    opts = {"epsabs": 1e-14, "epsrel": 1e-12, "limit": 400}
    z = quad(density, -15, 15, **opts)[0]
    mean = quad(lambda a: a * density(a), -15, 15, **opts)[0] / z
    second = quad(lambda a: a * a * density(a), -15, 15, **opts)[0] / z

    def cdf(x: float) -> float:
        return quad(density, -15, x, **opts)[0] / z

    q05 = brentq(lambda x: cdf(x) - 0.05, -10, 10, xtol=1e-12)
    q95 = brentq(lambda x: cdf(x) - 0.95, -10, 10, xtol=1e-12)
    return mean, second - mean * mean, q05, q95


def test_posterior_mean_variance_and_90_percent_interval_are_fields() -> None:
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON)
    summary = crm.summarise(state_from_counts(n=N, y=Y, current=3))
    mean, var, q05, q95 = _posterior_reference()
    assert summary.parameter_mean == pytest.approx(mean, abs=1e-6)
    assert summary.parameter_variance == pytest.approx(var, abs=1e-6)
    for level, s in zip(summary.levels, SKELETON, strict=True):
        # p decreases in a: the 5% point of p is p(a_95), the 95% point p(a_05)
        assert level.low == pytest.approx(s ** math.exp(q95), abs=2e-3)
        assert level.high == pytest.approx(s ** math.exp(q05), abs=2e-3)
        # dfcrm's ptox and its normal-approximation interval
        assert level.plug_in == pytest.approx(s ** math.exp(mean), abs=1e-6)
        sd = math.sqrt(var)
        assert level.low_normal == pytest.approx(s ** math.exp(mean + 1.6448536 * sd), abs=1e-6)
        assert level.high_normal == pytest.approx(s ** math.exp(mean - 1.6448536 * sd), abs=1e-6)
        assert level.low < level.estimate < level.high


def test_maximum_likelihood_crm_matches_the_likelihood_maximum() -> None:
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON, method="mle")
    state = state_from_counts(n=N, y=Y, current=3)
    summary = crm.summarise(state)
    best = minimize_scalar(
        lambda a: -_loglik(a), bounds=(-10, 10), method="bounded", options={"xatol": 1e-10}
    )
    h = 1e-4
    info = -(_loglik(best.x + h) - 2 * _loglik(best.x) + _loglik(best.x - h)) / h**2
    assert summary.parameter_mean == pytest.approx(best.x, abs=1e-6)
    assert summary.parameter_variance == pytest.approx(1 / info, rel=1e-4)
    assert summary.prior_var is None
    estimates = [lv.estimate for lv in summary.levels]
    assert estimates == pytest.approx([s ** math.exp(best.x) for s in SKELETON], abs=1e-6)
    # plug-in rates 0.026, 0.075, 0.185, 0.327, 0.483: level 4 is closest to 0.3
    dec = crm.decide(state)
    assert (Action(int(dec.action[0])).label, int(dec.next_level[0])) == ("escalate", 4)
    assert "maximum-likelihood DLT rates" in crm.explain(state, dec)


def test_mle_needs_heterogeneity_and_follows_the_initial_sequence_before() -> None:
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON, method="mle")
    none = state_from_counts(n=[3, 3, 0, 0, 0], y=[0, 0, 0, 0, 0], current=2)
    dec = crm.decide(none)
    assert (Action(int(dec.action[0])).label, int(dec.next_level[0])) == ("escalate", 3)
    assert "maximum-likelihood estimate does not exist" in crm.explain(none, dec)
    assert crm.summarise(none).parameter_mean is None
    every = state_from_counts(n=[3, 0, 0, 0, 0], y=[3, 0, 0, 0, 0], current=1)
    dec = crm.decide(every)
    assert (Action(int(dec.action[0])).label, int(dec.next_level[0])) == ("stay", 1)
    with pytest.raises(ValueError, match="overdose_stop"):
        Crm(n_levels=5, target=0.3, skeleton=SKELETON, method="mle", overdose_stop=True)


def test_coherence_forbids_escalation_after_a_cohort_at_or_above_the_target() -> None:
    # 1 DLT in the last 3 at level 2 (rate 0.333 >= 0.3): the model would escalate to 3
    state = state_from_counts(n=[3, 3, 0, 0, 0], y=[0, 1, 0, 0, 0], current=2, last_cohort=(3, 1))
    free = Crm(n_levels=5, target=0.3, skeleton=SKELETON)
    assert int(free.decide(state).next_level[0]) == 3
    coherent = Crm(n_levels=5, target=0.3, skeleton=SKELETON, coherent=True)
    dec = coherent.decide(state)
    assert (Action(int(dec.action[0])).label, int(dec.next_level[0])) == ("stay", 2)
    assert "no escalation (coherence, Cheung 2005)" in coherent.explain(state, dec)
    # a DLT-free last cohort does not restrict
    clean = state_from_counts(n=[3, 6, 0, 0, 0], y=[0, 1, 0, 0, 0], current=2, last_cohort=(3, 0))
    assert int(coherent.decide(clean).next_level[0]) == int(free.decide(clean).next_level[0])


def test_simulated_coherent_crm_never_escalates_after_a_toxic_cohort() -> None:
    crm = Crm(n_levels=5, target=0.3, skeleton=SKELETON, coherent=True)
    truth = np.array([0.1, 0.2, 0.3, 0.45, 0.6])
    *_, history = run_trials(crm, truth, 2000, np.random.default_rng(5), record=True)
    assert history is not None
    levels, dlts, sizes = history.levels, history.dlts, history.sizes
    toxic = (sizes[:, :-1] > 0) & (dlts[:, :-1] >= 0.3 * sizes[:, :-1])
    following = levels[:, 1:]
    assert toxic.any()
    assert not (toxic & (following > levels[:, :-1])).any()
    # exact enumeration tracks the last cohort too
    oc = enumerate_trials(
        Crm(n_levels=3, target=0.3, skeleton=(0.1, 0.25, 0.4), max_sample_size=9, coherent=True),
        truth=[0.1, 0.3, 0.5],
        target=0.3,
    )
    assert sum(oc.selection) + oc.no_selection == pytest.approx(1.0)


def test_cli_next_prints_the_crm_estimate_as_fields(tmp_path) -> None:
    data = tmp_path / "patients.csv"
    rows = ["level,dlt,days_followed"] + ["1,no,28"] * 3 + ["2,no,28"] * 2 + ["2,yes,10"]
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "escalation",
            "next",
            "--protocol",
            "uclm802",
            "--data",
            str(data),
            "--design",
            "crm",
            "--target",
            "0.3",
            "--n-cohorts",
            "10",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    crm = json.loads(result.output)["crm"]
    assert crm["method"] == "bayes"
    assert crm["parameter_variance"] > 0
    assert len(crm["levels"]) >= 2
    assert {"estimate", "low", "high", "plug_in"} <= set(crm["levels"][0])


def test_live_engine_applies_coherence_to_the_last_cohort_at_the_current_level() -> None:
    from cartrial.escalation.engine import PatientOutcome, decide_next

    def patient(level: int, dlt: str) -> PatientOutcome:
        return PatientOutcome(level=level, dlt=dlt, days_followed=28)

    # 0/3 at level 1, then 1/3 at level 2: the unrestricted CRM escalates to 3 (see above)
    patients = [patient(1, "no")] * 3 + [patient(2, "no"), patient(2, "yes"), patient(2, "no")]
    free = decide_next(Crm(n_levels=5, target=0.3, skeleton=SKELETON), patients, window_days=28)
    assert (free.action, free.next_level) == ("escalate", 3)
    coherent = Crm(n_levels=5, target=0.3, skeleton=SKELETON, coherent=True)
    held = decide_next(coherent, patients, window_days=28)
    assert (held.action, held.next_level) == ("stay", 2)
    assert "coherence" in held.reason
    assert held.crm is not None and held.crm.parameter_mean is not None
    # the DLT-pending third patient: either outcome keeps level 2 (1/3 or 2/3 >= 0.3)
    pending = [*patients[:5], PatientOutcome(level=2, dlt="pending", days_followed=5)]
    assert decide_next(coherent, pending, window_days=28).next_level == 2
