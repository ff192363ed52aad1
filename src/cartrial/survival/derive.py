"""PFS, OS and DOR derived from dated events, with declared censoring rules.

Sources: FDA Guidance for Industry, Clinical Trial Endpoints for the Approval of Cancer
Drugs and Biologics (2018), its appendix of PFS event and censoring conventions; EMA
Appendix 1 to the guideline on the evaluation of anticancer medicinal products (methodological
consideration for using PFS); RECIST 1.1 (Eisenhauer 2009) section 4.6 for the duration of
response. The rule list below is the issue's ("the usual ones"); each is a protocol choice.

Times run from the reference date (CAR-T infusion) for PFS and OS, from the first CR/PR
for DOR, and are elapsed days ``end - start`` (add 1 for the ADaM ``ADT - STARTDT + 1``
convention). An *adequate* assessment is one whose overall response is not NE.

PFS (and DOR, from the response date), the first matching rule applies:

1. ``new-therapy``: new anticancer therapy before progression or death: censored at the
   last adequate assessment on or before the therapy start (the start date if none).
2. ``missed-assessments``: progression or death more than ``missed_assessments`` x
   ``assessment_interval_days`` after the last adequate assessment (or the start date):
   censored at that assessment (or the start date).
3. ``progression``: event at the first PD assessment.
4. ``death``: death without progression: event at the death date.
5. ``no-assessment``: no adequate post-baseline assessment, no death: censored at the start.
6. ``censored``: no progression or death: censored at the last adequate assessment.

OS: ``death`` (event at the death date), else ``alive`` (censored at the last date the
subject was known alive: the latest of the last contact and the last assessment).
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
    "new-therapy": "new anticancer therapy before progression or death: censored at the "
    "last adequate assessment on or before its start",
    "missed-assessments": "progression or death after two or more missed assessments: "
    "censored at the last adequate assessment before it",
    "progression": "progression: event at the first PD assessment",
    "death": "death without progression: event at the death date",
    "no-assessment": "no adequate post-baseline assessment and no death: censored at the start",
    "censored": "no progression or death: censored at the last adequate assessment",
    "alive": "alive: censored at the last date known alive",
}


class SurvivalSettings(BaseModel):
    """Protocol parameters of the time-to-event derivations."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assessment_interval_days: int = Field(default=56, ge=1, le=365)
    missed_assessments: int = Field(default=2, ge=1, le=10)


class DatedResponse(BaseModel):
    """One assessment's overall response (RECIST 1.1 or iRECIST mapped to RECIST words)."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    response: Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]


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

    @model_validator(mode="after")
    def _dates_after_reference(self) -> SubjectFollowUp:
        for name in ("death_date", "last_known_alive_date", "new_anticancer_therapy_date"):
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


def _result(
    subject: SubjectFollowUp, endpoint: Endpoint, start: dt.date, end: dt.date, rule: str
) -> DerivedTime:
    return DerivedTime(
        subject_id=subject.subject_id,
        endpoint=endpoint,
        start_date=start,
        end_date=end,
        days=(end - start).days,
        event=rule in ("progression", "death"),
        rule=rule,
        reason=CENSORING_RULES[rule],
    )


def _progression_free(
    subject: SubjectFollowUp, endpoint: Endpoint, start: dt.date, settings: SurvivalSettings
) -> DerivedTime:
    after = [a for a in subject.assessments if a.date > start]
    adequate = [a for a in after if a.response != "NE"]
    pd_date = next((a.date for a in after if a.response == "PD"), None)
    death = subject.death_date
    candidates = [d for d in (pd_date, death) if d is not None]
    event_date = min(candidates) if candidates else None
    therapy = subject.new_anticancer_therapy_date
    if therapy is not None and (event_date is None or therapy < event_date):
        before = [a.date for a in adequate if a.date <= therapy]
        return _result(subject, endpoint, start, before[-1] if before else start, "new-therapy")
    if event_date is not None:
        before = [a.date for a in adequate if a.date < event_date]
        last = before[-1] if before else start
        if (
            event_date - last
        ).days > settings.missed_assessments * settings.assessment_interval_days:
            return _result(subject, endpoint, start, last, "missed-assessments")
        rule = "progression" if event_date == pd_date else "death"
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
    """Overall survival from the reference date: death is an event, else censored alive."""
    if subject.death_date is not None:
        return _result(subject, "OS", subject.reference_date, subject.death_date, "death")
    known = [subject.reference_date]
    known += [a.date for a in subject.assessments]
    if subject.last_known_alive_date is not None:
        known.append(subject.last_known_alive_date)
    return _result(subject, "OS", subject.reference_date, max(known), "alive")
