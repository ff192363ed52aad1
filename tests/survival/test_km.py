"""Kaplan-Meier: published R survival values, lifelines as a peer, a hand-computed case."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from lifelines import KaplanMeierFitter
from lifelines.datasets import load_lung
from lifelines.utils import median_survival_times

from cartrial.survival.km import compute_kaplan_meier

DATA = Path(__file__).resolve().parents[1] / "data"


def lung(sex: int | None = None) -> tuple[list[float], list[bool]]:
    df = load_lung()
    if sex is not None:
        df = df[df["sex"] == sex]
    return [float(t) for t in df["time"]], [s == 1 for s in df["status"]]


def aml(group: str) -> tuple[list[float], list[bool]]:
    with (DATA / "aml.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["x"] == group]
    return [float(r["time"]) for r in rows], [r["status"] == "1" for r in rows]


@pytest.mark.parametrize(
    ("sex", "n", "events", "median", "low", "high"),
    [(None, 228, 165, 310, 285, 363), (1, 138, 112, 270, 212, 310), (2, 90, 53, 426, 348, 550)],
)
def test_km_median_matches_r_survival_lung_published(
    sex: int | None, n: int, events: int, median: float, low: float, high: float
) -> None:
    durations, flags = lung(sex)
    km = compute_kaplan_meier(durations=durations, events=flags, ci_transform="log")
    assert (km.n, km.events) == (n, events)
    assert (km.median, km.median_ci_low, km.median_ci_high) == (median, low, high)


def test_km_one_year_rate_matches_r_survival_lung_published() -> None:
    durations, flags = lung()
    km = compute_kaplan_meier(
        durations=durations, events=flags, ci_transform="log", landmarks=[365.25]
    )
    (year,) = km.landmarks
    assert year.survival is not None and year.ci_low is not None and year.ci_high is not None
    assert (round(year.survival, 3), round(year.ci_low, 3), round(year.ci_high, 3)) == (
        0.409,
        0.345,
        0.486,
    )


@pytest.mark.parametrize(
    ("group", "median", "low", "high"),
    [("Maintained", 31, 18, None), ("Nonmaintained", 23, 8, None)],
)
def test_km_median_matches_r_survival_aml_published(
    group: str, median: float, low: float, high: float | None
) -> None:
    durations, flags = aml(group)
    km = compute_kaplan_meier(durations=durations, events=flags, ci_transform="log")
    assert (km.median, km.median_ci_low, km.median_ci_high) == (median, low, high)


@pytest.mark.parametrize("group", ["Maintained", "Nonmaintained"])
def test_log_log_band_agrees_with_lifelines_exponential_greenwood(group: str) -> None:
    durations, flags = aml(group)
    km = compute_kaplan_meier(durations=durations, events=flags)
    peer = KaplanMeierFitter().fit(durations, flags).confidence_interval_
    for t, low, high in zip(km.times, km.ci_low, km.ci_high, strict=True):
        if math.isnan(low):
            continue
        assert low == pytest.approx(peer.loc[t].iloc[0], abs=1e-12)
        assert high == pytest.approx(peer.loc[t].iloc[1], abs=1e-12)


def test_log_log_median_ci_agrees_with_lifelines_on_lung() -> None:
    durations, flags = lung()
    km = compute_kaplan_meier(durations=durations, events=flags)
    peer = median_survival_times(KaplanMeierFitter().fit(durations, flags).confidence_interval_)
    assert (km.median_ci_low, km.median_ci_high) == tuple(peer.iloc[0])
    assert (km.median, km.median_ci_low, km.median_ci_high) == (310, 284, 361)


# Hand-computed: times 1, 2, 2, 3+, 4, 5+, 6 (+ = censored), 95 %, z = 1.959964.
# t=1: n=7 d=1 S=6/7; t=2: n=6 d=2 S=4/7, V = 1/42 + 2/24 = 3/28; t=4: n=3 d=1 S=8/21,
# V = 3/28 + 1/6; t=6: n=1 d=1 S=0. Median = 4 (first S <= 0.5).
# log-log at t=1: (6/7)^exp(+-z sqrt(1/42)/log(7/6)) = 0.33405, 0.97856;
# at t=2: (4/7)^exp(+-z sqrt(3/28)/log(7/4)) = 0.17187, 0.83708; at t=4: 0.06123, 0.71644.
# Median CI: lower band first <= 0.5 at t=1; upper band never (undefined at S=0) -> None.
HAND = {"durations": [1, 2, 2, 3, 4, 5, 6], "events": [1, 1, 1, 0, 1, 0, 1]}


def hand() -> tuple[list[float], list[bool]]:
    return [float(x) for x in HAND["durations"]], [x == 1 for x in HAND["events"]]


def test_km_hand_computed_case_with_ties_and_censoring() -> None:
    durations, flags = hand()
    km = compute_kaplan_meier(durations=durations, events=flags, landmarks=[3, 6.5])
    assert km.times == [1.0, 2.0, 4.0, 6.0]
    assert km.survival == pytest.approx([6 / 7, 4 / 7, 8 / 21, 0.0])
    assert [round(x, 5) for x in km.ci_low[:3]] == [0.33405, 0.17187, 0.06123]
    assert [round(x, 5) for x in km.ci_high[:3]] == [0.97856, 0.83708, 0.71644]
    assert (km.median, km.median_ci_low, km.median_ci_high) == (4.0, 1.0, None)
    three, beyond = km.landmarks
    assert (three.survival, three.at_risk) == (pytest.approx(4 / 7), 4)
    assert beyond.survival is None  # 6.5 is after the last follow-up


def test_median_not_reached() -> None:
    km = compute_kaplan_meier(durations=[5, 10, 15, 20], events=[True, False, False, False])
    assert (km.median, km.median_ci_high) == (None, None)


def test_numbers_at_risk() -> None:
    durations, flags = hand()
    km = compute_kaplan_meier(durations=durations, events=flags, at_risk_times=[0, 2, 4.5, 7])
    assert km.at_risk == [(0.0, 7), (2.0, 6), (4.5, 2), (7.0, 0)]


def test_censoring_tied_with_an_event_stays_at_risk_at_that_time() -> None:
    # times 2 (event), 2 (censored), 3 (event): at t=2 n=3, d=1 -> S = 2/3 (the subject
    # censored at 2 is still at risk at 2); at t=3 n=1, d=1 -> S = 0.
    km = compute_kaplan_meier(durations=[2, 2, 3], events=[True, False, True])
    assert km.times == [2.0, 3.0]
    assert km.survival == pytest.approx([2 / 3, 0.0])
    assert km.median == 3.0


def test_km_matches_r_survival_on_the_6mp_leukaemia_group() -> None:
    # Freireich et al., Blood 1963 (Gehan 1965), 6-MP arm, shipped with lifelines as
    # load_leukemia() (Rx == 0). Published R survfit summary (log CI), as reproduced in
    # Kleinbaum & Klein's and many course texts:
    # time 6: 0.857 (0.720, 1.000); 7: 0.807 (0.653, 0.996); 10: 0.753 (0.586, 0.968);
    # 13: 0.690 (0.510, 0.935); 16: 0.627 (0.439, 0.896); 22: 0.538 (0.337, 0.858);
    # 23: 0.448 (0.249, 0.807); median 23.
    from lifelines.datasets import load_leukemia

    df = load_leukemia()
    arm = df[df["Rx"] == 0]
    km = compute_kaplan_meier(
        durations=[float(t) for t in arm["t"]],
        events=[s == 1 for s in arm["status"]],
        ci_transform="log",
    )
    rows = [
        (t, round(s, 3), round(lo, 3), round(hi, 3))
        for t, s, lo, hi in zip(km.times, km.survival, km.ci_low, km.ci_high, strict=True)
    ]
    assert rows == [
        (6.0, 0.857, 0.720, 1.000),
        (7.0, 0.807, 0.653, 0.996),
        (10.0, 0.753, 0.586, 0.968),
        (13.0, 0.690, 0.510, 0.935),
        (16.0, 0.627, 0.439, 0.896),
        (22.0, 0.538, 0.337, 0.858),
        (23.0, 0.448, 0.249, 0.807),
    ]
    assert km.median == 23
