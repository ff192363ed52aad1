"""ICE and CAPD as structured fields of every ICANS assessment, and the tool that fits the age.

Reference: Lee DW et al., Biol Blood Marrow Transplant 2019;25:625-638. The ICE score
(Table 5, 10 points: orientation 4, naming 3, commands 1, writing 1, attention 1) is the
encephalopathy tool for adults and children aged >= 12 years; children < 12 years are
assessed with the Cornell Assessment of Pediatric Delirium (CAPD, Table 7). An ICE of 0
because the patient is unarousable scores 0 (Table 6, grade 4 row). Expected values are the
component sums and the age arithmetic done by hand.
"""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.errors import InputError
from cartrial.safety.astct import grade_icans
from cartrial.safety.astct_input import load_icans_file

ICE_6 = {"orientation": 2, "naming": 3, "commands": 1, "writing": 0, "attention": 0}


def graded(assessments: list[dict[str, Any]], **patient: Any) -> Any:
    record = load_icans_file(
        {"patient": "P01", "infusion": "2026-03-01T10:00", "assessments": assessments, **patient}
    )
    return grade_icans(
        assessments=record.assessments,
        infusion=record.infusion,
        birth_date=record.birth_date,
        age_years=record.age_years,
        developmental_delay=record.developmental_delay,
    )


def test_every_assessment_reports_its_ice_score_whatever_domain_sets_the_grade() -> None:
    result = graded(
        [
            {"time": "2026-03-05T09:00", "ice": ICE_6, "seizure": {"type": "generalised"}},
            {"time": "2026-03-05T15:00", "ice_unable": "unarousable"},
            {"time": "2026-03-06T09:00", "ice": {**ICE_6, "orientation": 4, "writing": 1}},
        ],
        age_years=54,
    )
    rows = [(a.grade, a.tool, a.ice_score, a.ice_unable, a.capd_score) for a in result.assessments]
    # 2 + 3 + 1 = 6 (seizure sets grade 3); unarousable scores 0 (grade 4); 4+3+1+1 = 9.
    assert rows == [
        (3, "ICE", 6, None, None),
        (4, "ICE", 0, "unarousable", None),
        (1, "ICE", 9, None, None),
    ]
    assert result.assessments[0].age_years == 54


def test_child_assessments_report_the_capd_score() -> None:
    result = graded(
        [{"time": "2026-03-05T09:00", "capd": 12, "consciousness": "awakens_to_voice"}],
        birth_date="2017-03-06",  # 8 years old on 2026-03-05
    )
    (a,) = result.assessments
    assert (a.tool, a.capd_score, a.ice_score, a.age_years, a.grade) == ("CAPD", 12, None, 8, 3)


def test_ice_refused_below_age_12() -> None:
    # born 2014-03-06: the day before the 12th birthday (2026-03-06) the child is 11.
    with pytest.raises(InputError) as err:
        graded([{"time": "2026-03-05T09:00", "ice": ICE_6}], birth_date="2014-03-06")
    assert err.value.field == "assessments[0].ice"
    assert "11 years" in err.value.expected and "CAPD" in err.value.expected


def test_capd_refused_from_age_12() -> None:
    # born 2014-03-05: 12 on 2026-03-05, so ICE applies.
    with pytest.raises(InputError) as err:
        graded(
            [
                {"time": "2026-03-04T09:00", "capd": 4},
                {"time": "2026-03-05T09:00", "capd": 4},
            ],
            birth_date="2014-03-05",
        )
    assert err.value.field == "assessments[1].capd"
    assert "12 years" in err.value.expected and "ICE" in err.value.expected


def test_capd_accepted_from_age_12_with_developmental_delay() -> None:
    # Lee 2019: CAPD also for older children with developmental delay.
    result = graded(
        [{"time": "2026-03-05T09:00", "capd": 4}], age_years=13, developmental_delay=True
    )
    assert result.assessments[0].tool == "CAPD"


def test_age_unknown_grades_either_tool_and_says_so() -> None:
    result = graded([{"time": "2026-03-05T09:00", "capd": 4}])
    assert result.assessments[0].age_years is None
    assert "age not given" in result.assessments[0].reason


def test_birth_date_and_age_together_are_refused() -> None:
    with pytest.raises(InputError) as err:
        load_icans_file(
            {
                "birth_date": "1970-01-01",
                "age_years": 56,
                "assessments": [{"time": "2026-03-05T09:00", "ice": ICE_6}],
            }
        )
    assert "birth_date" in err.value.expected
