"""PFS, OS and DOR derived from dated events, with declared censoring rules.

Sources: FDA Guidance for Industry, Clinical Trial Endpoints for the Approval of Cancer
Drugs and Biologics (December 2018), its table "PFS date of progression or censoring"
(cited below as "FDA table" with the situation's words); EMA Appendix 1 to the guideline
on the evaluation of anticancer medicinal products (methodological consideration for
using PFS); RECIST 1.1 (Eisenhauer 2009) section 4.6 for the duration of response.

Times run from the reference date (CAR-T infusion, in place of the FDA table's
randomization) for PFS and OS, from the first CR/PR for DOR, and are elapsed days
``end - start`` (add 1 for the ADaM ``ADT - STARTDT + 1`` convention). An *adequate*
assessment is one whose overall response is not NE. A progression is dated by its
assessment's ``progression_date`` when the scans of one assessment were done on different
days (FDA table, "progression documented between scheduled visits": the earliest scan
that shows it), else by the assessment's date.

PFS (and DOR, from the response date), the first matching rule applies:

1. ``no-baseline``: no baseline tumour assessment: censored at the start (FDA table, "no
   baseline tumor assessments"), even after a death.
2. ``withdrawal`` / ``new-therapy``: withdrawal from follow-up (consent withdrawn, lost to
   follow-up), or new anticancer therapy, before progression or death: censored at the
   last adequate assessment on or before its date (the start date if none) (FDA table,
   "new anticancer treatment started"; "no progression"). The earlier of the two names it.
3. ``missed-assessments``: the event more than ``missed_assessments`` x
   ``assessment_interval_days`` after the last adequate assessment (or the start date):
   censored at that assessment (FDA table, "death or progression after more than one
   missed visit"; the number and the interval are the protocol's).
4. ``progression``: event at the first PD (its progression date).
5. ``death``: death without progression: event at the death date (FDA table, "death
   before first PD assessment", "death between adequate assessment visits").
6. ``symptomatic-deterioration``: only when ``symptomatic_deterioration_is_event``: an
   event at its date. By default symptomatic deterioration without radiological
   progression is recorded in the result's ``notes`` and is not an event (FDA 2018:
   clinical progression is not part of the radiological PFS definition unless the protocol
   defines it; EMA Appendix 1 likewise).
7. ``no-assessment``: no adequate post-baseline assessment, no event: censored at the start.
8. ``censored``: no progression or death: censored at the last adequate assessment.

OS: ``death`` (event at the death date), else ``withdrawn`` (censored at the withdrawal
date, when that is the last date the subject was known alive), else ``alive`` (censored
at the last date known alive: the latest of the last contact and the last assessment).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cartrial.errors import InputError

__all__ = [
    "CENSORING_RULES",
    "DatedResponse",
    "DerivedTime",
    "SubjectFollowUp",
    "SurvivalSettings",
    "derive_dor",
    "derive_os",
    "derive_pfs",
]

Endpoint = Literal["PFS", "OS", "DOR"]

CENSORING_RULES: dict[str, str] = {
    "no-baseline": "no baseline tumour assessment: censored at the start (FDA 2018 table)",
    "withdrawal": "withdrawn from follow-up before progression or death: censored at the "
    "last adequate assessment on or before the withdrawal date",
    "new-therapy": "new anticancer therapy before progression or death: censored at the "
    "last adequate assessment on or before its start",
    "missed-assessments": "progression or death after missed assessments: "
    "censored at the last adequate assessment before it",
    "progression": "progression: event at the earliest scan of the first PD assessment",
    "death": "death (for PFS and DOR: before any progression): event at the death date",
    "symptomatic-deterioration": "symptomatic deterioration without radiological "
    "progression, an event by the protocol: event at its date",
    "no-assessment": "no adequate post-baseline assessment and no death: censored at the start",
    "censored": "no progression or death: censored at the last adequate assessment",
    "alive": "alive: censored at the last date known alive",
    "withdrawn": "withdrawn from follow-up, alive: censored at the withdrawal date",
}
EVENT_RULES = frozenset({"progression", "death", "symptomatic-deterioration"})


class SurvivalSettings(BaseModel):
    """Protocol parameters of the time-to-event derivations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assessment_interval_days: int = Field(default=56, ge=1, le=365)
    missed_assessments: int = Field(default=2, ge=1, le=10)
    symptomatic_deterioration_is_event: bool = False


class DatedResponse(BaseModel):
    """One assessment's overall response (RECIST 1.1 or iRECIST mapped to RECIST words).

    ``progression_date``: for a PD assessment whose scans were done on different days, the
    earliest scan that shows the progression (on or before ``date``).
    """

    model_config = ConfigDict(frozen=True)

    date: dt.date
    response: Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
    progression_date: dt.date | None = None

    @model_validator(mode="after")
    def _progression_dated_within(self) -> DatedResponse:
        if self.progression_date is None:
            return self
        if self.response != "PD":
            raise InputError(
                "progression_date",
                self.progression_date.isoformat(),
                f"no progression date on a {self.response} assessment ({self.date})",
            )
        if self.progression_date > self.date:
            raise InputError(
                "progression_date",
                self.progression_date.isoformat(),
                f"a date on or before its assessment's date {self.date}",
            )
        return self

    @property
    def event_date(self) -> dt.date:
        return self.progression_date or self.date


DATE_FIELDS = (
    "death_date",
    "last_known_alive_date",
    "new_anticancer_therapy_date",
    "withdrawal_date",
    "symptomatic_deterioration_date",
)


class SubjectFollowUp(BaseModel):
    """What the derivations need of one subject."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject_id: str = Field(min_length=1)
    reference_date: dt.date
    dose_level: str | None = None
    tumour_type: str | None = None
    assessments: list[DatedResponse] = Field(default_factory=list)
    death_date: dt.date | None = None
    last_known_alive_date: dt.date | None = None
    new_anticancer_therapy_date: dt.date | None = None
    withdrawal_date: dt.date | None = None
    symptomatic_deterioration_date: dt.date | None = None
    baseline_assessed: bool = True

    @model_validator(mode="after")
    def _dates_after_reference(self) -> SubjectFollowUp:
        for name in DATE_FIELDS:
            value = getattr(self, name)
            if value is not None and value < self.reference_date:
                raise InputError(
                    name,
                    value.isoformat(),
                    f"a date on or after the reference date {self.reference_date}",
                    source=f"subject {self.subject_id}",
                )
        previous = self.reference_date
        for i, a in enumerate(self.assessments):
            if a.date <= previous:
                raise InputError(
                    f"assessments[{i}].date",
                    a.date.isoformat(),
                    f"a date after {previous} (the reference date or the previous assessment)",
                    source=f"subject {self.subject_id}",
                )
            previous = a.date
        return self


class DerivedTime(BaseModel):
    """A derived time-to-event with the rule that produced it."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    endpoint: Endpoint
    start_date: dt.date
    end_date: dt.date
    days: int
    event: bool
    rule: str
    reason: str
    notes: list[str] = []


def _result(
    subject: SubjectFollowUp,
    endpoint: Endpoint,
    start: dt.date,
    end: dt.date,
    rule: str,
    detail: str = "",
) -> DerivedTime:
    return DerivedTime(
        subject_id=subject.subject_id,
        endpoint=endpoint,
        start_date=start,
        end_date=end,
        days=(end - start).days,
        event=rule in EVENT_RULES,
        rule=rule,
        reason=CENSORING_RULES[rule] + (f" ({detail})" if detail else ""),
    )


def _progression_free(
    subject: SubjectFollowUp, endpoint: Endpoint, start: dt.date, settings: SurvivalSettings
) -> DerivedTime:
    result = _progression_free_rule(subject, endpoint, start, settings)
    deterioration = subject.symptomatic_deterioration_date
    if deterioration is None or result.rule == "symptomatic-deterioration":
        return result
    why = (
        f"an event by the protocol, but {result.rule} decides first"
        if settings.symptomatic_deterioration_is_event
        else "not an event (symptomatic_deterioration_is_event is false; FDA 2018, EMA Appendix 1)"
    )
    note = f"symptomatic deterioration on {deterioration} recorded: {why}"
    return result.model_copy(update={"notes": [note]})


def _progression_free_rule(
    subject: SubjectFollowUp, endpoint: Endpoint, start: dt.date, settings: SurvivalSettings
) -> DerivedTime:
    if not subject.baseline_assessed:
        return _result(subject, endpoint, start, start, "no-baseline")
    after = [a for a in subject.assessments if a.date > start]
    adequate = [a for a in after if a.response != "NE"]
    first_pd = next((a for a in after if a.response == "PD"), None)
    events: dict[str, dt.date] = {}
    if first_pd is not None:
        events["progression"] = first_pd.event_date
    if subject.death_date is not None:
        events["death"] = subject.death_date
    deterioration = subject.symptomatic_deterioration_date
    if settings.symptomatic_deterioration_is_event and deterioration is not None:
        events["symptomatic-deterioration"] = deterioration
    event_date = min(events.values()) if events else None
    stops = {
        rule: d
        for rule, d in (
            ("withdrawal", subject.withdrawal_date),
            ("new-therapy", subject.new_anticancer_therapy_date),
        )
        if d is not None and (event_date is None or d < event_date)
    }
    if stops:
        rule = min(stops, key=lambda k: stops[k])
        before = [a.date for a in adequate if a.date <= stops[rule]]
        return _result(subject, endpoint, start, before[-1] if before else start, rule)
    if event_date is not None:
        before = [a.date for a in adequate if a.date < event_date]
        last = before[-1] if before else start
        window = settings.missed_assessments * settings.assessment_interval_days
        if (event_date - last).days > window:
            detail = (
                f"{(event_date - last).days} days after {last} > {settings.missed_assessments} "
                f"x {settings.assessment_interval_days} days"
            )
            return _result(subject, endpoint, start, last, "missed-assessments", detail)
        rule = next(
            k
            for k in ("progression", "death", "symptomatic-deterioration")
            if events.get(k) == event_date
        )
        return _result(subject, endpoint, start, event_date, rule)
    if not adequate:
        return _result(subject, endpoint, start, start, "no-assessment")
    return _result(subject, endpoint, start, adequate[-1].date, "censored")


def derive_pfs(
    subject: SubjectFollowUp, *, settings: SurvivalSettings | None = None
) -> DerivedTime:
    """Progression-free survival from the reference date (rules 1-6 of the module docstring).

    >>> s = SubjectFollowUp(subject_id="1", reference_date=dt.date(2026, 1, 1),
    ...     assessments=[DatedResponse(date=dt.date(2026, 2, 26), response="SD"),
    ...                  DatedResponse(date=dt.date(2026, 4, 23), response="PD")])
    >>> pfs = derive_pfs(s)
    >>> pfs.days, pfs.event, pfs.rule
    (112, True, 'progression')
    """
    return _progression_free(subject, "PFS", subject.reference_date, settings or SurvivalSettings())


def derive_dor(
    subject: SubjectFollowUp,
    *,
    response_date: dt.date | None,
    settings: SurvivalSettings | None = None,
) -> DerivedTime | None:
    """Duration of response from ``response_date`` (the first CR/PR of a responder), by the
    PFS rules; ``None`` for a non-responder (RECIST 1.1 section 4.6)."""
    if response_date is None:
        return None
    return _progression_free(subject, "DOR", response_date, settings or SurvivalSettings())


def derive_os(subject: SubjectFollowUp) -> DerivedTime:
    """Overall survival from the reference date: death is an event, else censored alive
    (``withdrawn`` when the withdrawal date is the last date known alive)."""
    if subject.death_date is not None:
        return _result(subject, "OS", subject.reference_date, subject.death_date, "death")
    known = [subject.reference_date]
    known += [a.date for a in subject.assessments]
    if subject.last_known_alive_date is not None:
        known.append(subject.last_known_alive_date)
    withdrawn = subject.withdrawal_date
    if withdrawn is not None and withdrawn >= max(known):
        return _result(subject, "OS", subject.reference_date, withdrawn, "withdrawn")
    return _result(subject, "OS", subject.reference_date, max(known), "alive")
