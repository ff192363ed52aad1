"""The rule evaluator, case by case, with literal inputs and expected verdicts.

Thresholds and wording come from the seed protocols (Shenzhen 000, NCT05783089 001);
expected values are worked by hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cartrial.eligibility.rules import evaluate_rule
from cartrial.protocol.criteria import Criterion

from .conftest import make_record


def rule(spec: dict[str, Any]) -> Any:
    return Criterion.model_validate({"id": "X", "text": "x", "rule": spec}).rule


AGE_18_75 = rule({"kind": "age", "min_years": 18, "max_years": 75})


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        ("2008-03-10", True),  # 18th birthday on the consent date: inclusive
        ("2008-03-11", False),  # one day short of 18
        ("1950-03-11", True),  # 75 years and 364 days: still 75
        ("1950-03-10", False),  # 76th birthday on the consent date
    ],
)
def test_age_is_whole_years_at_consent_with_inclusive_bounds(
    birth_date: str, expected: bool
) -> None:
    outcome = evaluate_rule(AGE_18_75, make_record(birth_date=birth_date))
    assert outcome.value is expected


def test_age_without_birth_date_is_unknown() -> None:
    outcome = evaluate_rule(AGE_18_75, make_record())
    assert outcome.value is None
    assert "birth date not recorded" in outcome.reason


WBC_AT_MOST_1 = rule({"kind": "lab", "test": "wbc", "op": "<=", "value": 1, "unit": "x10^9/L"})


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1.0", "x10^9/L", True),  # "WBC <= 1 x 10^9/L" includes 1.0
        ("1.01", "x10^9/L", False),
        ("1000", "/mm3", True),  # 1000/mm3 = 1.0 x10^9/L
        ("1010", "cells/uL", False),
    ],
)
def test_non_strict_lab_threshold_across_units(value: str, unit: str, expected: bool) -> None:
    record = make_record(labs=[{"test": "wbc", "value": value, "unit": unit}])
    assert evaluate_rule(WBC_AT_MOST_1, record).value is expected


ALT_OVER_2_5_ULN = rule({"kind": "lab", "test": "alt", "op": ">", "times_uln": "2.5"})


@pytest.mark.parametrize(("value", "expected"), [("100", False), ("100.1", True)])
def test_strict_uln_multiple(value: str, expected: bool) -> None:
    # ULN 40 U/L: 2.5 x ULN = 100 U/L exactly; "> 2.5 x ULN" excludes 100.
    record = make_record(labs=[{"test": "alt", "value": value, "unit": "U/L", "uln": "40"}])
    outcome = evaluate_rule(ALT_OVER_2_5_ULN, record)
    assert outcome.value is expected
    assert "x ULN" in outcome.reason


def test_uln_multiple_without_uln_is_unknown() -> None:
    record = make_record(labs=[{"test": "alt", "value": "30", "unit": "U/L"}])
    outcome = evaluate_rule(ALT_OVER_2_5_ULN, record)
    assert outcome.value is None
    assert "no ULN" in outcome.reason


def test_bilirubin_in_umol_per_l_against_mg_per_dl_threshold() -> None:
    # "serum total bilirubin >= 1.5 mg/dL": 25.656 umol/L / 17.104 = 1.5 mg/dL exactly.
    bili = rule(
        {"kind": "lab", "test": "total_bilirubin", "op": ">=", "value": "1.5", "unit": "mg/dL"}
    )
    at = make_record(labs=[{"test": "total_bilirubin", "value": "25.656", "unit": "umol/L"}])
    below = make_record(labs=[{"test": "total_bilirubin", "value": "25.6", "unit": "umol/L"}])
    assert evaluate_rule(bili, at).value is True
    assert evaluate_rule(bili, below).value is False


def test_latest_lab_result_counts() -> None:
    anc = rule({"kind": "lab", "test": "anc", "op": ">=", "value": "1.5", "unit": "x10^9/L"})
    record = make_record(
        labs=[
            {"test": "anc", "value": "2.0", "unit": "x10^9/L", "date": "2026-03-01"},
            {"test": "anc", "value": "1.2", "unit": "x10^9/L", "date": "2026-03-08"},
        ]
    )
    outcome = evaluate_rule(anc, record)
    assert outcome.value is False
    assert "1.2" in outcome.reason


ANC_NO_GCSF = rule(
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
    ("gcsf", "expected"),
    [
        ("never", True),
        ("2026-03-01", True),
        ("2026-03-02", None),
        ("2026-03-08", None),
        (None, None),
    ],
)
def test_anc_is_void_within_7_days_after_gcsf(gcsf: str | None, expected: bool | None) -> None:
    # Sample on 2026-03-08; G-CSF on 03-01 is 7 days before (allowed), on 03-02 6 days.
    record = make_record(
        labs=[{"test": "anc", "value": "3.0", "unit": "x10^9/L", "date": "2026-03-08"}],
        supportive_care={"last_gcsf_date": gcsf},
    )
    assert evaluate_rule(ANC_NO_GCSF, record).value is expected


CRCL_60 = rule({"kind": "creatinine_clearance", "op": ">=", "ml_per_min": 60})


def test_creatinine_clearance_by_cockcroft_gault_when_not_measured() -> None:
    # Male, 60 years at consent, 72 kg, creatinine 1.2 mg/dL:
    # (140 - 60) x 72 / (72 x 1.2) = 66.67 mL/min >= 60.
    record = make_record(
        birth_date="1966-03-10",
        sex="male",
        weight_kg="72",
        labs=[{"test": "creatinine", "value": "1.2", "unit": "mg/dL"}],
    )
    outcome = evaluate_rule(CRCL_60, record)
    assert outcome.value is True
    assert "Cockcroft-Gault" in outcome.reason
    assert "66.7 mL/min" in outcome.reason


def test_creatinine_clearance_women_times_0_85() -> None:
    # Same inputs, female: 66.67 x 0.85 = 56.67 mL/min < 60.
    record = make_record(
        birth_date="1966-03-10",
        sex="female",
        weight_kg="72",
        labs=[{"test": "creatinine", "value": "106.104", "unit": "umol/L"}],  # 1.2 mg/dL
    )
    assert evaluate_rule(CRCL_60, record).value is False


def test_measured_creatinine_clearance_takes_precedence() -> None:
    record = make_record(labs=[{"test": "creatinine_clearance", "value": "59.9", "unit": "mL/min"}])
    assert evaluate_rule(CRCL_60, record).value is False


def test_creatinine_clearance_missing_inputs_named() -> None:
    outcome = evaluate_rule(CRCL_60, make_record(sex="male"))
    assert outcome.value is None
    assert "birth date, weight, serum creatinine" in outcome.reason


WASHOUT = rule(
    {
        "kind": "washout",
        "classes": ["cytotoxic_chemotherapy", "monoclonal_antibody"],
        "period": {"weeks": 4},
        "half_lives": 5,
        "combine": "shorter",
    }
)


def therapy(
    end: str | None, half_life: str | None = None, cls: str = "monoclonal_antibody"
) -> dict[str, Any]:
    return {"therapy_class": cls, "agent": "x", "end_date": end, "half_life_days": half_life}


@pytest.mark.parametrize(
    ("end", "half_life", "expected"),
    [
        # Consent 2026-03-10. Exactly 28 days before is 2026-02-10: washout complete.
        ("2026-02-10", None, False),
        ("2026-02-11", None, None),  # 27 days, half-life unknown: 5 half-lives might be shorter
        ("2026-02-11", "6", True),  # 5 x 6 = 30 d > 28 d: shorter is 28 d; 27 < 28: within
        ("2026-02-11", "5", False),  # 5 x 5 = 25 d: shorter is 25 d; 27 >= 25: complete
        ("2026-03-05", "1", False),  # 5 d after a 1-day half-life (5 d washout): complete
        ("2026-03-06", "1", True),  # 4 d < 5 d
        (None, None, True),  # ongoing
    ],
)
def test_washout_four_weeks_or_five_half_lives_whichever_shorter(
    end: str | None, half_life: str | None, expected: bool | None
) -> None:
    record = make_record(prior_therapies=[therapy(end, half_life)])
    assert evaluate_rule(WASHOUT, record).value is expected


def test_washout_ignores_other_classes_and_needs_history() -> None:
    other = make_record(prior_therapies=[therapy("2026-03-09", cls="radiotherapy")])
    assert evaluate_rule(WASHOUT, other).value is False
    assert evaluate_rule(WASHOUT, make_record()).value is None


STEROIDS = rule(
    {
        "kind": "washout",
        "classes": ["systemic_glucocorticoid"],
        "period": {"weeks": 2},
        "min_prednisone_eq_mg_per_day": 10,
    }
)


@pytest.mark.parametrize(("dose", "expected"), [("9.9", False), ("10", True), (None, None)])
def test_steroid_washout_counts_from_10_mg_prednisone_equivalent(
    dose: str | None, expected: bool | None
) -> None:
    record = make_record(
        prior_therapies=[
            {
                "therapy_class": "systemic_glucocorticoid",
                "end_date": "2026-03-01",
                "prednisone_equivalent_mg_per_day": dose,
            }
        ]
    )
    assert evaluate_rule(STEROIDS, record).value is expected


ANTIBODY_BEFORE_INFUSION = rule(
    {
        "kind": "washout",
        "classes": ["monoclonal_antibody"],
        "period": {"weeks": 2},
        "reference": "infusion",
    }
)


def test_infusion_reference_without_planned_date() -> None:
    long_ago = make_record(prior_therapies=[therapy("2026-02-01")])
    recent = make_record(prior_therapies=[therapy("2026-03-05")])
    planned = make_record(
        prior_therapies=[therapy("2026-03-05")], planned_infusion_date="2026-03-20"
    )
    assert evaluate_rule(ANTIBODY_BEFORE_INFUSION, long_ago).value is False
    assert evaluate_rule(ANTIBODY_BEFORE_INFUSION, recent).value is None
    assert evaluate_rule(ANTIBODY_BEFORE_INFUSION, planned).value is False  # 15 days >= 14


VACCINE = rule({"kind": "within", "field": "history.live_vaccine_date", "period": {"weeks": 4}})


@pytest.mark.parametrize(
    ("date", "expected"),
    [("never", False), ("2026-02-10", False), ("2026-02-11", True), (None, None)],
)
def test_live_vaccine_within_4_weeks(date: str | None, expected: bool | None) -> None:
    record = make_record(history={"live_vaccine_date": date})
    assert evaluate_rule(VACCINE, record).value is expected


MI_12_MONTHS = rule(
    {
        "kind": "within",
        "field": "cardiac.events",
        "date_field": "date",
        "where": {"type": ["myocardial_infarction", "unstable_angina"]},
        "period": {"months": 12},
    }
)


def test_cardiac_event_within_12_calendar_months_filtered_by_type() -> None:
    def events(*items: tuple[str, str]) -> Any:
        return make_record(cardiac={"events": [{"type": t, "date": d} for t, d in items]})

    assert (
        evaluate_rule(MI_12_MONTHS, events(("myocardial_infarction", "2025-03-11"))).value is True
    )
    assert (
        evaluate_rule(MI_12_MONTHS, events(("myocardial_infarction", "2025-03-10"))).value is False
    )
    assert (
        evaluate_rule(MI_12_MONTHS, events(("uncontrolled_arrhythmia", "2026-01-01"))).value
        is False
    )
    assert evaluate_rule(MI_12_MONTHS, events()).value is False
    assert evaluate_rule(MI_12_MONTHS, make_record()).value is None


def test_any_of_is_true_despite_unknown_branch() -> None:
    # Creatinine <= 1.5 x ULN or CrCl >= 60: creatinine settles it even without CrCl inputs.
    either = rule(
        {
            "kind": "any_of",
            "rules": [
                {"kind": "lab", "test": "creatinine", "op": "<=", "times_uln": "1.5"},
                {"kind": "creatinine_clearance", "op": ">=", "ml_per_min": 60},
            ],
        }
    )
    ok = make_record(labs=[{"test": "creatinine", "value": "1.0", "unit": "mg/dL", "uln": "1.1"}])
    high = make_record(labs=[{"test": "creatinine", "value": "2.0", "unit": "mg/dL", "uln": "1.1"}])
    assert evaluate_rule(either, ok).value is True
    assert evaluate_rule(either, high).value is None  # CrCl needs birth date, weight, sex


def test_all_of_is_false_despite_unknown_branch() -> None:
    hbv = rule(
        {
            "kind": "all_of",
            "rules": [
                {"kind": "field", "field": "serology.hbcab", "value": "positive"},
                {"kind": "field", "field": "serology.hbv_dna", "value": "detectable"},
            ],
        }
    )
    assert evaluate_rule(hbv, make_record(serology={"hbcab": "negative"})).value is False
    assert evaluate_rule(hbv, make_record(serology={"hbcab": "positive"})).value is None


def test_field_comparison_on_decimal_and_judgement_reason() -> None:
    lvef = rule({"kind": "field", "field": "cardiac.lvef_percent", "op": ">", "value": 45})
    assert evaluate_rule(lvef, make_record(cardiac={"lvef_percent": "45"})).value is False
    assert evaluate_rule(lvef, make_record(cardiac={"lvef_percent": Decimal("45.5")})).value is True
    judged = rule(
        {
            "kind": "field",
            "field": "investigator.unsuitable_for_other_reasons",
            "value": True,
            "judgement": True,
        }
    )
    unknown = evaluate_rule(judged, make_record())
    assert unknown.value is None
    assert "investigator's assessment" in unknown.reason


def test_review_rule_is_always_unknown() -> None:
    outcome = evaluate_rule(rule({"kind": "review", "question": "anything else?"}), make_record())
    assert outcome.value is None
    assert outcome.reason == "investigator review: anything else?"


def test_protocol_value_outside_a_closed_vocabulary_is_a_load_error() -> None:
    from cartrial.errors import ProtocolError
    from cartrial.protocol.load import parse_protocol_text

    text = """id: t
version: '1'
title: t
phase: ['1']
population: p
sources: [{id: s, file: f, description: d}]
cell_dose: {}
eligibility:
  inclusion:
    - id: I1
      text: gastro-oesophageal cancer
      rule: {kind: field, field: diagnosis.tumour_type, op: in, value: [gastric, oesophageal]}
"""
    with pytest.raises(ProtocolError) as info:
        parse_protocol_text(text, "t.yaml")
    assert "t.yaml:12: eligibility.inclusion[0].rule.value: 'oesophageal' is not a value of" in str(
        info.value
    )
