"""The treatment calendar: lymphodepletion dates, earliest infusion, visits and sampling days.

Conventions (the protocol model, :mod:`cartrial.protocol.model`): study days are
relative to the CAR-T infusion, day 0 = infusion date, so day ``d`` falls on
``infusion_date + d days`` (day -1 is the day before; there is no skipped day).

Earliest infusion (the protocols' "infusion at least 72 h after the end of
lymphodepletion", seed 000; ``infusion.min_hours_after_lymphodepletion``):

- earliest = end of the last lymphodepletion dose + ``min_hours``.
- With the end time of the last dose (``ld_end_time``) the earliest date-time is
  exact, and the planned infusion date is ``satisfied`` (earliest is before that
  date), ``satisfied_from_time`` (earliest falls on that date: start the infusion
  at or after the time given) or ``not_satisfied`` (earliest is after that date).
- Without it the last dose may end at any time of its day, so the earliest
  moment lies in ``[day start + min_hours, next day start + min_hours)``: the plan is
  ``satisfied`` or ``not_satisfied`` when the whole range says so, otherwise
  ``needs_end_time`` (e.g. days -5..-3 and 72 h: the infusion on day 0 must start
  no earlier than the clock time at which the day -3 dose ended).

Visit windows: earliest = date - ``window_before_days``, latest = date +
``window_after_days``, both inclusive.
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.protocol.model import InfusionRule, Lymphodepletion, SampleSchedule, Visit

__all__ = [
    "Calendar",
    "InfusionStatus",
    "InfusionTiming",
    "LymphodepletionDay",
    "SamplingDay",
    "VisitDate",
    "assess_infusion_timing",
    "compute_calendar",
    "study_date",
]

InfusionStatus = Literal["satisfied", "satisfied_from_time", "not_satisfied", "needs_end_time"]


class LymphodepletionDay(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: int
    date: dt.date
    agents: list[str]


class InfusionTiming(BaseModel):
    """The earliest infusion rule applied to the planned infusion date."""

    model_config = ConfigDict(frozen=True)

    min_hours_after_lymphodepletion: int
    last_lymphodepletion_day: int
    last_lymphodepletion_date: date
    ld_end_time: time | None
    earliest: datetime | None
    earliest_date: date
    infusion_date: date
    status: InfusionStatus
    reason: str


class VisitDate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label: str
    day: int
    date: dt.date
    earliest: dt.date
    latest: dt.date
    is_assumed: bool


class SamplingDay(BaseModel):
    model_config = ConfigDict(frozen=True)

    day: int
    date: dt.date
    analytes: list[str]


class Calendar(BaseModel):
    """Dates of one patient's treatment, from the infusion date."""

    model_config = ConfigDict(frozen=True)

    infusion_date: date
    lymphodepletion: list[LymphodepletionDay]
    infusion: InfusionTiming | None
    visits: list[VisitDate]
    sampling: list[SamplingDay]


def study_date(infusion_date: date, day: int) -> date:
    """The calendar date of study day ``day`` (day 0 = infusion).

    >>> study_date(date(2026, 3, 2), -3)
    datetime.date(2026, 2, 27)
    """
    return infusion_date + timedelta(days=day)


def assess_infusion_timing(
    *,
    rule: InfusionRule,
    last_lymphodepletion_day: int,
    infusion_date: date,
    ld_end_time: time | None = None,
) -> InfusionTiming:
    """Apply the minimum interval after lymphodepletion to the planned infusion date.

    >>> rule = InfusionRule(min_hours_after_lymphodepletion=72)
    >>> t = assess_infusion_timing(rule=rule, last_lymphodepletion_day=-3,
    ...     infusion_date=date(2026, 3, 2), ld_end_time=time(14, 30))
    >>> t.status, t.earliest
    ('satisfied_from_time', datetime.datetime(2026, 3, 2, 14, 30))
    """
    hours = rule.min_hours_after_lymphodepletion
    gap = timedelta(hours=hours)
    last_date = study_date(infusion_date, last_lymphodepletion_day)
    infusion_start = datetime.combine(infusion_date, time(0, 0))
    head = (
        f"infusion at least {hours} h after the end of the last lymphodepletion dose "
        f"(day {last_lymphodepletion_day}, {last_date.isoformat()})"
    )
    status: InfusionStatus
    if ld_end_time is not None:
        earliest: datetime | None = datetime.combine(last_date, ld_end_time) + gap
        assert earliest is not None
        earliest_date = earliest.date()
        stamp = earliest.strftime("%Y-%m-%d %H:%M")
        head += f" ended {ld_end_time.strftime('%H:%M')}: earliest {stamp}"
        if earliest_date < infusion_date:
            status = "satisfied"
            reason = f"{head}; the infusion on {infusion_date.isoformat()} satisfies it"
        elif earliest_date == infusion_date:
            status = "satisfied_from_time"
            reason = (
                f"{head}; the infusion on {infusion_date.isoformat()} must start at or after "
                f"{earliest.strftime('%H:%M')}"
            )
        else:
            status = "not_satisfied"
            reason = (
                f"{head}; the infusion on {infusion_date.isoformat()} is TOO EARLY "
                f"(earliest date {earliest_date.isoformat()})"
            )
    else:
        earliest = None
        first_possible = datetime.combine(last_date, time(0, 0)) + gap
        last_possible = first_possible + timedelta(days=1)
        earliest_date = first_possible.date()
        if last_possible <= infusion_start:
            status = "satisfied"
            reason = (
                f"{head}: satisfied by the infusion on {infusion_date.isoformat()} whatever the "
                f"time the last dose ended"
            )
        elif first_possible.date() > infusion_date:
            status = "not_satisfied"
            reason = (
                f"{head}: the infusion on {infusion_date.isoformat()} is TOO EARLY (earliest "
                f"date {earliest_date.isoformat()})"
            )
        else:
            status = "needs_end_time"
            reason = (
                f"{head}: on {infusion_date.isoformat()} the infusion must start no earlier than "
                f"{hours} h after the end time of that dose; give --ld-end-time for the exact time"
            )
    return InfusionTiming(
        min_hours_after_lymphodepletion=hours,
        last_lymphodepletion_day=last_lymphodepletion_day,
        last_lymphodepletion_date=last_date,
        ld_end_time=ld_end_time,
        earliest=earliest,
        earliest_date=earliest_date,
        infusion_date=infusion_date,
        status=status,
        reason=reason,
    )


def _lymphodepletion_days(
    regimen: Lymphodepletion, infusion_date: date, not_given: frozenset[str]
) -> list[LymphodepletionDay]:
    by_day: dict[int, list[str]] = {}
    for agent in regimen.agents:
        if agent.agent in not_given:
            continue
        for day in agent.days:
            by_day.setdefault(day, []).append(agent.agent)
    return [
        LymphodepletionDay(day=day, date=study_date(infusion_date, day), agents=agents)
        for day, agents in sorted(by_day.items())
    ]


def _visits(visits: list[Visit], infusion_date: date) -> list[VisitDate]:
    out = []
    for visit in sorted(visits, key=lambda v: v.day):
        when = study_date(infusion_date, visit.day)
        out.append(
            VisitDate(
                id=visit.id,
                label=visit.label,
                day=visit.day,
                date=when,
                earliest=when - timedelta(days=visit.window_before_days),
                latest=when + timedelta(days=visit.window_after_days),
                is_assumed=visit.assumed,
            )
        )
    return out


def _sampling(samples: list[SampleSchedule], infusion_date: date) -> list[SamplingDay]:
    by_day: dict[int, list[str]] = {}
    for schedule in samples:
        name = f"{schedule.analyte} ({schedule.matrix})"
        for day in schedule.days:
            if name not in by_day.setdefault(day, []):
                by_day[day].append(name)
    return [
        SamplingDay(day=day, date=study_date(infusion_date, day), analytes=names)
        for day, names in sorted(by_day.items())
    ]


def compute_calendar(
    *,
    infusion_date: date,
    regimen: Lymphodepletion | None,
    infusion: InfusionRule | None,
    visits: list[Visit],
    samples: list[SampleSchedule],
    ld_end_time: time | None = None,
    not_given: frozenset[str] = frozenset(),
) -> Calendar:
    """The calendar of one patient; agents in ``not_given`` (renal factor 0) are left out."""
    ld_days = (
        _lymphodepletion_days(regimen, infusion_date, not_given) if regimen is not None else []
    )
    timing = None
    if infusion is not None and ld_days:
        timing = assess_infusion_timing(
            rule=infusion,
            last_lymphodepletion_day=ld_days[-1].day,
            infusion_date=infusion_date,
            ld_end_time=ld_end_time,
        )
    return Calendar(
        infusion_date=infusion_date,
        lymphodepletion=ld_days,
        infusion=timing,
        visits=_visits(visits, infusion_date),
        sampling=_sampling(samples, infusion_date),
    )
