"""DLT adjudication against the DLT template and worked examples of CLINICAL_RULES.md.

The spec below is the template D1-D8 written as protocol data; expected outcomes
are derived by hand from the rule text (e.g. "grade >= 3 CRS not improving to
<= grade 2 within 72 h": improvement at 71 h is not a DLT, at 73 h it is).
"""

from __future__ import annotations

from typing import Any

from cartrial.protocol.dlt import DltSpec
from cartrial.safety.dlt import assess_dlt, escalation_rows
from cartrial.safety.events import PatientSafety
from cartrial.safety.inputs import parse_input


def spec(cytopenia_measure: str = "still_at_first_assessment_after_day") -> DltSpec:
    return DltSpec.model_validate(
        {
            "window_days": 28,
            "min_relatedness": "possible",
            "definitions": [
                {"id": "D1", "text": "Any grade 5", "rule": {"kind": "any_grade5"}},
                {"id": "D2", "text": "CRS", "rule": {"kind": "crs"}},
                {"id": "D3", "text": "ICANS", "rule": {"kind": "icans"}},
                {
                    "id": "D4",
                    "text": "Serositis",
                    "rule": {
                        "kind": "term_grade",
                        "terms": ["Pleural effusion", "Pericardial effusion", "Ascites"],
                        "min_grade": 3,
                    },
                },
                {
                    "id": "D7",
                    "text": "Cytopenia",
                    "rule": {
                        "kind": "persistent_cytopenia",
                        "terms": ["Neutrophil count decreased", "Platelet count decreased"],
                        "grade": 4,
                        "persistence_day": 28,
                        "measure": cytopenia_measure,
                    },
                },
                {
                    "id": "D8",
                    "text": "Other non-haematological",
                    "rule": {
                        "kind": "non_haematological",
                        "min_grade": 3,
                        "min_duration_hours": 72,
                        "exceptions": [
                            "Fever",
                            {
                                "text": "Grade 3 fatigue lasting < 7 days",
                                "terms": ["Fatigue"],
                                "max_grade": 3,
                                "resolved_before_hours": 168,
                            },
                            "Laboratory abnormality attributable to CRS that resolves with it",
                        ],
                    },
                },
            ],
        }
    )


def patient(*aes: dict[str, Any], labs: list[dict[str, Any]] | None = None, **extra: Any) -> Any:
    data = {
        "id": "P01",
        "dose_level": 2,
        "first_lymphodepletion": "2026-02-25T09:00",
        "infusion": "2026-03-01T10:00",
        "last_contact": "2026-03-30T10:00",
        "adverse_events": list(aes),
        "labs": labs or [],
        **extra,
    }
    return parse_input(PatientSafety, data)


def crs_improving_at(improved: str, grade: int = 3) -> dict[str, Any]:
    return {
        "id": "AE1",
        "term": "Cytokine release syndrome",
        "onset": "2026-03-02T20:00",
        "grade": grade,
        "related_product": "definite",
        "grade_course": [
            {"time": "2026-03-02T20:00", "grade": 1},
            {"time": "2026-03-03T08:00", "grade": grade},
            {"time": improved, "grade": 2},
            {"time": "2026-03-08T08:00", "grade": 0},
        ],
    }


def adjudicate(p: Any, measure: str = "still_at_first_assessment_after_day") -> Any:
    return assess_dlt(patient=p, spec=spec(measure))


def test_dlt_crs_grade3_improving_at_71_h_is_not_a_dlt() -> None:
    result = adjudicate(patient(crs_improving_at("2026-03-06T07:00")))
    assert result.dlt is False
    assert result.evaluable is True


def test_dlt_crs_grade3_improving_at_exactly_72_h_is_not_a_dlt() -> None:
    assert adjudicate(patient(crs_improving_at("2026-03-06T08:00"))).dlt is False


def test_dlt_crs_grade3_improving_at_73_h_is_a_dlt() -> None:
    result = adjudicate(patient(crs_improving_at("2026-03-06T09:00")))
    assert result.dlt is True
    [trigger] = result.triggers
    assert (trigger.rule_id, trigger.ae_id) == ("D2", "AE1")
    assert trigger.reason == (
        "grade 3 CRS from 2026-03-03T08:00:00 (day 2) improved to <= grade 2 only after "
        "73 h (> 72 h)"
    )


def test_dlt_worked_example_60_h_no_76_h_yes() -> None:
    # CLINICAL_RULES section 6: grade 3 day 3 08:00; grade 2 at 60 h -> no DLT; at 76 h -> DLT.
    assert adjudicate(patient(crs_improving_at("2026-03-05T20:00"))).dlt is False
    assert adjudicate(patient(crs_improving_at("2026-03-06T12:00"))).dlt is True


def test_dlt_crs_grade3_recorded_for_only_40_h_is_pending_not_a_dlt() -> None:
    ongoing = {
        "id": "AE1",
        "term": "Cytokine release syndrome",
        "onset": "2026-03-03T08:00",
        "grade": 3,
        "related_product": "definite",
    }
    result = adjudicate(patient(ongoing, last_contact="2026-03-05T00:00"))
    assert (result.dlt, result.outcome) == (False, "pending")
    assert result.review == [
        "D2: AE AE1: grade 3 CRS from 2026-03-03T08:00:00 (day 2): not yet improved to "
        "<= grade 2, 40 h recorded so far: pending"
    ]


def test_dlt_crs_grade3_with_no_improvement_recorded_after_72_h_is_a_dlt() -> None:
    ongoing = {
        "id": "AE1",
        "term": "Cytokine release syndrome",
        "onset": "2026-03-03T08:00",
        "grade": 3,
        "related_product": "definite",
    }
    result = adjudicate(patient(ongoing, last_contact="2026-03-06T09:00"))
    assert result.triggers[0].reason == (
        "grade 3 CRS from 2026-03-03T08:00:00 (day 2): no improvement to <= grade 2 recorded"
    )


def test_dlt_crs_grade4_of_any_duration() -> None:
    result = adjudicate(patient(crs_improving_at("2026-03-03T20:00", grade=4)))
    assert result.dlt is True
    assert result.triggers[0].reason.endswith("grade 4 of any duration")


def test_dlt_icans_grade3_must_reach_grade1_within_72_h() -> None:
    icans = {
        "id": "AE2",
        "term": "ICANS",
        "onset": "2026-03-05T08:00",
        "grade": 3,
        "related_product": "probable",
        "grade_course": [
            {"time": "2026-03-05T08:00", "grade": 3},
            {"time": "2026-03-06T10:00", "grade": 2},
            {"time": "2026-03-08T09:00", "grade": 1},
        ],
    }
    result = adjudicate(patient(icans))
    assert [t.rule_id for t in result.triggers] == ["D3"]


def test_dlt_icans_grade3_resolving_in_time_leaves_seizure_control_to_review() -> None:
    icans = {
        "id": "AE2",
        "term": "ICANS",
        "onset": "2026-03-05T08:00",
        "resolution": "2026-03-06T08:00",
        "grade": 3,
        "related_product": "probable",
    }
    result = adjudicate(patient(icans))  # IcansDlt default seizure_control_hours=24
    assert result.dlt is False
    assert result.review == [
        "D3: AE AE2: seizure control within 24 h is not in the AE record; check it"
    ]


def test_dlt_serositis_grade3_day_21_is_a_dlt_day_35_is_not() -> None:
    effusion = {
        "id": "AE3",
        "term": "Pericardial effusion",
        "grade": 3,
        "related_product": "possible",
        "serious": ["hospitalisation"],
    }
    inside = adjudicate(patient({**effusion, "onset": "2026-03-22T10:00"}))
    assert [(t.rule_id, t.reason) for t in inside.triggers] == [
        ("D4", "grade 3 Pericardial effusion (day 21)")
    ]
    outside = adjudicate(patient({**effusion, "onset": "2026-04-05T10:00"}))
    assert outside.dlt is False
    assert outside.not_counted == [
        "AE AE3 Pericardial effusion grade 3: onset day 35 is outside the 28-day DLT window"
    ]


def anc(day: int, value: str) -> dict[str, Any]:
    return {
        "term": "Neutrophil count decreased",
        "time": f"2026-03-{1 + day:02d}T07:00" if day <= 30 else f"2026-04-{day - 30:02d}T07:00",
        "value": value,
        "unit": "x10^9/L",
        "lln": "1.8",
    }


ANC_DAY10_TO_29 = [anc(d, "0.3") for d in (10, 15, 20, 25, 29)] + [anc(30, "0.7")]


def test_dlt_cytopenia_still_grade4_at_first_assessment_after_day_28() -> None:
    # CLINICAL_RULES section 6: ANC < 0.5 from day 10 through day 29 -> yes (day 29).
    result = adjudicate(patient(labs=ANC_DAY10_TO_29))
    assert [(t.rule_id, t.reason) for t in result.triggers] == [
        (
            "D7",
            "grade 4 Neutrophil count decreased from day 10 (laboratory values): still grade 4 "
            "at the first assessment after day 28 (day 29)",
        )
    ]


def test_dlt_cytopenia_attributed_to_disease_is_not_a_dlt() -> None:
    marrow = {
        "id": "AE5",
        "term": "Neutrophil count decreased",
        "onset": "2026-03-11T07:00",
        "grade": 4,
        "attributed_to_disease": True,
    }
    result = adjudicate(patient(marrow, labs=ANC_DAY10_TO_29))
    assert result.dlt is False
    assert result.not_counted[-1] == ("Neutrophil count decreased: attributed to disease (AE AE5)")


def test_dlt_cytopenia_lasting_more_than_28_days_from_onset_is_not_met_at_20_days() -> None:
    # Same data, "grade 4 lasting > 28 days from onset": day 10 to day 30 = 20 days -> no.
    assert adjudicate(patient(labs=ANC_DAY10_TO_29), "duration_from_onset").dlt is False


def test_dlt_cytopenia_lasting_29_days_from_onset_is_met() -> None:
    labs = [anc(d, "0.2") for d in (3, 10, 20, 31)] + [anc(32, "0.9")]
    result = adjudicate(patient(labs=labs), "duration_from_onset")
    assert result.triggers[0].reason.endswith("lasting 29 days (> 28 days from onset)")


def nonheme(term: str, resolved: str, grade: int = 3) -> dict[str, Any]:
    return {
        "id": "AE4",
        "term": term,
        "onset": "2026-03-05T08:00",
        "resolution": resolved,
        "grade": grade,
        "related_product": "probable",
    }


def test_dlt_non_haematological_grade3_lasting_71_h_is_not_73_h_is() -> None:
    assert adjudicate(patient(nonheme("Diarrhea", "2026-03-08T07:00"))).dlt is False
    result = adjudicate(patient(nonheme("Diarrhea", "2026-03-08T09:00")))
    assert result.triggers[0].reason == (
        "grade 3 Diarrhea (day 4): lasted 73 h (> 72 h at grade >= 3)"
    )
    assert result.review == [
        "D8: AE AE4: check the exceptions stated as text: "
        "Laboratory abnormality attributable to CRS that resolves with it"
    ]


def test_dlt_non_haematological_exception_by_term() -> None:
    result = adjudicate(patient(nonheme("Fever", "2026-03-10T08:00")))
    assert result.dlt is False
    assert result.not_counted == ["AE AE4 Fever grade 3: excepted (Fever)"]


def test_dlt_structured_exception_fatigue_under_7_days() -> None:
    # "Grade 3 fatigue lasting < 7 days": onset 03-05 08:00; 167 h excused, 168 h a DLT.
    assert adjudicate(patient(nonheme("Fatigue", "2026-03-12T07:00"))).dlt is False
    assert adjudicate(patient(nonheme("Fatigue", "2026-03-12T08:00"))).dlt is True


def test_dlt_haematological_terms_are_not_non_haematological() -> None:
    assert adjudicate(patient(nonheme("Anemia", "2026-03-20T08:00"))).dlt is False


def test_dlt_any_grade5() -> None:
    result = adjudicate(patient(nonheme("Lung infection", "2026-03-09T08:00", grade=5)))
    assert [t.rule_id for t in result.triggers] == ["D1", "D8"]


def test_dlt_unrelated_ae_is_not_counted() -> None:
    ae = {**nonheme("Diarrhea", "2026-03-12T09:00"), "related_product": "unlikely"}
    result = adjudicate(patient(ae))
    assert result.dlt is False
    assert result.not_counted == [
        "AE AE4 Diarrhea grade 3: relatedness to the product 'unlikely' is below 'possible'"
    ]


def test_dlt_lymphodepletion_only_toxicity_does_not_count_by_default() -> None:
    ae = {
        **nonheme("Diarrhea", "2026-03-12T09:00"),
        "related_product": "unrelated",
        "related_lymphodepletion": "probable",
    }
    assert adjudicate(patient(ae)).dlt is False


def test_dlt_not_infused_is_not_evaluable() -> None:
    result = adjudicate(patient(infusion=None))
    assert (result.evaluable, result.evaluable_reason) == (
        False,
        "not DLT-evaluable: not infused",
    )


def test_dlt_death_from_disease_before_day_28_without_dlt_is_not_evaluable() -> None:
    result = adjudicate(patient(death={"time": "2026-03-13T10:00", "cause": "disease_progression"}))
    assert result.evaluable_reason == (
        "not DLT-evaluable: died on day 12 (disease progression) before the end of the "
        "28-day DLT window without a DLT"
    )


def test_dlt_followed_to_day_20_is_pending_day_28_is_evaluable() -> None:
    short = adjudicate(patient(last_contact="2026-03-21T10:00"))
    assert (short.outcome, short.evaluable, short.evaluable_reason) == (
        "pending",
        False,
        "DLT window ongoing: followed to day 20 of 28, no DLT so far",
    )
    full = adjudicate(patient(last_contact="2026-03-29T10:00"))
    assert (full.outcome, full.evaluable, full.days_followed) == ("no", True, 28)


def test_dlt_withdrawn_before_day_28_without_dlt_is_not_evaluable() -> None:
    result = adjudicate(patient(last_contact="2026-03-16T10:00", withdrawn="2026-03-16T10:00"))
    assert (result.outcome, result.evaluable_reason) == (
        "not_evaluable",
        "not DLT-evaluable: withdrawn on day 15, before the end of the 28-day DLT window, "
        "without a DLT",
    )


def test_dlt_withdrawn_on_day_15_is_not_evaluable_when_adjudicated_after_the_window() -> None:
    """The adjudication on day 29 is the last contact the services pass; the subject left on
    day 15, so follow-up ended there (CLINICAL_RULES section 2: evaluable = completed the
    window or had a DLT)."""
    result = adjudicate(patient(last_contact="2026-03-30T10:00", withdrawn="2026-03-16T00:00"))
    assert (result.outcome, result.evaluable_reason) == (
        "not_evaluable",
        "not DLT-evaluable: withdrawn on day 15, before the end of the 28-day DLT window, "
        "without a DLT",
    )


def test_dlt_death_on_day_28_completes_the_window() -> None:
    result = adjudicate(
        patient(last_contact=None, death={"time": "2026-03-29T10:00", "cause": "other"})
    )
    assert result.outcome == "no"


def test_dlt_grade2_related_toxicity_flag_for_accelerated_titration() -> None:
    grade2 = {**nonheme("Diarrhea", "2026-03-06T08:00", grade=2)}
    assert adjudicate(patient(grade2)).grade2_related is True
    assert adjudicate(patient()).grade2_related is False


def test_escalation_rows_in_order_of_infusion_without_non_evaluable() -> None:
    later = patient(last_contact="2026-03-21T10:00")
    first = parse_input(
        PatientSafety,
        {"id": "P00", "dose_level": 1, "infusion": "2026-02-01T10:00",
         "last_contact": "2026-03-10T10:00"},
    )  # fmt: skip
    gone = parse_input(PatientSafety, {"id": "P09", "dose_level": 2, "infusion": None})
    people = [later, first, gone]
    results = [assess_dlt(patient=p, spec=spec()) for p in people]
    assert escalation_rows(people, results) == [
        {"subject": "P00", "level": 1, "dlt": "no", "days_followed": 37,
         "grade2_related": False},
        {"subject": "P01", "level": 2, "dlt": "pending", "days_followed": 20,
         "grade2_related": False},
    ]  # fmt: skip


def test_uclm802_bundled_exceptions_fatigue_excused_hypokalaemia_96_h_is_a_dlt() -> None:
    from cartrial.protocol.load import load_protocol

    uclm802 = load_protocol("uclm802").protocol.dlt
    assert uclm802 is not None
    fatigue = assess_dlt(patient=patient(nonheme("Fatigue", "2026-03-09T08:00")), spec=uclm802)
    assert (fatigue.dlt, fatigue.not_counted) == (
        False,
        ["AE AE4 Fatigue grade 3: excepted (Grade 3 fatigue lasting < 7 days)"],
    )
    low_k = assess_dlt(patient=patient(nonheme("Hypokalemia", "2026-03-09T08:00")), spec=uclm802)
    assert [(t.rule_id, t.reason) for t in low_k.triggers] == [
        ("D8", "grade 3 Hypokalemia (day 4): lasted 96 h (> 72 h at grade >= 3)")
    ]
    assert low_k.review == []
