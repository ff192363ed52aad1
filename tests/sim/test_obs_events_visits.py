"""AE, death and withdrawal records from the latent row; visit dates against their windows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cartrial.protocol.load import load_bundled
from cartrial.sim.observations.events import adverse_events, death_record, withdrawal_record
from cartrial.sim.observations.visits import visit_dates
from tests.sim.factories import make_row

DAY0 = dt.date(2026, 5, 4)
PROTOCOL = load_bundled("uclm802").protocol


def test_crs_icans_and_off_tumour_toxicity_become_aes() -> None:
    row = make_row(
        crs_grade=3,
        crs_onset_day=2.6,
        crs_duration_days=4.0,
        icans_grade=1,
        icans_onset_day=5.0,
        icans_duration_days=2.0,
        off_tumour_term="Pleural effusion",
        off_tumour_grade=3,
        off_tumour_onset_day=12.0,
    )
    events = adverse_events(row, DAY0, np.random.default_rng(0), background_rates={})
    by_term = {e.term: e for e in events}
    crs = by_term["Cytokine release syndrome"]
    assert (
        crs.onset_date,
        crs.grading_scale,
        crs.reported_grade,
        crs.is_serious,
        crs.relatedness,
    ) == (
        dt.date(2026, 5, 6),
        "astct_2019",
        3,
        True,
        "probable",
    )
    icans = by_term["Immune effector cell-associated neurotoxicity syndrome"]
    assert (icans.onset_date, icans.reported_grade, icans.is_serious) == (
        dt.date(2026, 5, 9),
        1,
        False,
    )
    serositis = by_term["Pleural effusion"]
    assert (serositis.grading_scale, serositis.reported_grade, serositis.is_serious) == (
        "ctcae_v5",
        3,
        True,
    )
    assert serositis.onset_date == dt.date(2026, 5, 16)


def test_no_latent_toxicity_and_no_background_means_no_ae() -> None:
    assert adverse_events(make_row(), DAY0, np.random.default_rng(0), background_rates={}) == []


def test_background_aes_come_at_their_rates_as_low_grade_unlikely_related() -> None:
    rng = np.random.default_rng(1)
    counts = {"Fatigue": 0, "Nausea": 0, "Anemia": 0}
    for _ in range(1000):
        for e in adverse_events(make_row(), DAY0, rng):
            counts[e.term] += 1
            assert e.reported_grade in (1, 2) and e.relatedness == "unlikely" and not e.is_serious
            assert 0 <= (e.onset_date - DAY0).days < 30
    assert counts["Fatigue"] == pytest.approx(400, abs=50)
    assert counts["Nausea"] == pytest.approx(250, abs=45)
    assert counts["Anemia"] == pytest.approx(300, abs=45)


def test_death_and_withdrawal_on_the_latent_days() -> None:
    assert death_record(make_row(), DAY0) is None
    died = death_record(make_row(death_day=120.4), DAY0)
    assert (
        died is not None
        and died.died_on == dt.date(2026, 9, 1)
        and died.cause == "progressive disease"
    )
    crs_death = death_record(make_row(crs_grade=5, crs_onset_day=1.0, death_day=6.0), DAY0)
    assert crs_death is not None and crs_death.cause == "cytokine release syndrome"
    left = withdrawal_record(make_row(withdrawal_day=40.0), DAY0)
    assert (
        left is not None
        and left.withdrawn_on == dt.date(2026, 6, 13)
        and left.initiated_by == "subject"
    )
    assert withdrawal_record(make_row(withdrawal_day=40.0, death_day=30.0), DAY0) is None


def test_visits_on_time_late_outside_or_missed() -> None:
    windows = {v.id: v for v in PROTOCOL.visits}
    on_time = visit_dates(PROTOCOL, DAY0, np.random.default_rng(0), probabilities={"on_time": 1})
    assert all(v.actual_date == v.planned_date for v in on_time)
    assert on_time[0].visit_id == "d0"
    late = visit_dates(
        PROTOCOL, DAY0, np.random.default_rng(0), probabilities={"late_in_window": 1}
    )
    for v in late:
        assert v.actual_date is not None
        delay = (v.actual_date - v.planned_date).days
        if windows[v.visit_id].window_after_days:
            assert (
                v.timing == "late_in_window" and 1 <= delay <= windows[v.visit_id].window_after_days
            )
        else:
            assert v.timing == "out_of_window" and delay >= 1
    outside = visit_dates(
        PROTOCOL, DAY0, np.random.default_rng(0), probabilities={"out_of_window": 1}
    )
    assert all(
        (v.actual_date - v.planned_date).days > windows[v.visit_id].window_after_days
        for v in outside
        if v.actual_date
    )
    missed = visit_dates(
        PROTOCOL, DAY0, np.random.default_rng(0), probabilities={"missed": 1}, until_day=60
    )
    assert [v.visit_id for v in missed][-1] == "w8" and all(v.actual_date is None for v in missed)
