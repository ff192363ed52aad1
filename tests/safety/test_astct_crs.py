"""CRS grading against the ASTCT consensus table (Lee et al., BBMT 2019;25:625, Table 3).

Expected grades are read off the published table and its footnotes by hand
(CLINICAL_RULES.md section 3.1), never from the code under test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cartrial.safety.astct import grade_crs
from cartrial.safety.astct_input import load_crs_file


def crs(*observations: dict[str, Any], infusion: str | None = "2026-03-01T10:00") -> Any:
    data = {"patient": "P01", "infusion": infusion, "observations": list(observations)}
    record = load_crs_file(data)
    return grade_crs(
        observations=record.observations, infusion=record.infusion, patient=record.patient
    )


def fever(t: str, c: str = "38.6") -> dict[str, Any]:
    return {"kind": "temperature", "time": t, "celsius": c}


def bp(t: str, *agents: str, hypotension: bool = True) -> dict[str, Any]:
    return {
        "kind": "blood_pressure",
        "time": t,
        "hypotension": hypotension,
        "vasopressors": [{"agent": a} for a in agents],
    }


def o2(t: str, device: str, flow: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": "oxygen", "time": t, "device": device}
    if flow is not None:
        out["flow_l_min"] = flow
    return out


def med(t: str, agent: str, category: str) -> dict[str, Any]:
    return {"kind": "medication", "time": t, "agent": agent, "category": category}


T = "2026-03-03T08:00"


def test_crs_grade1_fever_only() -> None:
    result = crs(fever(T, "38.0"))
    assert result.grade == 1
    assert result.reason == "CRS grade 1: fever 38 °C on day 2"


def test_crs_temperature_37_9_is_not_fever() -> None:
    assert crs(fever(T, "37.9")).grade == 0


def test_crs_temperature_magnitude_does_not_raise_grade() -> None:
    assert crs(fever(T, "40.8")).grade == 1


def test_crs_fever_in_fahrenheit_100_4_is_38_0() -> None:
    assert crs({"kind": "temperature", "time": T, "fahrenheit": "100.4"}).grade == 1


def test_crs_grade2_hypotension_without_vasopressors() -> None:
    result = crs(fever(T), bp(T))
    assert result.grade == 2
    assert result.reason == "CRS grade 2: hypotension not needing vasopressors on day 2"


def test_crs_grade3_with_one_vasopressor() -> None:
    result = crs(
        fever(T, "39.5"), bp("2026-03-04T08:00", "norepinephrine"), fever("2026-03-04T09:00")
    )
    assert result.grade == 3
    assert result.reason == (
        "CRS grade 3: hypotension needing one vasopressor (norepinephrine) on day 3"
    )


def test_crs_grade3_vasopressin_plus_one_vasopressor() -> None:
    result = crs(fever(T), bp(T, "norepinephrine", "vasopressin"))
    assert result.grade == 3


def test_crs_grade4_two_vasopressors_other_than_vasopressin() -> None:
    result = crs(fever(T), bp(T, "norepinephrine", "vasopressin", "phenylephrine"))
    assert result.grade == 4
    assert "multiple vasopressors (norepinephrine, phenylephrine) with vasopressin" in result.reason


def test_crs_same_vasopressor_twice_is_one_vasopressor() -> None:
    assert crs(fever(T), bp(T, "norepinephrine", "Norepinephrine")).grade == 3


def test_crs_grade2_nasal_cannula_6_l_min_is_low_flow() -> None:
    result = crs(fever(T), o2(T, "nasal_cannula", "6"))
    assert result.grade == 2
    assert "low-flow oxygen (nasal cannula 6 L/min <= 6 L/min)" in result.reason


def test_crs_grade3_nasal_cannula_6_5_l_min_is_high_flow() -> None:
    assert crs(fever(T), o2(T, "nasal_cannula", "6.5")).grade == 3


def test_crs_grade2_blow_by() -> None:
    assert crs(fever(T), o2(T, "blow_by")).grade == 2


def test_crs_grade3_facemask_non_rebreather_venturi_hfnc() -> None:
    for device in ("facemask", "non_rebreather", "venturi", "high_flow_nasal_cannula"):
        assert crs(fever(T), o2(T, device)).grade == 3, device


def test_crs_grade4_positive_pressure() -> None:
    for device in ("cpap", "bipap", "mechanical_ventilation"):
        assert crs(fever(T), o2(T, device)).grade == 4, device


def test_crs_grade_is_the_more_severe_of_hypotension_and_hypoxia() -> None:
    # Lee 2019 footnote: 39.5 °C + one vasopressor + low-flow nasal cannula = grade 3.
    result = crs(fever(T, "39.5"), bp(T, "norepinephrine"), o2(T, "nasal_cannula", "2"))
    assert result.grade == 3


def test_crs_no_fever_and_no_prior_crs_is_not_crs() -> None:
    result = crs(bp(T, "norepinephrine"), o2(T, "nasal_cannula", "4"))
    assert result.grade == 0
    assert result.onset is None
    assert "without fever" in result.days[0].reason


def test_crs_fever_masked_after_tocilizumab_given_after_onset() -> None:
    result = crs(
        fever("2026-03-02T20:00"),
        med("2026-03-02T22:00", "tocilizumab", "tocilizumab"),
        bp("2026-03-03T06:00", "norepinephrine"),
    )
    assert result.grade == 3
    assert result.days[1].reason == (
        "CRS grade 3: hypotension needing one vasopressor (norepinephrine) on day 2 "
        "(fever not required: tocilizumab given after CRS onset)"
    )
    assert result.tocilizumab is True


def test_crs_fever_masked_after_antipyretic_and_steroid() -> None:
    for agent, category in (("paracetamol", "antipyretic"), ("dexamethasone", "corticosteroid")):
        result = crs(
            fever("2026-03-02T20:00"),
            med("2026-03-02T21:00", agent, category),
            o2("2026-03-03T06:00", "nasal_cannula", "3"),
        )
        assert result.days[1].grade == 2, agent


def test_crs_therapy_given_before_onset_does_not_mask_fever() -> None:
    result = crs(
        med("2026-03-02T08:00", "paracetamol", "antipyretic"),
        fever("2026-03-02T20:00"),
        bp("2026-03-03T06:00", "norepinephrine"),
    )
    assert [d.grade for d in result.days] == [1, 0]


def test_crs_onset_duration_and_resolution() -> None:
    result = crs(
        fever("2026-03-02T20:00"),
        fever("2026-03-03T08:00"),
        fever("2026-03-04T08:00", "37.2"),
    )
    assert result.onset == datetime(2026, 3, 2, 20, 0)
    assert result.onset_day == 1
    assert result.duration_days == 2
    assert result.resolved_at == datetime(2026, 3, 4, 0, 0)


def test_crs_vasopressor_holds_until_next_blood_pressure_record() -> None:
    result = crs(
        fever("2026-03-02T20:00"),
        bp("2026-03-02T21:00", "norepinephrine"),
        med("2026-03-02T22:00", "tocilizumab", "tocilizumab"),
        bp("2026-03-04T12:00", hypotension=False),
    )
    assert [d.grade for d in result.days] == [3, 3, 3]
    assert [(p.time.day, p.time.hour, p.grade) for p in result.timeline] == [
        (2, 0, 0),
        (2, 20, 1),
        (2, 21, 3),
        (4, 12, 0),
    ]


def test_crs_grade5_death_due_to_crs() -> None:
    result = crs(fever(T), {"kind": "death", "time": "2026-03-03T23:00", "due_to_crs": True})
    assert result.grade == 5
    assert result.reason == "CRS grade 5: death due to CRS on day 2"


def test_crs_without_infusion_labels_days_by_date() -> None:
    assert crs(fever(T), infusion=None).reason == "CRS grade 1: fever 38.6 °C on 2026-03-03"


def test_crs_observations_at_the_same_time_are_one_evaluation() -> None:
    result = crs(fever(T, "39.0"), bp(T, "norepinephrine"), o2(T, "nasal_cannula", "2"))
    assert [(p.time.hour, p.grade) for p in result.timeline] == [(0, 0), (8, 3)]


def test_crs_signs_attributed_to_another_cause_are_left_out() -> None:
    # Lee 2019: fever, hypotension and hypoxia count only when not attributable to another cause.
    septic = {**bp(T, "norepinephrine"), "other_cause": True}
    assert crs(fever(T), septic).grade == 1
    infected = {**fever(T), "other_cause": True}
    assert crs(infected, o2(T, "nasal_cannula", "3")).grade == 0
