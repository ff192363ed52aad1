"""The fast path's DLT reading counts only toxicities that start while the patient is
followed: a service-path site records nothing after death, withdrawal or loss to
follow-up (seen in bench/trial_agreement.py: a grade 4 CRS latent onset 1.4 days after a
death on day 0.1, an ascites on day 27.1 after a death on day 23.7, both read as DLTs)."""

from __future__ import annotations

import math

import pytest

from cartrial.protocol.load import load_protocol
from cartrial.sim.fast.outcomes import assess_dlts, dlt_reading
from tests.sim.factories import make_patients

PROTOCOL = load_protocol("uclm802").protocol
READING = dlt_reading(PROTOCOL.dlt, [v.day for v in PROTOCOL.visits])  # type: ignore[arg-type]


@pytest.mark.parametrize("end", ["death_day", "withdrawal_day", "lost_to_follow_up_day"])
@pytest.mark.parametrize(
    "event",
    [
        {"crs_grade": 4, "crs_onset_day": 5.0, "crs_duration_days": 3.0},
        {"icans_grade": 4, "icans_onset_day": 5.0, "icans_duration_days": 3.0},
        {"off_tumour_term": "Ascites", "off_tumour_grade": 4, "off_tumour_onset_day": 5.0},
    ],
)
def test_a_toxicity_after_the_patient_left_is_no_dlt(end: str, event: dict[str, object]) -> None:
    ends = {"death_day": math.inf, "withdrawal_day": math.inf, "lost_to_follow_up_day": math.inf}
    before = make_patients(**event, **{**ends, end: 4.0})
    during = make_patients(**event, **{**ends, end: 6.0})
    assert not assess_dlts(before, READING).dlt[0]
    assert assess_dlts(during, READING).dlt[0]
