"""ASTCT consensus grading of CRS and ICANS.

Source: Lee DW et al., "ASTCT Consensus Grading for Cytokine Release Syndrome and
Neurologic Toxicity Associated with Immune Effector Cells", Biol Blood Marrow
Transplant 2019;25:625-638, Table 3 (CRS) and Table 5/6 (ICE score, ICANS for
adults and children >= 12 y). Digest with boundary readings in
``shared/design/CLINICAL_RULES.md`` section 3.

CRS (per evaluation time, then the worst per day and overall):

1. Fever is temperature >= 38.0 °C; CRS begins at the first fever (onset).
   From onset on, a day with a fever makes every evaluation time of that day
   eligible; the fever's magnitude never changes the grade.
2. Fever is no longer required once CRS has begun (first fever) and an
   antipyretic, tocilizumab, a corticosteroid or another anti-cytokine agent
   was given at or after that onset and at or before the evaluation time.
3. Without fever (and not masked) hypotension or hypoxia alone is not CRS.
4. Hypotension: none 0; not needing vasopressors 2; one vasopressor with or
   without vasopressin 3; two or more vasopressors other than vasopressin 4.
5. Hypoxia: low-flow nasal cannula <= 6 L/min or blow-by 2; nasal cannula
   > 6 L/min, high-flow nasal cannula, facemask, non-rebreather, Venturi 3;
   CPAP, BiPAP, mechanical ventilation 4.
6. Fever, hypotension or hypoxia the investigator attributes to another cause
   (``other_cause: true``, e.g. sepsis, pneumonia) is left out.
7. The grade is the more severe of hypotension and hypoxia (1 with fever only);
   death due to CRS is grade 5. Organ toxicities are graded by CTCAE, not here.
   The same temperatures are also graded as the CTCAE v5.0 term Fever
   (``ctcae_fever``, :mod:`cartrial.safety.fever`), for reporting only.

Day boundaries (the carry-forward rule; the issue it settles: a site entering
each day's worst values at a nominal 08:00 had the previous day's worse state
carried into the next morning, over-grading that day and moving the "grade >= 3
not improving within 72 h" DLT clock):

8. A blood-pressure or oxygen reading taken at a real time holds until the next
   reading of its kind, across midnight: no improvement is inferred from
   missing data, which keeps the DLT clock conservative.
9. A reading entered as the day's worst (``daily_worst: true``; temperature,
   blood pressure or oxygen) stands for its whole calendar day: it takes
   effect at 00:00 of its date, whatever nominal time it carries, and so
   replaces from midnight whatever the previous day's readings carried in.
   The next reading of its kind (the next day's entry, or a timed reading
   later the same day) takes over from there. A grade set by daily entries
   therefore starts and ends at midnight: three consecutive days at grade 3
   are 72 h, four are 96 h. Lee 2019 grades a day by the worst of its
   evaluations, which a daily-worst entry is.

ICANS is graded per assessment as the most severe of its domains
(ICE score, depressed level of consciousness, seizure, motor findings, raised
intracranial pressure / cerebral oedema); children under 12 use the CAPD score
instead of ICE (Lee 2019 Table 7). Observation models are in
:mod:`cartrial.safety.astct_input`.

>>> from datetime import datetime
>>> from cartrial.safety.astct_input import BloodPressure, Temperature, Vasopressor
>>> day3 = datetime(2026, 3, 3, 8, 0)
>>> result = grade_crs(observations=[
...     Temperature(kind="temperature", time=day3, celsius=Decimal("39.5")),
...     BloodPressure(kind="blood_pressure", time=day3, hypotension=True,
...                   vasopressors=[Vasopressor(agent="norepinephrine")])])
>>> result.reason
'CRS grade 3: hypotension needing one vasopressor (norepinephrine) on 2026-03-03'
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from cartrial.errors import InputError
from cartrial.safety.astct_input import (
    BloodPressure,
    CrsDeath,
    CrsObservation,
    IcansAssessment,
    Medication,
    Oxygen,
    Temperature,
)
from cartrial.safety.fever import TermGrade, grade_fever
from cartrial.units import format_decimal

__all__ = [
    "ICE_MIN_AGE",
    "DayGrade",
    "GradePoint",
    "IcansScore",
    "SyndromeResult",
    "grade_crs",
    "grade_hypotension",
    "grade_hypoxia",
    "grade_icans",
    "grade_icans_assessment",
    "icans_tool",
]

FEVER_C = Decimal("38.0")
LOW_FLOW_MAX_L_MIN = Decimal(6)
_HIGH_FLOW_DEVICES = {
    "high_flow_nasal_cannula": "high-flow nasal cannula",
    "facemask": "facemask",
    "non_rebreather": "non-rebreather mask",
    "venturi": "Venturi mask",
}
_POSITIVE_PRESSURE = {
    "cpap": "CPAP",
    "bipap": "BiPAP",
    "mechanical_ventilation": "intubation and mechanical ventilation",
}


class GradePoint(BaseModel):
    """The grade in force from ``time`` on."""

    time: datetime
    grade: int


class DayGrade(BaseModel):
    date: date
    study_day: int | None
    grade: int
    reason: str


class IcansScore(BaseModel):
    """One ICANS assessment: its grade and the encephalopathy score as structured fields.

    ``tool`` is the encephalopathy instrument used (``ICE`` from age 12, ``CAPD``
    below; Lee 2019 Tables 5-7), ``None`` when neither was done. ``ice_score``
    is the 10-point total (0 when the patient could not perform it, with
    ``ice_unable`` saying why); ``capd_score`` the CAPD total. Both are reported
    whatever domain sets the grade.
    """

    time: datetime
    grade: int
    reason: str
    tool: Literal["ICE", "CAPD"] | None
    ice_score: int | None
    ice_unable: str | None
    capd_score: int | None
    capd_unable: bool
    age_years: int | None


class SyndromeResult(BaseModel):
    """CRS or ICANS over a patient's observations: per day, overall, with the reason."""

    syndrome: str
    patient: str | None
    grade: int
    reason: str
    onset: datetime | None
    onset_day: int | None
    resolved_at: datetime | None
    duration_days: int | None
    days: list[DayGrade]
    timeline: list[GradePoint]
    tocilizumab: bool = False
    corticosteroids: bool = False
    assessments: list[IcansScore] = Field(default_factory=list)
    ctcae_fever: TermGrade | None = None


def grade_hypotension(bp: BloodPressure) -> tuple[int, str]:
    """Hypotension component of CRS (Lee 2019 Table 3; vasopressin never counts as "multiple").

    >>> from cartrial.safety.astct_input import Vasopressor
    >>> grade_hypotension(BloodPressure(kind="blood_pressure", time=datetime(2026, 1, 1, 8),
    ...     hypotension=True, vasopressors=[Vasopressor(agent="norepinephrine"),
    ...                                     Vasopressor(agent="vasopressin")]))
    (3, 'hypotension needing one vasopressor (norepinephrine) with vasopressin')
    """
    if not bp.hypotension:
        return 0, "no hypotension"
    agents = sorted({v.agent.strip().lower() for v in bp.vasopressors})
    others = [a for a in agents if a != "vasopressin"]
    with_vaso = " with vasopressin" if "vasopressin" in agents else ""
    if not agents:
        return 2, "hypotension not needing vasopressors"
    if len(others) >= 2:
        return 4, f"hypotension needing multiple vasopressors ({', '.join(others)}){with_vaso}"
    if not others:
        return 3, "hypotension needing one vasopressor (vasopressin)"
    return 3, f"hypotension needing one vasopressor ({others[0]}){with_vaso}"


def grade_hypoxia(o2: Oxygen) -> tuple[int, str]:
    """Hypoxia component of CRS: oxygen device and flow (low-flow is <= 6 L/min, Lee 2019).

    >>> grade_hypoxia(Oxygen(kind="oxygen", time=datetime(2026, 1, 1, 8),
    ...                      device="nasal_cannula", flow_l_min=Decimal("6.5")))
    (3, 'hypoxia needing high-flow oxygen (nasal cannula 6.5 L/min > 6 L/min)')
    """
    if o2.device == "none":
        return 0, "no supplemental oxygen"
    if o2.device == "blow_by":
        return 2, "hypoxia needing blow-by oxygen"
    if o2.device == "nasal_cannula":
        flow = o2.flow_l_min if o2.flow_l_min is not None else Decimal(0)
        text = f"nasal cannula {format_decimal(flow)} L/min"
        if flow > LOW_FLOW_MAX_L_MIN:
            return 3, f"hypoxia needing high-flow oxygen ({text} > 6 L/min)"
        return 2, f"hypoxia needing low-flow oxygen ({text} <= 6 L/min)"
    if o2.device in _HIGH_FLOW_DEVICES:
        return 3, f"hypoxia needing {_HIGH_FLOW_DEVICES[o2.device]}"
    return 4, f"hypoxia needing positive pressure ({_POSITIVE_PRESSURE[o2.device]})"


def _study_day(day: date, infusion: datetime | None) -> int | None:
    return None if infusion is None else (day - infusion.date()).days


def _day_label(day: date, infusion: datetime | None) -> str:
    study = _study_day(day, infusion)
    return str(day) if study is None else f"day {study}"


def _midnight(day: date, like: datetime) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=like.tzinfo)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _effective(o: CrsObservation) -> CrsObservation:
    """A daily-worst entry as of 00:00 of its day (rule 9); other observations unchanged."""
    if isinstance(o, Temperature | BloodPressure | Oxygen) and o.daily_worst:
        return o.model_copy(update={"time": _midnight(o.time.date(), o.time)})
    return o


def grade_crs(
    *,
    observations: Sequence[CrsObservation],
    infusion: datetime | None = None,
    patient: str | None = None,
) -> SyndromeResult:
    """Grade CRS per day and overall from time-stamped observations (steps in the module doc)."""
    obs = sorted((_effective(o) for o in observations), key=lambda o: o.time)
    if not obs:
        return _empty("CRS", patient, "no CRS: no observations")
    fevers = [
        o
        for o in obs
        if isinstance(o, Temperature) and o.celsius_value >= FEVER_C and not o.other_cause
    ]
    fever_days = {o.time.date() for o in fevers}
    first_fever = fevers[0].time if fevers else None
    masking = [
        o
        for o in obs
        if isinstance(o, Medication) and first_fever is not None and o.time >= first_fever
    ]
    bp: BloodPressure | None = None
    o2: Oxygen | None = None
    days: list[DayGrade] = []
    timeline: list[GradePoint] = []
    for day in _days(obs[0].time.date(), obs[-1].time.date()):
        label = _day_label(day, infusion)
        todays = [o for o in obs if o.time.date() == day]
        temps = [o.celsius_value for o in todays if isinstance(o, Temperature)]
        best = (0, "")
        note_no_fever = ""
        times = [_midnight(day, obs[0].time), *sorted({o.time for o in todays})]
        for point_time in times:
            here = [o for o in todays if o.time == point_time]
            bp = next((o for o in here if isinstance(o, BloodPressure)), bp)
            o2 = next((o for o in here if isinstance(o, Oxygen)), o2)
            bp = None if bp is not None and bp.other_cause else bp
            o2 = None if o2 is not None and o2.other_cause else o2
            if any(isinstance(o, CrsDeath) and o.due_to_crs for o in here):
                grade, text = 5, f"death due to CRS on {label}"
            else:
                parts = [
                    grade_hypotension(bp) if bp else (0, ""),
                    grade_hypoxia(o2) if o2 else (0, ""),
                ]
                organ = max(g for g, _ in parts)
                masked = next((m for m in masking if m.time <= point_time), None)
                started = first_fever is not None and point_time >= first_fever
                grade, text = 0, ""
                if started and (day in fever_days or masked is not None):
                    grade = max(organ, 1 if day in fever_days else 0)
                    if organ > 0:
                        text = " and ".join(t for g, t in parts if g == organ) + f" on {label}"
                        if day not in fever_days and masked is not None:
                            text += f" (fever not required: {masked.agent} given after CRS onset)"
                    elif grade == 1:
                        text = f"fever {format_decimal(max(temps))} °C on {label}"
                elif organ > 0:
                    note_no_fever = (
                        f"{' and '.join(t for g, t in parts if g > 0)} without fever and without "
                        "prior CRS treated with antipyretic or anti-cytokine therapy is not CRS"
                    )
            if grade > best[0]:
                best = (grade, text)
            if not timeline or timeline[-1].grade != grade:
                timeline.append(GradePoint(time=point_time, grade=grade))
        if best[0] > 0:
            reason = f"CRS grade {best[0]}: {best[1]}"
        elif note_no_fever:
            reason = f"no CRS on {label}: {note_no_fever}"
        else:
            reason = f"no CRS on {label}: no fever >= 38.0 °C"
        days.append(
            DayGrade(date=day, study_day=_study_day(day, infusion), grade=best[0], reason=reason)
        )
    meds = [o for o in obs if isinstance(o, Medication)]
    result = _summarise(
        "CRS",
        patient,
        days,
        timeline,
        infusion,
        tocilizumab=any(m.category == "tocilizumab" for m in meds),
        corticosteroids=any(m.category == "corticosteroid" for m in meds),
    )
    # The same temperatures graded as the CTCAE v5.0 term Fever (cartrial.safety.fever).
    return result.model_copy(update={"ctcae_fever": grade_fever(observations)})


def grade_icans_assessment(a: IcansAssessment) -> tuple[int, str]:
    """ICANS grade of one assessment: the most severe domain (Lee 2019 Table 6, adults >= 12 y).

    >>> from cartrial.safety.astct_input import IceScore
    >>> grade_icans_assessment(IcansAssessment(time=datetime(2026, 1, 1, 8),
    ...     ice=IceScore(orientation=2, naming=3, commands=1, writing=0, attention=0)))
    (2, 'ICE score 6/10 (3-6)')
    """
    domains: list[tuple[int, str]] = [(0, "")]
    if a.death_due_to_icans:
        return 5, "death due to ICANS"
    if a.ice_unable == "unarousable":
        if a.consciousness not in ("unarousable", "stupor", "coma"):
            domains.append((4, "unarousable and unable to perform ICE"))
    elif a.ice_unable == "global_aphasia":
        domains.append((3, "ICE score 0/10 (awake with global aphasia)"))
    elif a.ice is not None:
        score = a.ice.total
        band = next(g for g, low in ((1, 7), (2, 3), (3, 0)) if score >= low)
        if score < 10:
            span = {1: "7-9", 2: "3-6", 3: "0-2"}[band]
            domains.append((band, f"ICE score {score}/10 ({span})"))
    if a.capd_unable:
        domains.append((4, "unable to perform CAPD"))
    elif a.capd is not None:
        # Lee 2019 Table 7 (< 12 y): CAPD 1-8 grade 1 or 2 (consciousness decides), >= 9 grade 3.
        band = 3 if a.capd >= 9 else 1
        domains.append((band, f"CAPD score {a.capd} ({'>= 9' if band == 3 else '1-8'})"))
    if a.consciousness not in (None, "alert") and not a.consciousness_other_cause:
        level = {
            "awakens_spontaneously": (1, "depressed consciousness, awakens spontaneously"),
            "awakens_to_voice": (2, "depressed consciousness, awakens to voice"),
            "awakens_to_tactile": (3, "depressed consciousness, awakens only to tactile stimulus"),
            "unarousable": (4, "unarousable or needing vigorous or repetitive tactile stimuli"),
            "stupor": (4, "stupor"),
            "coma": (4, "coma"),
        }
        domains.append(level[a.consciousness])
    if a.seizure is not None:
        s = a.seizure
        kind = {"focal": "focal", "generalised": "generalised", "non_convulsive_eeg": "EEG"}
        if s.duration_min is not None and s.duration_min > 5:
            domains.append((4, f"life-threatening prolonged {kind[s.type]} seizure (> 5 min)"))
        elif not s.returns_to_baseline:
            domains.append((4, f"repetitive {kind[s.type]} seizures without return to baseline"))
        elif s.type == "non_convulsive_eeg":
            domains.append((3, "non-convulsive seizures on EEG resolving with intervention"))
        else:
            domains.append((3, f"{kind[s.type]} clinical seizure resolving rapidly"))
    if a.motor in ("hemiparesis", "paraparesis"):
        domains.append((4, f"deep focal motor weakness ({a.motor})"))
    if a.cerebral_oedema == "diffuse":
        domains.append((4, "diffuse cerebral oedema on neuroimaging"))
    elif a.cerebral_oedema == "focal":
        domains.append((3, "focal/local oedema on neuroimaging"))
    if a.icp_signs:
        domains.append((4, "raised intracranial pressure (" + ", ".join(a.icp_signs) + ")"))
    grade = max(g for g, _ in domains)
    return grade, " and ".join(t for g, t in domains if g == grade and t)


ICE_MIN_AGE = 12
"""ICE from this age (completed years), CAPD below it (Lee 2019, Tables 5-7)."""


def _age_on(birth: date, day: date) -> int:
    """Completed years on ``day`` (a birthday counts on the day itself)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def icans_tool(a: IcansAssessment) -> Literal["ICE", "CAPD"] | None:
    """The encephalopathy tool an assessment used: ICE (or unable), CAPD (or unable), none."""
    if a.ice is not None or a.ice_unable is not None:
        return "ICE"
    if a.capd is not None or a.capd_unable:
        return "CAPD"
    return None


def _check_tool(a: IcansAssessment, index: int, age: int | None, developmental_delay: bool) -> None:
    """Refuse ICE below age 12 and CAPD from 12 (unless developmentally delayed), Lee 2019."""
    tool = icans_tool(a)
    if age is None or tool is None:
        return
    if tool == "ICE" and age < ICE_MIN_AGE:
        field = "ice" if a.ice is not None else "ice_unable"
        raise InputError(
            f"assessments[{index}].{field}",
            a.ice.total if a.ice is not None else a.ice_unable,
            f"the CAPD score: the patient is {age} years old on {a.time.date()}, and ICE "
            f"applies from age {ICE_MIN_AGE}, CAPD below (Lee 2019 Tables 5-7)",
        )
    if tool == "CAPD" and age >= ICE_MIN_AGE and not developmental_delay:
        field = "capd" if a.capd is not None else "capd_unable"
        raise InputError(
            f"assessments[{index}].{field}",
            a.capd if a.capd is not None else a.capd_unable,
            f"the ICE score: the patient is {age} years old on {a.time.date()}, and ICE "
            f"applies from age {ICE_MIN_AGE} (CAPD below it, or with developmental delay: "
            "set developmental_delay) (Lee 2019 Tables 5-7)",
        )


def _score(a: IcansAssessment, grade: int, reason: str, age: int | None) -> IcansScore:
    tool = icans_tool(a)
    if age is None and tool is not None:
        reason = f"{reason}; age not given: {tool} accepted without checking the age"
    return IcansScore(
        time=a.time,
        grade=grade,
        reason=reason,
        tool=tool,
        ice_score=a.ice.total if a.ice is not None else (0 if a.ice_unable else None),
        ice_unable=a.ice_unable,
        capd_score=a.capd,
        capd_unable=a.capd_unable,
        age_years=age,
    )


def grade_icans(
    *,
    assessments: Sequence[IcansAssessment],
    infusion: datetime | None = None,
    patient: str | None = None,
    birth_date: date | None = None,
    age_years: int | None = None,
    developmental_delay: bool = False,
) -> SyndromeResult:
    """Grade ICANS per assessment, per day (worst of the day) and overall.

    The patient's age (``birth_date``, counted at each assessment, or
    ``age_years``) decides the tool: an ICE score below age 12, or a CAPD score
    from 12 without ``developmental_delay``, is an :class:`InputError` naming the
    assessment (Lee 2019: ICE for adults and children >= 12 years, CAPD for
    children < 12). Every assessment's ICE or CAPD score is reported in
    ``assessments`` (:class:`IcansScore`).
    """
    if birth_date is not None and age_years is not None:
        raise InputError("age_years", age_years, "either birth_date or age_years, not both")
    indexed = sorted(enumerate(assessments), key=lambda ia: ia[1].time)
    if not indexed:
        return _empty("ICANS", patient, "no ICANS: no assessments")
    scores: list[IcansScore] = []
    graded: list[tuple[IcansAssessment, int, str]] = []
    for index, a in indexed:
        age = _age_on(birth_date, a.time.date()) if birth_date is not None else age_years
        _check_tool(a, index, age, developmental_delay)
        grade, text = grade_icans_assessment(a)
        graded.append((a, grade, text))
        scores.append(_score(a, grade, text or "no ICANS domain affected", age))
    ordered = [a for _, a in indexed]
    timeline: list[GradePoint] = []
    for a, grade, _ in graded:
        if not timeline or timeline[-1].grade != grade:
            timeline.append(GradePoint(time=a.time, grade=grade))
    days = []
    for day in sorted({a.time.date() for a in ordered}):
        label = _day_label(day, infusion)
        todays = [(g, t) for a, g, t in graded if a.time.date() == day]
        grade, text = max(todays, key=lambda gt: gt[0])
        notes = sorted({n for a, _, _ in graded if a.time.date() == day for n in a.not_icans})
        if grade:
            reason = f"ICANS grade {grade}: {text} on {label}"
        else:
            reason = f"no ICANS on {label}: ICE 10/10 and no neurological domain affected"
        if notes:
            reason += " (" + "; ".join(notes) + ")"
        days.append(
            DayGrade(date=day, study_day=_study_day(day, infusion), grade=grade, reason=reason)
        )
    result = _summarise("ICANS", patient, days, timeline, infusion)
    return result.model_copy(update={"assessments": scores})


def _empty(syndrome: str, patient: str | None, reason: str) -> SyndromeResult:
    return SyndromeResult(
        syndrome=syndrome,
        patient=patient,
        grade=0,
        reason=reason,
        onset=None,
        onset_day=None,
        resolved_at=None,
        duration_days=None,
        days=[],
        timeline=[],
    )


def _summarise(
    syndrome: str,
    patient: str | None,
    days: list[DayGrade],
    timeline: list[GradePoint],
    infusion: datetime | None,
    *,
    tocilizumab: bool = False,
    corticosteroids: bool = False,
) -> SyndromeResult:
    worst = max(days, key=lambda d: d.grade)
    positive = [p for p in timeline if p.grade > 0]
    if not positive:
        result = _empty(syndrome, patient, f"no {syndrome}: {worst.reason.split(': ', 1)[-1]}")
        return result.model_copy(
            update={
                "days": days,
                "timeline": timeline,
                "tocilizumab": tocilizumab,
                "corticosteroids": corticosteroids,
            }
        )
    onset = positive[0].time
    last_positive = max(i for i, p in enumerate(timeline) if p.grade > 0)
    after = timeline[last_positive + 1 :]
    resolved_at = after[0].time if after else None
    last_day = max(d.date for d in days if d.grade > 0)
    return SyndromeResult(
        syndrome=syndrome,
        patient=patient,
        grade=worst.grade,
        reason=worst.reason,
        onset=onset,
        onset_day=_study_day(onset.date(), infusion),
        resolved_at=resolved_at,
        duration_days=(last_day - onset.date()).days + 1,
        days=days,
        timeline=timeline,
        tocilizumab=tocilizumab,
        corticosteroids=corticosteroids,
    )
