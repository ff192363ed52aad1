"""CRS across midnight: timed readings hold until the next one; a daily-worst entry is its day.

The carry-forward rule (docs/safety.md "CRS day boundaries"): a blood-pressure or oxygen
reading taken at a real time holds until the next reading of its kind, across midnight
(no improvement is inferred from missing data). A reading entered as the day's worst
value (``daily_worst: true``, at a nominal time such as 08:00) stands for its whole
calendar day from 00:00 and so replaces, from midnight, whatever the previous day carried.

ASTCT (Lee et al. 2019, Table 3 note): the CRS grade of a day is the worst of that day's
evaluations. Expected grades and the DLT clock ("grade >= 3 not improving to <= 2 within
72 h", CLINICAL_RULES section 2 D2 and the section 6 worked example: 60 h not a DLT, 76 h a
DLT) are worked by hand in each test.
"""

from __future__ import annotations

from typing import Any

from cartrial.protocol.dlt import DltSpec
from cartrial.safety.astct import grade_crs
from cartrial.safety.astct_input import load_crs_file
from cartrial.safety.dlt import assess_dlt
from cartrial.safety.events import PatientSafety, derive_syndrome_ae

INFUSION = "2026-03-01T10:00"


def crs(*observations: dict[str, Any]) -> Any:
    record = load_crs_file({"infusion": INFUSION, "observations": list(observations)})
    return grade_crs(observations=record.observations, infusion=record.infusion)


def fever(time: str, daily_worst: bool = False) -> dict[str, Any]:
    return {"kind": "temperature", "time": time, "celsius": "39.0", "daily_worst": daily_worst}


def bp(time: str, *pressors: str, daily_worst: bool = False) -> dict[str, Any]:
    return {
        "kind": "blood_pressure",
        "time": time,
        "hypotension": True,
        "vasopressors": [{"agent": a} for a in pressors],
        "daily_worst": daily_worst,
    }


def test_daily_worst_entry_is_not_carried_into_the_next_morning() -> None:
    # Day 3 worst: norepinephrine (grade 3). Day 4 worst: hypotension without pressors
    # (grade 2), entered at the nominal 08:00. Day 4 is grade 2: its own worst.
    result = crs(
        fever("2026-03-04T08:00", daily_worst=True),
        bp("2026-03-04T08:00", "norepinephrine", daily_worst=True),
        fever("2026-03-05T08:00", daily_worst=True),
        bp("2026-03-05T08:00", daily_worst=True),
    )
    assert [(d.study_day, d.grade) for d in result.days] == [(3, 3), (4, 2)]
    # Each daily entry holds from 00:00 of its day.
    assert [(p.time.isoformat(), p.grade) for p in result.timeline] == [
        ("2026-03-04T00:00:00", 3),
        ("2026-03-05T00:00:00", 2),
    ]


def test_timed_reading_holds_across_midnight_until_the_next_reading() -> None:
    # Norepinephrine started 22:00 on day 3; the next blood pressure, 08:00 on day 4,
    # shows no pressor. Between midnight and 08:00 the pressor was running: day 4 is 3.
    result = crs(
        fever("2026-03-04T21:00"),
        bp("2026-03-04T22:00", "norepinephrine"),
        fever("2026-03-05T06:00"),
        bp("2026-03-05T08:00"),
    )
    assert [(d.study_day, d.grade) for d in result.days] == [(3, 3), (4, 3)]
    assert result.timeline[-1].time.isoformat() == "2026-03-05T08:00:00"
    assert result.timeline[-1].grade == 2


def test_daily_worst_entry_replaces_a_timed_reading_from_midnight() -> None:
    # A timed pressor reading at 23:00 on day 3; day 4 entered as its worst (no pressor).
    result = crs(
        fever("2026-03-04T23:00"),
        bp("2026-03-04T23:00", "norepinephrine"),
        fever("2026-03-05T08:00", daily_worst=True),
        bp("2026-03-05T08:00", daily_worst=True),
    )
    assert [(d.study_day, d.grade) for d in result.days] == [(3, 3), (4, 2)]


SPEC = DltSpec.model_validate(
    {
        "window_days": 28,
        "definitions": [{"id": "D2", "text": "CRS", "rule": {"kind": "crs"}}],
    }
)


def test_daily_worst_entries_set_the_72_hour_dlt_clock() -> None:
    # Grade 3 first documented at a real time, day 3 06:00 (fever and norepinephrine).
    # Days 4 and 5 entered as daily worst grade 3, day 6 as daily worst grade 2 at 08:00.
    # Day 6's worst was grade 2, so the patient was <= grade 2 from day 6 00:00:
    # 06:00 day 3 -> 00:00 day 6 = 66 h <= 72 h: not a DLT. (Carrying day 5's pressor to
    # 08:00 on day 6 would give 74 h and a DLT.)
    observations = [
        fever("2026-03-04T06:00"),
        bp("2026-03-04T06:00", "norepinephrine"),
        *[
            obs
            for day in ("05", "06")
            for obs in (
                fever(f"2026-03-{day}T08:00", daily_worst=True),
                bp(f"2026-03-{day}T08:00", "norepinephrine", daily_worst=True),
            )
        ],
        fever("2026-03-07T08:00", daily_worst=True),
        bp("2026-03-07T08:00", daily_worst=True),
        {"kind": "temperature", "time": "2026-03-08T08:00", "celsius": "36.8"},
        {"kind": "blood_pressure", "time": "2026-03-08T08:00", "hypotension": False},
    ]
    result = crs(*observations)
    ae = derive_syndrome_ae(result, ae_id="CRS1")
    assert ae is not None
    patient = PatientSafety.model_validate(
        {
            "id": "P01",
            "infusion": INFUSION,
            "last_contact": "2026-03-30T10:00",
            "adverse_events": [ae.model_dump()],
        }
    )
    verdict = assess_dlt(patient=patient, spec=SPEC)
    assert verdict.dlt is False, verdict.triggers
    three = [p for p in result.timeline if p.grade >= 3]
    improved = next(p for p in result.timeline if p.time > three[0].time and p.grade <= 2)
    assert (improved.time - three[0].time).total_seconds() / 3600 == 66

    # One more day at grade 3 (day 6 daily worst with the pressor): 90 h, a DLT.
    longer = crs(
        *observations[:6],
        fever("2026-03-07T08:00", daily_worst=True),
        bp("2026-03-07T08:00", "norepinephrine", daily_worst=True),
        fever("2026-03-08T08:00", daily_worst=True),
        bp("2026-03-08T08:00", daily_worst=True),
    )
    ae = derive_syndrome_ae(longer, ae_id="CRS1")
    assert ae is not None
    patient = patient.model_copy(update={"adverse_events": [ae]})
    assert assess_dlt(patient=patient, spec=SPEC).dlt is True
