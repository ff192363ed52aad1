"""The earliest possible infusion date of a subject not yet scheduled, from the protocol.

Rule: lymphodepletion cannot start before consent, so with the protocol's first
lymphodepletion dose on study day ``F`` (negative, day 0 = infusion) and its last on
day ``L``, and the infusion at least ``H`` hours after the end of the last dose
(``infusion.min_hours_after_lymphodepletion``), the infusion is at the earliest

    consent + max(-F, (L - F) + floor(H / 24)) days

(the last dose may end as early as the start of its day; ``floor`` keeps this a
lower bound). A washout counted back from the infusion that is already complete at
this date is complete for every later infusion, so it is met without waiting for
the schedule (szugh-msln-2024 and uclm802: days -5..-3 and 72 h give 5 days).
Without a lymphodepletion section there is no lead time to add and the consent date
is the earliest infusion date, as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cartrial.protocol.model import Protocol

__all__ = ["EarliestInfusion", "earliest_possible_infusion"]


@dataclass(frozen=True)
class EarliestInfusion:
    """The date, the days after consent and the rule in words."""

    date: dt.date
    lead_days: int
    reason: str


def earliest_possible_infusion(protocol: Protocol, consent: dt.date) -> EarliestInfusion | None:
    """Consent plus the lymphodepletion lead time (module rule); None without lymphodepletion."""
    regimen = protocol.lymphodepletion
    if regimen is None:
        return None
    days = [day for agent in regimen.agents for day in agent.days]
    first, last = min(days), max(days)
    hours = protocol.infusion.min_hours_after_lymphodepletion if protocol.infusion else 0
    lead = max(-first, (last - first) + hours // 24)
    reason = (
        f"consent + {lead} days: lymphodepletion from day {first} to day {last}"
        + (f", infusion at least {hours} h after its last dose" if hours else "")
        + " (protocol); lymphodepletion cannot start before consent"
    )
    return EarliestInfusion(consent + dt.timedelta(days=lead), lead, reason)
