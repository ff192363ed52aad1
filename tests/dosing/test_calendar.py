"""Calendar: study days to dates (day 0 = infusion), visit windows, the 72 h infusion rule."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from cartrial.dosing.calendar import assess_infusion_timing, compute_calendar
from cartrial.protocol.model import InfusionRule, Protocol

RULE_72H = InfusionRule(min_hours_after_lymphodepletion=72)


def test_lymphodepletion_dates_across_a_month_end(protocol: Protocol) -> None:
    # Infusion 1 March 2026: days -5, -4, -3 = 24, 25, 26 February.
    cal = compute_calendar(
        infusion_date=date(2026, 3, 1),
        regimen=protocol.lymphodepletion,
        infusion=protocol.infusion,
        visits=[],
        samples=[],
    )
    assert [(d.day, d.date, d.agents) for d in cal.lymphodepletion] == [
        (-5, date(2026, 2, 24), ["fludarabine", "cyclophosphamide"]),
        (-4, date(2026, 2, 25), ["fludarabine", "cyclophosphamide"]),
        (-3, date(2026, 2, 26), ["fludarabine", "cyclophosphamide"]),
    ]


def test_agent_not_given_is_left_out_of_the_calendar(protocol: Protocol) -> None:
    cal = compute_calendar(
        infusion_date=date(2026, 3, 1),
        regimen=protocol.lymphodepletion,
        infusion=protocol.infusion,
        visits=[],
        samples=[],
        not_given=frozenset({"fludarabine"}),
    )
    assert {tuple(d.agents) for d in cal.lymphodepletion} == {("cyclophosphamide",)}


def test_visit_dates_and_windows_across_month_ends(protocol: Protocol) -> None:
    # Infusion 30 January 2026. Screening day -28 = 2 January, window +7 -> 9 January.
    # Day 7 = 6 February (window 5-7 Feb); day 28 = 27 February (window 24 Feb - 2 March).
    cal = compute_calendar(
        infusion_date=date(2026, 1, 30),
        regimen=protocol.lymphodepletion,
        infusion=protocol.infusion,
        visits=protocol.visits,
        samples=[],
    )
    assert [(v.id, v.date, v.earliest, v.latest) for v in cal.visits] == [
        ("screening", date(2026, 1, 2), date(2026, 1, 2), date(2026, 1, 9)),
        ("d0", date(2026, 1, 30), date(2026, 1, 30), date(2026, 1, 30)),
        ("d7", date(2026, 2, 6), date(2026, 2, 5), date(2026, 2, 7)),
        ("d28", date(2026, 2, 27), date(2026, 2, 24), date(2026, 3, 2)),
    ]


def test_sampling_days_merge_analytes_by_day(protocol: Protocol) -> None:
    # Infusion 30 December 2026: day 1 = 31 December, day 2 = 1 January 2027.
    cal = compute_calendar(
        infusion_date=date(2026, 12, 30),
        regimen=protocol.lymphodepletion,
        infusion=protocol.infusion,
        visits=[],
        samples=protocol.samples,
    )
    by_day = {s.day: (s.date, s.analytes) for s in cal.sampling}
    assert sorted(by_day) == [0, 1, 2, 3, 4, 7, 14, 28]
    assert by_day[1] == (
        date(2026, 12, 31),
        ["car_transgene_qpcr (blood)", "cytokines (serum)"],
    )
    assert by_day[2] == (date(2027, 1, 1), ["cytokines (serum)"])
    assert by_day[28] == (date(2027, 1, 27), ["car_transgene_qpcr (blood)"])


def test_ld_end_time_gives_the_exact_earliest_infusion_across_a_month_end() -> None:
    # Last dose day -3 = 26 February 2026, ended 23:30; + 72 h = 1 March 2026 23:30 (day 0).
    t = assess_infusion_timing(
        rule=RULE_72H,
        last_lymphodepletion_day=-3,
        infusion_date=date(2026, 3, 1),
        ld_end_time=time(23, 30),
    )
    assert t.earliest == datetime(2026, 3, 1, 23, 30)
    assert t.status == "satisfied_from_time"
    assert t.reason.endswith("the infusion on 2026-03-01 must start at or after 23:30")


@pytest.mark.parametrize(
    ("last_day", "end", "status", "earliest"),
    [
        # day -4 (27 Feb) 10:00 + 72 h = 2 March 10:00, before the infusion day (3 March)
        (-4, time(10, 0), "satisfied", datetime(2026, 3, 2, 10, 0)),
        # day -3 (28 Feb) 00:00 + 72 h = 3 March 00:00: the very start of the infusion day
        (-3, time(0, 0), "satisfied_from_time", datetime(2026, 3, 3, 0, 0)),
        # day -2 (1 March) 09:00 + 72 h = 4 March 09:00: after the planned day
        (-2, time(9, 0), "not_satisfied", datetime(2026, 3, 4, 9, 0)),
    ],
)
def test_infusion_rule_with_end_time(
    last_day: int, end: time, status: str, earliest: datetime
) -> None:
    t = assess_infusion_timing(
        rule=RULE_72H,
        last_lymphodepletion_day=last_day,
        infusion_date=date(2026, 3, 3),
        ld_end_time=end,
    )
    assert (t.status, t.earliest) == (status, earliest)


@pytest.mark.parametrize(
    ("last_day", "status", "earliest_date"),
    [
        # day -4 + 72 h ends by day -1 24:00 at the latest: any time on day 0 is fine
        (-4, "satisfied", date(2026, 3, 2)),
        # day -3 + 72 h falls on day 0 at the clock time the dose ended: need that time
        (-3, "needs_end_time", date(2026, 3, 3)),
        # day -2 + 72 h is on day +1 at the earliest
        (-2, "not_satisfied", date(2026, 3, 4)),
    ],
)
def test_infusion_rule_without_end_time(last_day: int, status: str, earliest_date: date) -> None:
    t = assess_infusion_timing(
        rule=RULE_72H, last_lymphodepletion_day=last_day, infusion_date=date(2026, 3, 3)
    )
    assert (t.status, t.earliest, t.earliest_date) == (status, None, earliest_date)


def test_needs_end_time_reason_is_explicit() -> None:
    t = assess_infusion_timing(
        rule=RULE_72H, last_lymphodepletion_day=-3, infusion_date=date(2026, 3, 3)
    )
    assert t.reason == (
        "infusion at least 72 h after the end of the last lymphodepletion dose (day -3, "
        "2026-02-28): on 2026-03-03 the infusion must start no earlier than 72 h after the end "
        "time of that dose; give --ld-end-time for the exact time"
    )


def test_non_whole_day_interval() -> None:
    # 60 h after day -3 (28 Feb) 20:00 = 3 March 08:00
    t = assess_infusion_timing(
        rule=InfusionRule(min_hours_after_lymphodepletion=60),
        last_lymphodepletion_day=-3,
        infusion_date=date(2026, 3, 3),
        ld_end_time=time(20, 0),
    )
    assert (t.status, t.earliest) == ("satisfied_from_time", datetime(2026, 3, 3, 8, 0))
