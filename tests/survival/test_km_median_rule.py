"""Kaplan-Meier median where the curve sits exactly at 0.5: both conventions against R.

R ``survival`` 3.x ``quantile.survfit`` (``findq``, the code behind ``print(survfit)``):
with ``tolerance = sqrt(.Machine$double.eps)``, ``indx1`` is the first jump where
1 - S >= 0.5 - tol and ``indx2`` the first where 1 - S >= 0.5 + tol; the median is
``(x[indx1] + x[indx2]) / 2``, i.e. the midpoint of a flat stretch at exactly 0.5; when the
curve ends on that flat stretch, ``(x[indx1] + xmax) / 2`` with ``xmax`` the last time of the
fit (an event or a censoring). Each expected value below is derived by hand from the
product-limit estimate and those lines, stated as the value R prints.
"""

from __future__ import annotations

import statistics

import pytest

from cartrial.survival.km import compute_kaplan_meier


def test_uncensored_even_n_first_time_is_the_third_event() -> None:
    # S = 5/6, 4/6, 3/6 at t = 1, 2, 3: the first time S <= 0.5 is 3 (lifelines' float
    # product 5/6 * 4/5 * 3/4 is 0.5000000000000001, which must not push it to 4).
    km = compute_kaplan_meier(durations=[1, 2, 3, 4, 5, 6], events=[True] * 6)
    assert km.median == 3.0
    assert km.median_rule == "first"


def test_uncensored_even_n_midpoint_is_r_and_the_sample_median() -> None:
    # R: survfit(Surv(1:6, rep(1, 6)) ~ 1) prints median 3.5 (flat at 0.5 on [3, 4)),
    # the ordinary sample median of uncensored data.
    durations = [1, 2, 3, 4, 5, 6]
    km = compute_kaplan_meier(durations=durations, events=[True] * 6, median_rule="midpoint")
    assert km.median == 3.5 == statistics.median(durations)


def test_example_study_pfs_times_both_rules() -> None:
    # docs/examples/response/study PFS: events at 20, 28, 70, 126, 154 and 168 censored.
    # S = 5/6, 4/6, 3/6 (t=70), 2/6 (t=126): first rule 70; R midpoint (70 + 126) / 2 = 98.
    durations = [20, 28, 70, 126, 154, 168]
    events = [True, True, True, True, True, False]
    assert compute_kaplan_meier(durations=durations, events=events).median == 70.0
    midpoint = compute_kaplan_meier(durations=durations, events=events, median_rule="midpoint")
    assert midpoint.median == 98.0


def test_curve_ending_flat_at_one_half() -> None:
    # S = 0.75 (t=1), 0.5 (t=2), then censored at 3 and 4: the curve ends at 0.5.
    # R's end-of-curve case: (x[indx1] + xmax) / 2 = (2 + 4) / 2 = 3.
    durations = [1, 2, 3, 4]
    events = [True, True, False, False]
    assert compute_kaplan_meier(durations=durations, events=events).median == 2.0
    km = compute_kaplan_meier(durations=durations, events=events, median_rule="midpoint")
    assert km.median == 3.0


def test_no_flat_stretch_both_rules_agree() -> None:
    # S = 0.8, 0.6, 0.4: no value at 0.5, both rules give the time S first drops below it.
    durations = [1, 2, 3, 4, 5]
    events = [True, True, True, False, False]
    first = compute_kaplan_meier(durations=durations, events=events)
    mid = compute_kaplan_meier(durations=durations, events=events, median_rule="midpoint")
    assert first.median == mid.median == 3.0


def test_unknown_median_rule_is_refused() -> None:
    from cartrial.errors import InputError

    with pytest.raises(InputError, match="median_rule"):
        compute_kaplan_meier(durations=[1], events=[True], median_rule="mean")  # type: ignore[arg-type]
