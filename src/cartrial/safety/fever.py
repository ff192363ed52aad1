"""CTCAE v5.0 Fever and Febrile neutropenia, graded from time-stamped temperatures.

Source: National Cancer Institute, Common Terminology Criteria for Adverse
Events (CTCAE) version 5.0, 27 November 2017: "Fever" (General disorders and
administration site conditions) and "Febrile neutropenia" (Blood and lymphatic
system disorders). The temperatures are the CRS observations of
:mod:`cartrial.safety.astct_input` (°C or °F, converted by (°F - 32) x 5/9), so
ASTCT CRS grading and these two terms read the same records. Written here
because no library grades CTCAE clinical terms from vital signs.

Fever (:func:`grade_fever`):

1. Grade 1 38.0-39.0 °C, grade 2 > 39.0-40.0 °C, by the highest temperature
   (CTCAE ranges include their upper edge: 39.0 is grade 1, 40.0 grade 2).
2. Above 40.0 °C: grade 3 for <= 24 h, grade 4 for > 24 h. A run of
   consecutive readings > 40.0 °C lasts from its first reading to the first
   later reading <= 40.0 °C (a reading holds until the next one, the rule of
   CRS readings); a run still above 40.0 at the last reading has lasted at
   least until that reading, and the reason says so.
3. The cause does not matter (``other_cause`` is the ASTCT attribution);
   grade 5 (death) is the investigator's.

Febrile neutropenia (:func:`grade_febrile_neutropenia`):

4. The fever criterion is met at a single temperature > 38.3 °C (101 °F), or
   when consecutive readings all >= 38.0 °C span more than one hour (first to
   last reading; a reading < 38.0 °C ends the run; exactly one hour is not
   more than one hour).
5. The ANC is the one measured nearest in time to that moment within
   :data:`ANC_WINDOW_HOURS` before or after (cartrial's choice, CTCAE does not
   say; a fever work-up draws the count around the fever); ANC < 1.0 x10^9/L
   (< 1000/mm3) with the fever criterion is grade 3. Without an ANC in the
   window the term is not graded and the reason says so.
6. Grade 4 (life-threatening consequences; urgent intervention indicated) and
   grade 5 (death) are clinical: the investigator's ``life_threatening`` and
   ``fatal`` flags raise a grade 3 to them, never create one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from cartrial.safety.astct_input import CRS_TAGS, CrsObservation, Temperature
from cartrial.safety.inputs import InputModel, Timestamp, parse_input
from cartrial.units import check_unit, convert, format_decimal

__all__ = [
    "ANC_WINDOW_HOURS",
    "AncValue",
    "FeverFile",
    "TermGrade",
    "grade_febrile_neutropenia",
    "grade_fever",
    "load_fever_file",
]

FEVER_C = Decimal("38.0")
GRADE2_ABOVE_C = Decimal("39.0")
GRADE3_ABOVE_C = Decimal("40.0")
GRADE4_LONGER_THAN = timedelta(hours=24)
FN_SINGLE_ABOVE_C = Decimal("38.3")
FN_SUSTAINED_LONGER_THAN = timedelta(hours=1)
FN_ANC_BELOW = Decimal("1.0")  # x10^9/L = 1000/mm3
ANC_WINDOW_HOURS = 24
"""An ANC counts for a fever when measured within this many hours of it (either side)."""


class AncValue(InputModel):
    """One absolute neutrophil count, with its unit (any count unit of ``cartrial.units``)."""

    time: Timestamp
    value: Decimal = Field(ge=0, lt=Decimal("1e9"))
    unit: str = Field(min_length=1)


class FeverFile(InputModel):
    """The input of ``cartrial safety grade-fever``: CRS-style observations and ANCs."""

    patient: str | None = None
    observations: list[CrsObservation] = Field(min_length=1)
    anc: list[AncValue] = Field(default_factory=list)
    life_threatening: bool = False
    fatal: bool = False


class TermGrade(BaseModel):
    """A CTCAE v5.0 term graded from observations, with the rule and values behind it."""

    term: str
    grade: int
    reason: str
    time: datetime | None


def load_fever_file(data: Any, *, source: str | None = None) -> FeverFile:
    """Validate a ``grade-fever`` document (see docs/safety.md)."""
    return parse_input(FeverFile, data, source=source, tags=CRS_TAGS)


def _temperatures(observations: Sequence[Any]) -> list[Temperature]:
    return sorted((o for o in observations if isinstance(o, Temperature)), key=lambda o: o.time)


def _shown(t: Temperature) -> str:
    if t.celsius is not None:
        return f"{format_decimal(t.celsius)} °C"
    assert t.fahrenheit is not None
    return f"{format_decimal(t.fahrenheit)} °F ({format_decimal(round(t.celsius_value, 2))} °C)"


def _hours(span: timedelta) -> str:
    return f"{span / timedelta(hours=1):g} h"


def grade_fever(observations: Sequence[Any]) -> TermGrade:
    """CTCAE v5.0 Fever from the temperatures among ``observations`` (rules 1-3)."""
    temps = _temperatures(observations)
    term = "Fever"
    if not temps:
        return TermGrade(term=term, grade=0, reason="Fever grade 0: no temperature", time=None)
    longest: tuple[timedelta, Temperature, bool] | None = None
    i = 0
    while i < len(temps):
        if temps[i].celsius_value <= GRADE3_ABOVE_C:
            i += 1
            continue
        start = temps[i]
        j = i
        while j + 1 < len(temps) and temps[j + 1].celsius_value > GRADE3_ABOVE_C:
            j += 1
        ongoing = j + 1 == len(temps)
        end = temps[j] if ongoing else temps[j + 1]
        span = end.time - start.time
        if longest is None or span > longest[0]:
            longest = (span, start, ongoing)
        i = j + 1
    if longest is not None:
        span, start, ongoing = longest
        grade = 4 if span > GRADE4_LONGER_THAN else 3
        how = (
            f"still > 40.0 °C at the last reading, {_hours(span)} so far"
            if ongoing
            else f"for {_hours(span)} (until the next reading <= 40.0 °C)"
        )
        rule = "> 40.0 °C for > 24 hrs" if grade == 4 else "> 40.0 °C for <= 24 hrs"
        return TermGrade(
            term=term,
            grade=grade,
            reason=f"Fever grade {grade}: {_shown(start)} from {start.time.isoformat()} {how} "
            f"(CTCAE v5.0: {rule})",
            time=start.time,
        )
    peak = max(temps, key=lambda t: t.celsius_value)
    c = peak.celsius_value
    if c < FEVER_C:
        return TermGrade(
            term=term,
            grade=0,
            reason=f"Fever grade 0: highest temperature {_shown(peak)} < 38.0 °C",
            time=None,
        )
    grade, rule = (2, "> 39.0 - 40.0 °C") if c > GRADE2_ABOVE_C else (1, "38.0 - 39.0 °C")
    return TermGrade(
        term=term,
        grade=grade,
        reason=f"Fever grade {grade}: highest temperature {_shown(peak)} on "
        f"{peak.time.isoformat()} (CTCAE v5.0: {rule})",
        time=peak.time,
    )


def _fever_criteria(temps: list[Temperature]) -> list[tuple[datetime, str]]:
    """Every moment the febrile-neutropenia fever criterion is met, with how (rule 4)."""
    met: list[tuple[datetime, str]] = []
    run_start: Temperature | None = None
    for t in temps:
        if t.celsius_value > FN_SINGLE_ABOVE_C:
            met.append((t.time, f"single temperature {_shown(t)} > 38.3 °C"))
        if t.celsius_value >= FEVER_C:
            run_start = run_start or t
            if t.time - run_start.time > FN_SUSTAINED_LONGER_THAN:
                met.append(
                    (
                        t.time,
                        f"temperature >= 38.0 °C sustained from {run_start.time.isoformat()} "
                        f"to {t.time.isoformat()} ({_hours(t.time - run_start.time)} > 1 h)",
                    )
                )
        else:
            run_start = None
    return sorted(met, key=lambda m: m[0])


def grade_febrile_neutropenia(
    *,
    observations: Sequence[Any],
    anc: Sequence[AncValue],
    life_threatening: bool = False,
    fatal: bool = False,
) -> TermGrade:
    """CTCAE v5.0 Febrile neutropenia from temperatures and ANCs (rules 4-6).

    Every ANC's unit is checked (:func:`cartrial.units.check_unit`), an unknown
    one is an error naming ``anc[i].unit``.
    """
    term = "Febrile neutropenia"
    counts = []
    for i, a in enumerate(anc):
        check_unit("anc", a.unit, field=f"anc[{i}].unit")
        counts.append((a, convert("anc", a.value, a.unit, field=f"anc[{i}]").value))
    criteria = _fever_criteria(_temperatures(observations))
    if not criteria:
        return TermGrade(
            term=term,
            grade=0,
            reason="Febrile neutropenia grade 0: no single temperature > 38.3 °C and no "
            "temperature >= 38.0 °C sustained for more than one hour",
            time=None,
        )
    window = timedelta(hours=ANC_WINDOW_HOURS)
    seen_normal: str | None = None
    for moment, how in criteria:
        near = [(abs(a.time - moment), a, v) for a, v in counts if abs(a.time - moment) <= window]
        if not near:
            continue
        _, a, value = min(near, key=lambda n: (n[0], n[1].time))
        count = f"ANC {format_decimal(a.value)} {a.unit} on {a.time.isoformat()}"
        if value >= FN_ANC_BELOW:
            seen_normal = seen_normal or f"{count} is not < 1000/mm3 at the {how}"
            continue
        grade, clinical = 3, ""
        if fatal:
            grade, clinical = 5, "; death (investigator)"
        elif life_threatening:
            grade, clinical = 4, "; life-threatening, urgent intervention (investigator)"
        return TermGrade(
            term=term,
            grade=grade,
            reason=f"Febrile neutropenia grade {grade}: {count} < 1000/mm3 with {how} "
            f"(CTCAE v5.0){clinical}",
            time=moment,
        )
    why = seen_normal or (
        f"no ANC within {ANC_WINDOW_HOURS} h of the fever ({criteria[0][1]} on "
        f"{criteria[0][0].isoformat()})"
    )
    return TermGrade(term=term, grade=0, reason=f"Febrile neutropenia grade 0: {why}", time=None)
