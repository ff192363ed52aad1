"""CTCAE v5.0 Fever and Febrile neutropenia from the temperatures CRS is graded from.

Reference: NCI CTCAE v5.0 (27 Nov 2017). Fever: grade 1 38.0-39.0 °C (100.4-102.2 °F),
grade 2 >39.0-40.0 °C (102.3-104.0 °F), grade 3 >40.0 °C (>104.0 °F) for <=24 hrs,
grade 4 >40.0 °C for >24 hrs. Febrile neutropenia: ANC <1000/mm3 with a single
temperature of >38.3 °C (101 °F) or a sustained temperature of >=38 °C (100.4 °F) for
more than one hour (grade 3); life-threatening consequences, urgent intervention
indicated (grade 4); death (grade 5). Expected grades are read off these rows by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.errors import InputError
from cartrial.safety.fever import grade_febrile_neutropenia, grade_fever, load_fever_file


def temp(time: str, value: str, scale: str = "celsius") -> dict[str, Any]:
    return {"kind": "temperature", "time": time, scale: value}


def fever(*temps: dict[str, Any]) -> Any:
    record = load_fever_file({"observations": list(temps)})
    return grade_fever(record.observations)


def fn(temps: list[dict[str, Any]], anc: list[dict[str, Any]], **flags: Any) -> Any:
    record = load_fever_file({"observations": temps, "anc": anc, **flags})
    return grade_febrile_neutropenia(
        observations=record.observations,
        anc=record.anc,
        life_threatening=record.life_threatening,
        fatal=record.fatal,
    )


@pytest.mark.parametrize(
    ("value", "scale", "grade"),
    [
        ("37.9", "celsius", 0),
        ("38.0", "celsius", 1),
        ("39.0", "celsius", 1),
        ("39.1", "celsius", 2),
        ("40.0", "celsius", 2),
        ("40.1", "celsius", 3),
        ("100.4", "fahrenheit", 1),
        ("102.2", "fahrenheit", 1),
        ("102.3", "fahrenheit", 2),
        ("104.0", "fahrenheit", 2),
        ("104.2", "fahrenheit", 3),
    ],
)
def test_fever_grade_by_peak_temperature(value: str, scale: str, grade: int) -> None:
    assert fever(temp("2026-03-02T08:00", value, scale)).grade == grade


def test_fever_above_40_for_exactly_24_h_is_grade3_for_more_is_grade4() -> None:
    # > 40.0 from 08:00 day 1; the next reading <= 40.0 at 08:00 day 2: 24 h (<= 24 h).
    g3 = fever(
        temp("2026-03-02T08:00", "40.5"),
        temp("2026-03-02T20:00", "40.3"),
        temp("2026-03-03T08:00", "39.0"),
    )
    assert g3.grade == 3
    assert "24 h" in g3.reason
    g4 = fever(
        temp("2026-03-02T08:00", "40.5"),
        temp("2026-03-02T20:00", "40.3"),
        temp("2026-03-03T09:00", "39.0"),
    )
    assert g4.grade == 4
    assert "25 h" in g4.reason


def test_fever_above_40_still_at_the_last_reading_counts_the_time_so_far() -> None:
    ongoing = fever(temp("2026-03-02T08:00", "40.5"), temp("2026-03-03T10:00", "40.2"))
    assert ongoing.grade == 4  # 26 h so far
    short = fever(temp("2026-03-02T08:00", "40.5"), temp("2026-03-02T18:00", "40.2"))
    assert short.grade == 3
    assert "still > 40.0" in short.reason


def test_fever_ignores_other_crs_observations() -> None:
    record = load_fever_file(
        {
            "observations": [
                temp("2026-03-02T08:00", "38.6"),
                {"kind": "blood_pressure", "time": "2026-03-02T09:00", "hypotension": True},
            ]
        }
    )
    assert grade_fever(record.observations).grade == 1


ANC_08 = [{"time": "2026-03-02T07:00", "value": "0.8", "unit": "x10^9/L"}]


def test_febrile_neutropenia_single_temperature_above_38_3() -> None:
    result = fn([temp("2026-03-02T08:00", "38.4")], ANC_08)
    assert result.grade == 3
    assert "38.4" in result.reason and "0.8" in result.reason


def test_febrile_neutropenia_38_3_exactly_is_not_above_38_3() -> None:
    assert fn([temp("2026-03-02T08:00", "38.3")], ANC_08).grade == 0


def test_febrile_neutropenia_101_f_is_above_38_3_c() -> None:
    # 101 °F = 38.33 °C, the printed equivalent of the 38.3 °C threshold.
    assert fn([temp("2026-03-02T08:00", "101.0", "fahrenheit")], ANC_08).grade == 3


def test_febrile_neutropenia_sustained_38_needs_more_than_one_hour() -> None:
    one_hour = [temp("2026-03-02T08:00", "38.1"), temp("2026-03-02T09:00", "38.2")]
    assert fn(one_hour, ANC_08).grade == 0
    longer = [temp("2026-03-02T08:00", "38.1"), temp("2026-03-02T09:01", "38.0")]
    assert fn(longer, ANC_08).grade == 3
    broken = [
        temp("2026-03-02T08:00", "38.1"),
        temp("2026-03-02T08:40", "37.9"),
        temp("2026-03-02T09:30", "38.1"),
    ]
    assert fn(broken, ANC_08).grade == 0


def test_febrile_neutropenia_needs_anc_below_1000_per_mm3() -> None:
    hot = [temp("2026-03-02T08:00", "38.9")]
    assert fn(hot, [{"time": "2026-03-02T07:00", "value": "1000", "unit": "/mm3"}]).grade == 0
    assert fn(hot, [{"time": "2026-03-02T07:00", "value": "990", "unit": "/mm3"}]).grade == 3


def test_febrile_neutropenia_without_an_anc_near_the_fever_is_not_graded() -> None:
    far = [{"time": "2026-02-27T07:00", "value": "0.3", "unit": "x10^9/L"}]
    result = fn([temp("2026-03-02T08:00", "38.9")], far)
    assert result.grade == 0
    assert "no ANC within 24 h" in result.reason


def test_febrile_neutropenia_grades_4_and_5_are_the_investigators() -> None:
    hot = [temp("2026-03-02T08:00", "38.9")]
    assert fn(hot, ANC_08, life_threatening=True).grade == 4
    assert fn(hot, ANC_08, fatal=True).grade == 5
    # The clinical flags do not make febrile neutropenia out of a normal ANC.
    normal = [{"time": "2026-03-02T07:00", "value": "2.5", "unit": "x10^9/L"}]
    assert fn(hot, normal, life_threatening=True).grade == 0


def test_anc_unit_is_checked() -> None:
    with pytest.raises(InputError) as err:
        fn(
            [temp("2026-03-02T08:00", "38.9")],
            [{"time": "2026-03-02T07:00", "value": "1", "unit": "g/L"}],
        )
    assert err.value.field == "anc[0].unit"
