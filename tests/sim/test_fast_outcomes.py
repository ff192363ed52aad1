"""DLT and RECIST readings of latent patients, against hand-worked expectations."""

from __future__ import annotations

import math

import numpy as np

from cartrial.protocol.load import load_protocol
from cartrial.sim.fast.outcomes import (
    BOR_LABELS,
    ResponseReading,
    assess_dlts,
    assess_tumours,
    dlt_reading,
    response_reading,
)
from tests.sim.toy import patients

UCLM802 = load_protocol("uclm802").protocol
assert UCLM802.dlt is not None
DLT = dlt_reading(UCLM802.dlt, [v.day for v in UCLM802.visits])
RESPONSE = response_reading(UCLM802)
INF = math.inf


def test_uclm802_scan_days_are_its_visits_from_week_6() -> None:
    assert RESPONSE.scan_days.tolist() == [42, 56, 90, 180, 270, 365, 545, 730]
    assert RESPONSE.follow_up_days == 730
    assert RESPONSE.confirmation_min_days == 28 and RESPONSE.sd_min_days == 42


def test_dlt_rules_of_uclm802_d2_to_d8() -> None:
    # one patient per case; columns follow the protocol's D-rules
    cases = [
        # (crs grade, crs onset, icans grade, off term, off grade, off onset, anc, recovery, death)
        (3, 2.0, 0, "", 0, INF, 1.0, 14.0, INF, False),  # D2: G3 CRS improves within a day
        (4, 2.0, 0, "", 0, INF, 1.0, 14.0, INF, True),  # D2: any grade 4 CRS
        (4, 29.0, 0, "", 0, INF, 1.0, 14.0, INF, False),  # onset after the 28-day window
        (0, INF, 4, "", 0, INF, 1.0, 14.0, INF, True),  # D3: grade 4 ICANS
        (0, INF, 3, "", 0, INF, 1.0, 14.0, INF, False),  # D3: G3 ICANS resolves to G1 in a day
        (0, INF, 0, "Pneumonitis", 3, 10.0, 1.0, 14.0, INF, True),  # D5
        (0, INF, 0, "Pleural effusion", 3, 10.0, 1.0, 14.0, INF, True),  # D4
        (0, INF, 0, "Pleural effusion", 2, 10.0, 1.0, 14.0, INF, False),  # grade 2 only
        (0, INF, 0, "", 0, INF, 0.3, 50.0, INF, True),  # D7: still G4 at day 42 (first > 28)
        (0, INF, 0, "", 0, INF, 0.3, 41.0, INF, False),  # D7: recovered before day 42
        (0, INF, 0, "", 0, INF, 0.7, 50.0, INF, False),  # D7: nadir grade 3, not 4
        (0, INF, 0, "Hepatitis", 3, 5.0, 1.0, 14.0, INF, True),  # D8: other non-haem G3
        (0, INF, 0, "Fever", 3, 5.0, 1.0, 14.0, INF, False),  # D8 exception
        (2, 2.0, 0, "", 0, INF, 1.0, 14.0, 10.0, False),  # died day 10 without DLT
    ]
    cols = list(zip(*cases, strict=True))
    p = patients(
        len(cases),
        crs_grade=cols[0],
        crs_onset_day=cols[1],
        crs_duration_days=5.0,
        icans_grade=cols[2],
        icans_onset_day=np.where(np.array(cols[2]) > 0, 5.0, INF),
        icans_duration_days=4.0,
        off_tumour_term=cols[3],
        off_tumour_grade=cols[4],
        off_tumour_onset_day=cols[5],
        anc_nadir_10e9_per_l=cols[6],
        cytopenia_recovery_day=cols[7],
        death_day=cols[8],
    )
    out = assess_dlts(p, DLT)
    assert out.dlt.tolist() == list(cols[9])
    assert out.evaluable.tolist() == [True] * (len(cases) - 1) + [False]
    # grade >= 2 non-DLT toxicity (the accelerated-titration trigger)
    assert out.grade2.tolist()[:8] == [True, False, False, False, True, False, False, True]


def _hand_bor(g: float, d: float, days: list[float]) -> tuple[str, float]:
    """RECIST 1.1 by hand (100 mm baseline, no error): BOR and PFS day."""
    sums = [100 * (math.exp(-d * t) + math.exp(g * t) - 1) for t in days]
    nadir, responses = 100.0, []
    for s in sums:
        if s - nadir >= 0.2 * nadir and s - nadir >= 5:
            responses.append("PD")
            break
        responses.append("PR" if s <= 70 else "SD")
        nadir = min(nadir, s)
    best = "NE"
    rank = {"NE": 0, "PD": 1, "SD": 2, "PR": 3}
    for i, r in enumerate(responses):
        if r == "PR":  # confirmed by a PR >= 28 days later with only PRs in between
            confirmed = any(
                days[j] - days[i] >= 28 and all(x == "PR" for x in responses[i + 1 : j + 1])
                for j in range(i + 1, len(responses))
            )
            r = "PR" if confirmed else "SD"
        if r == "SD" and days[i] < 42:
            r = "NE"
        best = max(best, r, key=rank.__getitem__)
    pfs = days[len(responses) - 1]  # the PD scan (when PD)
    return best, pfs


def _one(g: float, d: float, **kw: float) -> tuple[str, float, bool]:
    one = np.ones(1)
    out = assess_tumours(
        baseline_sld_mm=one * 100,
        n_target_lesions=np.array([2]),
        growth_per_day=one * g,
        decay_per_day=one * d,
        new_lesion_day=one * kw.get("new", INF),
        death_day=one * kw.get("death", INF),
        withdrawal_day=one * kw.get("withdrawal", INF),
        lost_day=one * INF,
        noise=np.zeros((1, 9)),
        lesion_sd_mm=0.0,
        reading=RESPONSE,
    )
    return BOR_LABELS[int(out.bor[0])], float(out.pfs_day[0]), bool(out.pfs_event[0])


def test_bor_from_the_g_d_formula_by_hand() -> None:
    days = RESPONSE.scan_days.tolist()
    # confirmed PR: 47 % of baseline at day 42, shrinking further, then regrowth
    for g, d in [(0.001, 0.02), (0.004, 0.02), (0.01, 0.0), (0.002, 0.006), (0.0005, 0.03)]:
        expected, pfs = _hand_bor(g, d, days)
        bor, got_pfs, event = _one(g, d)
        assert bor == expected, (g, d)
        if expected == "PD":
            assert event and got_pfs == pfs
    assert _one(0.001, 0.02)[0] == "PR"
    assert _one(0.01, 0.0)[:2] == ("PD", 42.0)  # exp(0.42) = 1.52: +52 % at the first scan


def test_unconfirmed_pr_is_sd_and_new_lesion_is_pd() -> None:
    # PR at days 42 and 56 (both < 28 days apart), PD at 90: unconfirmed, SD (day >= 42)
    g, d = 0.009, 0.08
    s = [100 * (math.exp(-d * t) + math.exp(g * t) - 1) for t in (42, 56, 90)]
    assert s[0] <= 70 and s[1] <= 70 and s[2] >= 1.2 * min(s[:2])
    assert _one(g, d)[0] == "SD" == _hand_bor(g, d, [42, 56, 90])[0]
    assert _one(0.0, 0.001, new=30.0) == ("PD", 42.0, True)  # new lesion by the first scan
    assert _one(0.0, 0.001, new=50.0) == ("SD", 56.0, True)  # SD at day 42, PD at day 56
    bor, pfs, event = _one(0.0, 0.001, death=100.0)
    assert (bor, pfs, event) == ("SD", 100.0, True)  # death before any PD: PFS event at death
    bor, pfs, event = _one(0.0, 0.001, withdrawal=200.0)
    assert (pfs, event) == (180.0, False)  # censored at the last scan done


def test_measurement_error_is_per_lesion_sd_times_sqrt_lesions() -> None:
    n = 20_000
    rng = np.random.default_rng(5)
    ones = np.ones(n)
    reading = ResponseReading(scan_days=np.array([42.0]), confirmation_required=False)
    # true sum flat at 100 mm; PR needs a measured drop of 30 % vs measured baseline
    out = assess_tumours(
        baseline_sld_mm=ones * 100,
        n_target_lesions=np.full(n, 4),
        growth_per_day=ones * 0.0,
        decay_per_day=ones * 0.0,
        new_lesion_day=ones * INF,
        death_day=ones * INF,
        withdrawal_day=ones * INF,
        lost_day=ones * INF,
        noise=rng.standard_normal((n, 2)),
        lesion_sd_mm=10.0,
        reading=reading,
    )
    # P(obs <= 0.7 base) with base, obs ~ N(100, 20^2): obs - 0.7 base ~ N(30, 20^2 (1 + 0.49))
    from scipy.stats import norm

    expected = norm.cdf(-30 / (20 * math.sqrt(1.49)))
    got = float((out.bor == 3).mean())
    assert abs(got - expected) < 4 * math.sqrt(expected * (1 - expected) / n)
