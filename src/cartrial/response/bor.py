"""RECIST 1.1 best overall response (BOR), unconfirmed and confirmed.

Source: Eisenhauer EA et al., Eur J Cancer 2009;45:228-247, section 4.6 (evaluation of
best overall response), Table 3 (BOR when confirmation of CR and PR is required) and
section 4.6.1 (SD minimum interval); EORTC RECIST FAQ (a confirmed PR stays PR when the
sum later drifts up without meeting PD). The operational form of Table 3 follows the
documented rules of pharmaverse admiralonco ``derive_param_confirmed_bor`` (rules only;
no code taken).

Rules, applied to the time points up to and including the first PD:

1. Rank: CR > PR > SD > NON-CR/NON-PD > PD > NE.
2. SD (and NON-CR/NON-PD) count only at ``day >= sd_min_days`` after the reference date;
   an earlier one counts as NE, so "SD (too early), PD" gives PD and "SD (too early), lost
   to follow-up" gives NE (section 4.6.1).
3. Without confirmation the best time point (after rule 2) is the BOR: "SD, PR, PD" -> PR.
4. With confirmation (Table 3): a CR is confirmed by a later CR at least
   ``confirmation_min_days`` after it, a PR by a later CR or PR at least that long after it,
   with only CR (for CR) or CR/PR (for PR) in between, at most ``confirmation_max_ne`` NE
   in between and SD in between only if ``confirmation_accept_sd``. An unconfirmed CR or
   PR counts as SD (non-CR/non-PD without target disease, Table 2) if it is at
   ``day >= sd_min_days``, else as NE: so "PR, SD" gives SD,
   "PR, PD" gives SD if the SD minimum is met, otherwise PD; "CR, NE" gives SD or NE.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.response.recist import OverallResponse
from cartrial.response.settings import ResponseSettings

__all__ = [
    "BestOverallResponse",
    "Timepoint",
    "derive_best_overall_response",
    "find_confirmation",
]

BestResponse = Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
RANK: dict[str, int] = {"CR": 6, "PR": 5, "SD": 4, "NON-CR/NON-PD": 3, "PD": 2, "NE": 1}


class Timepoint(BaseModel):
    """The minimum a BOR needs of a time point: its date, day and overall response."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    day: int
    overall: OverallResponse


class BestOverallResponse(BaseModel):
    """The BOR, whether confirmation was applied, the deciding time point and the reasons."""

    model_config = ConfigDict(frozen=True)

    response: BestResponse
    confirmation_required: bool
    date: dt.date | None
    confirmed_on: dt.date | None
    reasons: list[str]


def _up_to_first_pd(timepoints: list[Timepoint]) -> list[Timepoint]:
    out: list[Timepoint] = []
    for tp in timepoints:
        out.append(tp)
        if tp.overall == "PD":
            break
    return out


def find_confirmation(
    timepoints: list[Timepoint], i: int, settings: ResponseSettings
) -> tuple[Timepoint | None, str]:
    """The time point confirming the CR/PR at index ``i``, or None and why not.

    RECIST 1.1 section 4.6.1 and Table 3 (rule 4 of the module docstring).
    """
    first = timepoints[i]
    confirming = ("CR",) if first.overall == "CR" else ("CR", "PR")
    in_between_ok = set(confirming)
    if settings.confirmation_accept_sd:
        in_between_ok.add("SD")
    ne_seen = 0
    for later in timepoints[i + 1 :]:
        gap = (later.date - first.date).days
        if later.overall in confirming and gap >= settings.confirmation_min_days:
            return later, (
                f"{first.overall} on {first.date} confirmed by {later.overall} on {later.date}, "
                f"{gap} days later (>= {settings.confirmation_min_days})"
            )
        if later.overall == "NE" and ne_seen < settings.confirmation_max_ne:
            ne_seen += 1
            continue
        if later.overall not in in_between_ok:
            return None, (
                f"{first.overall} on {first.date} not confirmed: {later.overall} on {later.date} "
                f"({gap} days later) before any confirming {'/'.join(confirming)} "
                f">= {settings.confirmation_min_days} days later"
            )
    return None, (
        f"{first.overall} on {first.date} not confirmed: no later {'/'.join(confirming)} "
        f">= {settings.confirmation_min_days} days after it"
    )


def derive_best_overall_response(
    timepoints: list[Timepoint],
    *,
    settings: ResponseSettings | None = None,
    has_target_disease: bool = True,
) -> BestOverallResponse:
    """BOR by RECIST 1.1 section 4.6 and Table 3 (rules 1-4 of the module docstring).

    >>> d = dt.date(2026, 1, 1)
    >>> tps = [Timepoint(date=d + dt.timedelta(days=n), day=n, overall=r)
    ...        for n, r in [(42, "PR"), (70, "PR"), (98, "PD")]]
    >>> derive_best_overall_response(tps).response
    'PR'
    """
    settings = settings or ResponseSettings()
    considered = _up_to_first_pd(timepoints)
    required = settings.confirmation_required
    reasons: list[str] = []
    if len(considered) < len(timepoints):
        reasons.append(f"time points after the first PD ({considered[-1].date}) are not counted")
    best: tuple[int, BestResponse, Timepoint | None, Timepoint | None] = (0, "NE", None, None)
    for i, tp in enumerate(considered):
        candidate: BestResponse = tp.overall
        confirmed_by: Timepoint | None = None
        if required and tp.overall in ("CR", "PR"):
            confirmed_by, why = find_confirmation(considered, i, settings)
            reasons.append(why)
            if confirmed_by is None:
                # Table 2: without target disease the category below CR is non-CR/non-PD
                candidate = "SD" if has_target_disease else "NON-CR/NON-PD"
        if candidate in ("SD", "NON-CR/NON-PD") and tp.day < settings.sd_min_days:
            reasons.append(
                f"{candidate} on {tp.date} (day {tp.day}) is before the SD minimum of "
                f"{settings.sd_min_days} days: counts as NE"
            )
            candidate = "NE"
        if RANK[candidate] > best[0]:
            best = (RANK[candidate], candidate, tp, confirmed_by)
    _, response, at, confirmed_by = best
    if at is None:
        reasons.append("no post-baseline assessment: NE")
    else:
        mode = "confirmation required" if required else "no confirmation required"
        reasons.append(f"best overall response {response} on {at.date} ({mode})")
    return BestOverallResponse(
        response=response,
        confirmation_required=required,
        date=at.date if at is not None else None,
        confirmed_on=confirmed_by.date if confirmed_by is not None else None,
        reasons=reasons,
    )
