"""ORR/DCR with exact Clopper-Pearson CIs, checked against published and closed-form values."""

from __future__ import annotations

import pytest

from cartrial.errors import InputError
from cartrial.response.rates import (
    SubjectBestResponse,
    compute_clopper_pearson,
    compute_response_rates,
    derive_subject_best_response,
)
from tests.response.build import subject, tgt, visit


def test_clopper_pearson_matches_r_binom_test_3_of_10() -> None:
    # R: binom.test(3, 10)$conf.int -> 0.06673951 0.65245285 (the textbook example).
    low, high = compute_clopper_pearson(successes=3, n=10)
    assert (round(low, 6), round(high, 6)) == (0.06674, 0.652453)


def test_clopper_pearson_closed_form_at_1_and_n_minus_1() -> None:
    # x = 1: P(X >= 1 | p) = 1 - (1 - p)^n = alpha/2  ->  lower = 1 - (1 - alpha/2)^(1/n)
    # x = n - 1: P(X <= n - 1 | p) = 1 - p^n = alpha/2  ->  upper = (1 - alpha/2)^(1/n)
    assert compute_clopper_pearson(successes=1, n=20)[0] == pytest.approx(1 - 0.975 ** (1 / 20))
    assert compute_clopper_pearson(successes=19, n=20)[1] == pytest.approx(0.975 ** (1 / 20))


def test_clopper_pearson_closed_form_at_0_and_n() -> None:
    # x = 0: upper = 1 - (alpha/2)^(1/n); x = n: lower = (alpha/2)^(1/n)
    assert compute_clopper_pearson(successes=0, n=10) == (0.0, pytest.approx(1 - 0.025**0.1))
    assert compute_clopper_pearson(successes=10, n=10) == (pytest.approx(0.025**0.1), 1.0)


def test_clopper_pearson_refuses_impossible_counts() -> None:
    with pytest.raises(InputError):
        compute_clopper_pearson(successes=4, n=3)


def bor(subject_id: str, response: str, dose: str, tumour: str) -> SubjectBestResponse:
    return SubjectBestResponse(
        subject_id=subject_id,
        dose_level=dose,
        tumour_type=tumour,
        best_overall_response=response,
    )


COHORT = [
    bor("1", "PR", "DL1", "mesothelioma"),
    bor("2", "SD", "DL1", "ovarian"),
    bor("3", "PD", "DL1", "mesothelioma"),
    bor("4", "CR", "DL2", "ovarian"),
    bor("5", "NON-CR/NON-PD", "DL2", "pancreatic"),
    bor("6", "NE", "DL2", "pancreatic"),
]


def test_orr_and_dcr_overall_count_ne_in_the_denominator() -> None:
    rates = compute_response_rates(COHORT)
    assert [(r.endpoint, r.responders, r.n) for r in rates] == [("ORR", 2, 6), ("DCR", 4, 6)]


def test_dcr_without_non_cr_non_pd_is_a_choice() -> None:
    rates = compute_response_rates(COHORT, dcr_includes_non_cr_non_pd=False)
    assert rates[1].responders == 3


def test_rates_per_dose_level_and_tumour_type() -> None:
    per_dose = compute_response_rates(COHORT, group_by="dose_level")
    assert [(r.group, r.endpoint, r.responders, r.n) for r in per_dose] == [
        ("DL1", "ORR", 1, 3),
        ("DL1", "DCR", 2, 3),
        ("DL2", "ORR", 1, 3),
        ("DL2", "DCR", 2, 3),
    ]
    per_tumour = compute_response_rates(COHORT, group_by="tumour_type")
    assert [(r.group, r.endpoint, r.responders) for r in per_tumour][:2] == [
        ("mesothelioma", "ORR", 1),
        ("mesothelioma", "DCR", 1),
    ]


def test_orr_within_a_window_needs_the_confirmation_inside_it() -> None:
    # PR on day 42 confirmed on day 70: a responder over the whole follow-up, but within
    # 8 weeks (56 days) the PR is unconfirmed and counts as SD (day 42 >= SD minimum 42).
    s = subject([tgt("T1", "liver", 20)], [visit(42, {"T1": 10}), visit(70, {"T1": 10})])
    assert derive_subject_best_response(s).best_overall_response == "PR"
    assert derive_subject_best_response(s, window_days=56).best_overall_response == "SD"


def test_clopper_pearson_matches_r_binom_test_2_of_6_and_the_edges() -> None:
    # R 4.x: binom.test(2, 6)$conf.int -> 0.04327187 0.77722190
    low, high = compute_clopper_pearson(successes=2, n=6)
    assert (round(low, 8), round(high, 8)) == (0.04327187, 0.7772219)
    # x = 0 and x = n by hand: upper 1 - 0.025^(1/6), lower 0.025^(1/6)
    assert compute_clopper_pearson(successes=0, n=6) == (0.0, pytest.approx(1 - 0.025 ** (1 / 6)))
    assert compute_clopper_pearson(successes=6, n=6) == (pytest.approx(0.025 ** (1 / 6)), 1.0)
