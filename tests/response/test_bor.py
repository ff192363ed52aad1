"""Best overall response, RECIST 1.1 section 4.6 and Table 3, derived by hand.

Days are counted from the reference date (infusion); dates are reference + day.
Defaults: confirmation 28 days, SD minimum 42 days, at most 1 NE inside a confirmation.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cartrial.response.bor import BestOverallResponse, Timepoint, derive_best_overall_response
from cartrial.response.settings import ResponseSettings

REF = dt.date(2026, 1, 12)


def bor(*points: tuple[int, str], **settings: object) -> BestOverallResponse:
    tps = [
        Timepoint(date=REF + dt.timedelta(days=d), day=d, overall=r)  # type: ignore[arg-type]
        for d, r in points
    ]
    return derive_best_overall_response(tps, settings=ResponseSettings(**settings))  # type: ignore[arg-type]


# --- confirmation interval ------------------------------------------------------------


def test_pr_confirmed_at_28_days_not_27() -> None:
    assert bor((42, "PR"), (70, "PR")).response == "PR"
    assert bor((42, "PR"), (69, "PR")).response == "SD"


def test_confirmed_pr_names_the_confirming_assessment() -> None:
    result = bor((42, "PR"), (70, "PR"))
    assert result.date == dt.date(2026, 2, 23)
    assert result.confirmed_on == dt.date(2026, 3, 23)
    assert "PR on 2026-02-23 confirmed by PR on 2026-03-23, 28 days later (>= 28)" in result.reasons


def test_confirmation_interval_is_a_protocol_setting() -> None:
    assert bor((42, "PR"), (69, "PR"), confirmation_min_days=21).response == "PR"


def test_cr_confirmed_at_28_days_not_27() -> None:
    assert bor((42, "CR"), (70, "CR")).response == "CR"
    assert bor((42, "CR"), (69, "CR")).response == "SD"


# --- Table 3 (confirmation required), row by row --------------------------------------


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        # CR, CR -> CR
        (((42, "CR"), (70, "CR")), "CR"),
        # CR, SD -> SD (SD minimum met)
        (((42, "CR"), (70, "SD")), "SD"),
        # CR, SD -> PD when the SD minimum is not met and PD follows
        (((28, "CR"), (35, "SD"), (63, "PD")), "PD"),
        # CR, PD -> SD if the SD minimum is met at the CR ...
        (((42, "CR"), (70, "PD")), "SD"),
        # ... otherwise PD
        (((28, "CR"), (56, "PD")), "PD"),
        # CR, NE -> SD if the SD minimum is met, otherwise NE
        (((42, "CR"), (70, "NE")), "SD"),
        (((28, "CR"), (56, "NE")), "NE"),
        # PR, CR -> PR
        (((42, "PR"), (70, "CR")), "PR"),
        # PR, PR -> PR
        (((42, "PR"), (70, "PR")), "PR"),
        # PR, SD -> SD
        (((42, "PR"), (70, "SD")), "SD"),
        # PR, PD -> SD if the SD minimum is met, otherwise PD
        (((42, "PR"), (70, "PD")), "SD"),
        (((28, "PR"), (56, "PD")), "PD"),
        # PR, NE -> SD if the SD minimum is met, otherwise NE
        (((42, "PR"), (70, "NE")), "SD"),
        (((28, "PR"), (56, "NE")), "NE"),
        # NE, NE -> NE
        (((42, "NE"), (70, "NE")), "NE"),
    ],
)
def test_table_3_bor_with_confirmation(points: tuple[tuple[int, str], ...], expected: str) -> None:
    assert bor(*points).response == expected


def test_cr_then_pr_is_not_a_confirmed_cr() -> None:
    # Table 3 CR/PR is ambiguous in the paper; a CR needs a later CR to be confirmed.
    # The PR at day 70 is itself unconfirmed (nothing after it): both count as SD.
    assert bor((42, "CR"), (70, "PR")).response == "SD"


def test_confirmed_pr_with_a_later_confirmed_cr_is_cr() -> None:
    assert bor((42, "PR"), (70, "CR"), (98, "CR")).response == "CR"


# --- SD minimum duration --------------------------------------------------------------


def test_sd_counts_only_from_the_sd_minimum_day_42_not_41() -> None:
    assert bor((42, "SD")).response == "SD"
    assert bor((41, "SD")).response == "NE"


def test_sd_before_minimum_then_pd_is_pd() -> None:
    assert bor((41, "SD"), (84, "PD")).response == "PD"


def test_sd_minimum_is_a_protocol_setting() -> None:
    assert bor((35, "SD"), sd_min_days=35).response == "SD"
    assert bor((35, "SD"), sd_min_days=36).response == "NE"


def test_non_cr_non_pd_also_needs_the_sd_minimum() -> None:
    assert bor((42, "NON-CR/NON-PD")).response == "NON-CR/NON-PD"
    assert bor((41, "NON-CR/NON-PD")).response == "NE"


def test_sd_ranks_above_non_cr_non_pd() -> None:
    assert bor((42, "NON-CR/NON-PD"), (70, "SD")).response == "SD"


# --- without confirmation -------------------------------------------------------------


def test_without_confirmation_sd_pr_pd_gives_pr() -> None:
    assert bor((42, "SD"), (70, "PR"), (98, "PD"), confirmation_required=False).response == "PR"


def test_without_confirmation_a_single_early_pr_is_pr() -> None:
    assert bor((14, "PR"), confirmation_required=False).response == "PR"


# --- only up to the first PD ----------------------------------------------------------


def test_responses_after_the_first_pd_do_not_count() -> None:
    result = bor((42, "PD"), (70, "PR"), (98, "PR"))
    assert result.response == "PD"


def test_no_assessment_is_ne() -> None:
    assert bor().response == "NE"


# --- what may lie between a response and its confirmation -----------------------------


def test_one_ne_between_pr_and_confirmation_is_accepted_by_default() -> None:
    assert bor((42, "PR"), (56, "NE"), (70, "PR")).response == "PR"


def test_two_ne_between_pr_and_confirmation_are_not() -> None:
    assert bor((42, "PR"), (49, "NE"), (56, "NE"), (70, "PR")).response == "SD"
    assert (
        bor((42, "PR"), (49, "NE"), (56, "NE"), (70, "PR"), confirmation_max_ne=2).response == "PR"
    )


def test_sd_between_pr_and_confirmation_only_when_the_protocol_accepts_it() -> None:
    assert bor((42, "PR"), (56, "SD"), (70, "PR")).response == "SD"
    assert bor((42, "PR"), (56, "SD"), (70, "PR"), confirmation_accept_sd=True).response == "PR"


def test_confirmed_pr_stays_pr_when_the_sum_drifts_up_without_pd() -> None:
    # EORTC RECIST FAQ: once PR is confirmed, later SD does not lower the BOR.
    assert bor((42, "PR"), (70, "PR"), (98, "SD"), (126, "SD")).response == "PR"


def test_unconfirmed_reason_is_pinned() -> None:
    result = bor((42, "PR"), (69, "PR"))
    assert "PR on 2026-02-23 not confirmed: no later CR/PR >= 28 days after it" in result.reasons


def test_eortc_faq_pr_then_sums_drift_up_without_pd_stays_pr_end_to_end() -> None:
    # EORTC RECIST FAQ "Managing PR when TP measurements change slightly over time":
    # sums 100 -> 70 -> 70 -> 80 -> 80 -> 80; BOR PR. (The time points at 80 mm are SD by
    # the paper's definitions: -20 % from baseline, +14 % over the nadir.)
    from cartrial.response.assess import assess_recist
    from tests.response.build import subject, tgt, visit

    sums = [70, 70, 80, 80, 80]
    s = subject(
        [tgt("T1", "liver", 100)], [visit(42 * (i + 1), {"T1": v}) for i, v in enumerate(sums)]
    )
    result = assess_recist(s)
    assert [t.overall for t in result.timepoints] == ["PR", "PR", "SD", "SD", "SD"]
    assert result.best_overall_response.response == "PR"


def test_unconfirmed_cr_without_target_disease_is_non_cr_non_pd() -> None:
    # Table 2 has no SD: an unconfirmed CR of non-target-only disease counts as non-CR/non-PD
    tps = [
        Timepoint(date=REF + dt.timedelta(days=42), day=42, overall="CR"),
        Timepoint(date=REF + dt.timedelta(days=70), day=70, overall="PD"),
    ]
    assert derive_best_overall_response(tps).response == "SD"
    result = derive_best_overall_response(tps, has_target_disease=False)
    assert result.response == "NON-CR/NON-PD"
