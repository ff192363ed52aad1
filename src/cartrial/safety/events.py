"""Adverse-event records and their classification: TEAE, TRAE, SAE, AESI.

Sources: ICH E2A (seriousness criteria: death, life-threatening,
hospitalisation, disability, congenital anomaly, important medical event);
TEAE window conventions of CAR-T trials digested in
``shared/design/CLINICAL_RULES.md`` ("Treatment-emergent AE windows"): the
protocol's window starts at its anchor (first lymphodepleting dose or CAR-T
infusion) and ends ``N`` days after infusion.

Rules (:func:`classify_adverse_events`):

0. The AE's term is looked up in the CTCAE v5.0 table (all 837 NCI terms and
   cartrial's own); a name that is in neither is accepted with the
   investigator's grade, the SOC given on the record (``soc``) and the note
   "term not in CTCAE v5.0: investigator grade used" (``term_note``;
   :meth:`cartrial.safety.ctcae.CtcaeTable.for_adverse_event`).

1. Study day = calendar date minus infusion date (infusion is day 0).
2. TEAE: onset at or after the window start (date-time) and on or before
   study day ``N`` (day 30 of a 30-day window is in, day 31 out); or an AE
   that began before the start (pre-existing) and worsened in grade within
   the window: its grade at the start is its baseline, any later higher grade
   is a worsening.
3. TRAE: relatedness to the CAR-T product at or above the threshold (default
   ``possible``; order unrelated < unlikely < possible < probable < definite).
   Relatedness to lymphodepletion is reported beside it.
4. SAE: any seriousness criterion.
5. AESI: the AE's CTCAE term (or alias) is on the protocol's AESI list; a
   haematological term still at grade >= 3 after day 30 matches an entry that
   names cytopenia (prolonged cytopenia, "grade >= 3 not resolved by day 30" of
   the CAR-T USPIs); or the investigator flagged a category on the record.
   An infection term matches an AESI entry that names infections, with the
   entry's own qualifiers: an entry that says "serious" takes an infection
   meeting any ICH E2A seriousness criterion, one that says "opportunistic"
   takes an infection whose pathogen (and presentation) is on the declared list
   of :mod:`cartrial.safety.infections` or that the investigator declared
   opportunistic; "serious or opportunistic" (uclm802, CLINICAL_RULES section 4)
   takes either. An entry naming infections without a qualifier takes every
   infection. ``aesi_reason`` says which rule flagged the AE (or why an
   infection was not flagged).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from cartrial.errors import InputError
from cartrial.protocol.model import Aesi, Window
from cartrial.safety.astct import SyndromeResult
from cartrial.safety.ctcae import LabRecord, load_ctcae
from cartrial.safety.infections import opportunistic_reason
from cartrial.safety.inputs import InputModel, Timestamp

__all__ = [
    "RELATEDNESS",
    "AdverseEvent",
    "AeFlags",
    "Death",
    "GradeChange",
    "PatientSafety",
    "SafetyFile",
    "classify_adverse_events",
    "derive_syndrome_ae",
    "is_related",
    "study_day",
]

Relatedness = Literal["unrelated", "unlikely", "possible", "probable", "definite"]
RELATEDNESS: tuple[Relatedness, ...] = ("unrelated", "unlikely", "possible", "probable", "definite")
Seriousness = Literal[
    "death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
]


class GradeChange(InputModel):
    """The AE's grade from ``time`` on (0 = resolved)."""

    time: Timestamp
    grade: int = Field(ge=0, le=5)


class AdverseEvent(InputModel):
    id: str = Field(min_length=1)
    term: str = Field(min_length=1)
    verbatim: str | None = None
    onset: Timestamp
    resolution: Timestamp | None = None
    grade: int = Field(ge=1, le=5)
    grade_course: list[GradeChange] = Field(default_factory=list)
    serious: list[Seriousness] = Field(default_factory=list)
    related_product: Relatedness = "unrelated"
    related_lymphodepletion: Relatedness = "unrelated"
    action_taken: str | None = None
    outcome: (
        Literal[
            "recovered",
            "recovering",
            "not_recovered",
            "recovered_with_sequelae",
            "fatal",
            "unknown",
        ]
        | None
    ) = None
    attributed_to_disease: bool = False
    attributable_to_crs: bool = False
    aesi_category: str | None = None
    pathogen: str | None = None
    presentation: str | None = None
    opportunistic: bool = False
    soc: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AdverseEvent:
        if self.resolution is not None and self.resolution < self.onset:
            raise ValueError("'resolution' is before 'onset'")
        if self.grade_course:
            if any(c.time < self.onset for c in self.grade_course):
                raise ValueError("every 'grade_course' time must be at or after 'onset'")
            worst = max(c.grade for c in self.grade_course)
            if worst != self.grade:
                raise ValueError(
                    f"'grade' {self.grade} is not the worst grade_course grade {worst}"
                )
        return self

    def course(self) -> list[GradeChange]:
        """Grade changes in time order: the recorded course, or onset grade then resolution."""
        points = sorted(self.grade_course, key=lambda c: c.time) or [
            GradeChange(time=self.onset, grade=self.grade)
        ]
        if self.resolution is not None and points[-1].grade > 0:
            points.append(GradeChange(time=self.resolution, grade=0))
        return points

    def grade_at(self, moment: datetime) -> int:
        """Grade in force at ``moment`` (0 before onset)."""
        grade = 0
        for c in self.course():
            if c.time <= moment:
                grade = c.grade
        return grade


class Death(InputModel):
    time: Timestamp
    cause: Literal["disease_progression", "adverse_event", "other", "unknown"]


class PatientSafety(InputModel):
    id: str = Field(min_length=1)
    dose_level: int | None = Field(default=None, ge=1)
    first_lymphodepletion: Timestamp | None = None
    infusion: Timestamp | None = None
    last_contact: Timestamp | None = None
    withdrawn: Timestamp | None = None
    death: Death | None = None
    adverse_events: list[AdverseEvent] = Field(default_factory=list)
    labs: list[LabRecord] = Field(default_factory=list)


class SafetyFile(InputModel):
    """The patients' safety data: the input of ``safety dlt`` and ``safety tables``."""

    patients: list[PatientSafety] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SafetyFile:
        ids = [p.id for p in self.patients]
        for pid in ids:
            if ids.count(pid) > 1:
                raise ValueError(f"patient id {pid!r} is used twice")
        return self


class AeFlags(BaseModel):
    """One AE with its classification and the reason for each flag."""

    patient: str
    ae_id: str
    term: str
    soc: str
    grade: int
    onset: datetime
    onset_day: int | None
    teae: bool
    teae_reason: str
    trae: bool
    related_lymphodepletion: bool
    sae: bool
    sae_criteria: list[str]
    aesi: str | None
    aesi_reason: str | None = None
    term_note: str | None = None


def study_day(moment: datetime | date, infusion: datetime | None) -> int | None:
    """Day relative to infusion (day 0); ``None`` when not infused."""
    if infusion is None:
        return None
    day = moment.date() if isinstance(moment, datetime) else moment
    return (day - infusion.date()).days


def is_related(value: Relatedness, threshold: Relatedness) -> bool:
    """``value`` at or above ``threshold`` on the 5-point relatedness scale.

    >>> is_related("possible", "possible"), is_related("unlikely", "possible")
    (True, False)
    """
    return RELATEDNESS.index(value) >= RELATEDNESS.index(threshold)


def _window(patient: PatientSafety, window: Window, field: str) -> tuple[datetime, datetime | None]:
    if window.anchor == "first_lymphodepletion":
        if patient.first_lymphodepletion is None:
            raise InputError(
                f"{field}.first_lymphodepletion",
                None,
                "the first lymphodepletion date-time (the protocol's TEAE window starts there)",
            )
        start = patient.first_lymphodepletion
    else:
        if patient.infusion is None:
            raise InputError(f"{field}.infusion", None, "the infusion date-time (TEAE anchor)")
        start = patient.infusion
    end = None
    if patient.infusion is not None:
        last_day = patient.infusion.date() + timedelta(days=window.days_after_infusion)
        end = datetime.combine(last_day, time.max, tzinfo=patient.infusion.tzinfo)
    return start, end


def _teae(ae: AdverseEvent, start: datetime, end: datetime | None, n: int) -> tuple[bool, str]:
    def inside(t: datetime) -> bool:
        return t >= start and (end is None or t <= end)

    if ae.onset >= start:
        if inside(ae.onset):
            return True, f"onset within the TEAE window (through day {n} after infusion)"
        return False, f"onset after the end of the TEAE window (day {n} after infusion)"
    baseline = ae.grade_at(start)
    for c in ae.course():
        if c.grade > baseline and inside(c.time):
            return True, (
                f"pre-existing at grade {baseline} at the window start, worsened to grade "
                f"{c.grade} on {c.time.isoformat()}"
            )
    return False, f"pre-existing (grade {baseline} at the window start) and not worsened in it"


PROLONGED_CYTOPENIA_DAY = 30
"""Cytopenia grade >= 3 not resolved by this day after infusion is "prolonged"
(axicabtagene ciloleucel and tisagenlecleucel USPI, Warnings: Prolonged Cytopenias)."""


def _prolonged_cytopenia(ae: AdverseEvent, infusion: datetime | None) -> bool:
    if infusion is None:
        return False
    day_after = datetime.combine(
        infusion.date() + timedelta(days=PROLONGED_CYTOPENIA_DAY + 1), time.min
    )
    return ae.grade_at(day_after) >= 3


def _infection_qualifies(ae: AdverseEvent, name: str) -> str | None:
    """Why an infection AE meets an AESI entry naming infections (rule 5), or ``None``."""
    serious_needed = "serious" in name
    opportunistic_needed = "opportunistic" in name
    if not serious_needed and not opportunistic_needed:
        return "an infection (the entry names infections without a qualifier)"
    if serious_needed and ae.serious:
        return f"serious ({', '.join(c.replace('_', ' ') for c in ae.serious)})"
    if opportunistic_needed:
        if ae.opportunistic:
            return "declared opportunistic by the investigator"
        return opportunistic_reason(ae.pathogen, ae.presentation)
    return None


def _aesi(
    ae: AdverseEvent,
    term: str,
    infection: bool,
    haem: bool,
    aesi: list[Aesi],
    infusion: datetime | None,
) -> tuple[str | None, str | None]:
    """(AESI category, reason) of one AE under the protocol's list (rule 5)."""
    if ae.aesi_category:
        return ae.aesi_category, "flagged by the investigator"
    table = load_ctcae()
    declined: list[str] = []
    for entry in aesi:
        try:
            canonical = table.find(entry.term).term
        except InputError:
            canonical = entry.term
        name = entry.term.casefold()
        if canonical.casefold() == term.casefold():
            return entry.category, f"{term} is on the protocol's AESI list"
        if infection and "infection" in name:
            why = _infection_qualifies(ae, name)
            if why:
                return entry.category, f"'{entry.term}': {why}"
            declined.append(entry.term)
        if haem and "cytopenia" in name and _prolonged_cytopenia(ae, infusion):
            return entry.category, (
                f"'{entry.term}': grade >= 3 not resolved by day {PROLONGED_CYTOPENIA_DAY}"
            )
    if declined:
        organism = f" ({ae.pathogen})" if ae.pathogen else ""
        return None, (
            f"infection{organism} neither serious nor opportunistic "
            f"(protocol: {', '.join(repr(d) for d in declined)})"
        )
    return None, None


def classify_adverse_events(
    *,
    patient: PatientSafety,
    window: Window,
    aesi: list[Aesi],
    min_relatedness: Relatedness = "possible",
    field: str = "patient",
) -> list[AeFlags]:
    """Flag each AE of ``patient`` as TEAE/TRAE/SAE/AESI (rules in the module docstring)."""
    table = load_ctcae()
    start, end = _window(patient, window, field)
    out = []
    for ae in patient.adverse_events:
        entry = table.for_adverse_event(ae.term, soc=ae.soc)
        teae, why = _teae(ae, start, end, window.days_after_infusion)
        onset_day = study_day(ae.onset, patient.infusion)
        category, aesi_reason = _aesi(
            ae, entry.term, entry.infection, entry.haematological, aesi, patient.infusion
        )
        if onset_day is not None:
            why = f"day {onset_day}: {why}"
        out.append(
            AeFlags(
                patient=patient.id,
                ae_id=ae.id,
                term=entry.term,
                soc=entry.soc,
                grade=ae.grade,
                onset=ae.onset,
                onset_day=onset_day,
                teae=teae,
                teae_reason=why,
                trae=is_related(ae.related_product, min_relatedness),
                related_lymphodepletion=is_related(ae.related_lymphodepletion, min_relatedness),
                sae=bool(ae.serious),
                sae_criteria=list(ae.serious),
                aesi=category,
                aesi_reason=aesi_reason,
                term_note=None if entry.listed else entry.note,
            )
        )
    return out


_SYNDROME_TERMS = {
    "CRS": "Cytokine release syndrome",
    "ICANS": "Immune effector cell-associated neurotoxicity syndrome",
}


def derive_syndrome_ae(
    result: SyndromeResult, *, ae_id: str, related_product: Relatedness = "definite"
) -> AdverseEvent | None:
    """The AE record of a graded CRS or ICANS episode (``None`` when the grade is 0).

    Onset, resolution and the grade course come from the ASTCT grading
    (:mod:`cartrial.safety.astct`), so DLT rules such as "grade >= 3 not
    improving within 72 h" run on the graded observations. One record covers the
    whole observation period; relatedness is the investigator's (default definite).
    """
    if result.grade == 0 or result.onset is None:
        return None
    course = [p for p in result.timeline if p.time >= result.onset]
    return AdverseEvent(
        id=ae_id,
        term=_SYNDROME_TERMS[result.syndrome],
        verbatim=result.reason,
        onset=result.onset,
        resolution=result.resolved_at,
        grade=result.grade,
        grade_course=[GradeChange(time=p.time, grade=p.grade) for p in course],
        related_product=related_product,
    )
