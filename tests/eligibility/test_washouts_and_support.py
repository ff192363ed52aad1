"""Washouts counted back from the earliest possible infusion; blood counts after support.

Sources: the szugh protocol's inclusion 8 ("No antibody-based therapy administered
within 2 weeks prior to cell therapy") with its lymphodepletion on days -5, -4, -3 and
the infusion at least 72 h after the last dose (src/cartrial/protocol/bundled/
szugh-msln-2024.yaml): the infusion cannot be earlier than consent + 5 days. uclm802
inclusion 7 (ANC >= 1.5 x10^9/L without G-CSF within 7 days; haemoglobin >= 80 g/L,
platelets >= 75 x10^9/L without transfusion within 7 days): G-CSF and transfusions
only raise counts, so a value below its threshold fails whatever support preceded it.
Dates worked by hand; consent is 2026-03-10 in every record.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cartrial.eligibility.infusion import earliest_possible_infusion
from cartrial.eligibility.rules import evaluate_rule
from cartrial.eligibility.screen import screen_subject
from cartrial.protocol.criteria import Criterion
from cartrial.protocol.load import load_protocol

from .conftest import make_record


def rule(spec: dict[str, Any]) -> Any:
    return Criterion.model_validate({"id": "X", "text": "x", "rule": spec}).rule


ANTIBODY_2_WEEKS = rule(
    {
        "kind": "washout",
        "classes": ["monoclonal_antibody"],
        "period": {"weeks": 2},
        "reference": "infusion",
    }
)


def antibody(end: str) -> dict[str, Any]:
    return {"therapy_class": "monoclonal_antibody", "agent": "x", "end_date": end}


def test_earliest_possible_infusion_is_consent_plus_the_lymphodepletion_lead_time() -> None:
    # first dose day -5 -> 5 days; last dose day -3 + 72 h -> day 0: lead 5 days
    protocol = load_protocol("szugh-msln-2024").protocol
    earliest = earliest_possible_infusion(protocol, dt.date(2026, 3, 10))
    assert earliest is not None
    assert earliest.date == dt.date(2026, 3, 15)
    assert earliest.lead_days == 5
    assert "day -5" in earliest.reason and "72 h" in earliest.reason


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        # ended 03-01: 9 days before consent (inside 2 weeks), 14 days before the earliest
        # possible infusion 03-15: the washout is complete for any infusion date -> not within
        ("2026-03-01", False),
        # ended 03-02: 13 days before 03-15: a later infusion may complete it -> review
        ("2026-03-02", None),
        ("2026-02-20", False),
    ],
)
def test_washout_before_an_unplanned_infusion_counts_from_the_earliest_possible_date(
    end: str, expected: bool | None
) -> None:
    record = make_record(prior_therapies=[antibody(end)])
    outcome = evaluate_rule(ANTIBODY_2_WEEKS, record, earliest_infusion=dt.date(2026, 3, 15))
    assert outcome.value is expected
    if expected is False and end == "2026-03-01":
        assert "earliest possible infusion (2026-03-15" in outcome.reason


def test_screening_uses_the_protocols_lead_time_for_inclusion_8() -> None:
    protocol = load_protocol("szugh-msln-2024").protocol
    record = make_record(prior_therapies=[antibody("2026-03-01")])
    verdict = {v.id: v for v in screen_subject(record, protocol).criteria}["inc08"]
    assert verdict.verdict == "met"
    assert "earliest possible infusion" in verdict.reason


ANC = rule(
    {
        "kind": "lab",
        "test": "anc",
        "op": ">=",
        "value": "1.5",
        "unit": "x10^9/L",
        "void_if_support_within_days": 7,
        "support": ["gcsf"],
    }
)


@pytest.mark.parametrize(
    ("value", "gcsf", "expected"),
    [
        ("1.2", "2026-03-05", False),  # below 1.5 three days after G-CSF: fails
        ("1.2", None, False),  # below 1.5, G-CSF not asked: fails all the same
        ("3.0", "2026-03-05", None),  # passes, but within 7 days of G-CSF: review
        ("3.0", "2026-02-20", True),  # G-CSF 16 days before: the count stands
    ],
)
def test_a_count_below_threshold_after_support_fails_only_a_passing_one_needs_review(
    value: str, gcsf: str | None, expected: bool | None
) -> None:
    record = make_record(
        labs=[{"test": "anc", "value": value, "unit": "x10^9/L", "date": "2026-03-08"}],
        supportive_care={"last_gcsf_date": gcsf},
    )
    outcome = evaluate_rule(ANC, record)
    assert outcome.value is expected
    if value == "1.2":
        assert "1.2" in outcome.reason and "only raise" in outcome.reason
