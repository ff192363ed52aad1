"""CRS observations and ICANS assessments, day by day, that grade to the latent grade.

Grading rules rendered (Lee DW et al., "ASTCT Consensus Grading for Cytokine
Release Syndrome and Neurologic Toxicity Associated with Immune Effector Cells",
Biol Blood Marrow Transplant 2019;25:625-638, Tables 3, 5 and 6; digest in
``shared/design/CLINICAL_RULES.md`` section 3):

- CRS grade 1: fever >= 38.0 °C only; 2: hypotension not needing vasopressors
  and/or low-flow oxygen (nasal cannula <= 6 L/min); 3: one vasopressor and/or
  high-flow oxygen (nasal cannula > 6 L/min, high-flow cannula, facemask); 4:
  several vasopressors (vasopressin excluded) and/or positive pressure; 5: death
  due to CRS. Fever is no longer needed once tocilizumab, a corticosteroid or
  an antipyretic was given after onset.
- ICANS grade (adults): ICE 7-9 -> 1, 3-6 -> 2, 0-2 -> 3 (or a rapidly
  resolving clinical seizure), unarousable -> 4; death due to ICANS -> 5.

The course (a choice of this renderer; the latent row fixes only the maximum
grade, the onset day and the duration in days):

- before onset: normal temperatures (36.4-37.4 °C) twice a day from day 0, no
  hypotension, room air; ICE 10/10 once a day from day 1;
- the onset day: the first fever (CRS) or an ICE 8/10 (ICANS) at grade 1;
- the peak, one day at the latent grade, the day after onset (the onset day
  itself for a one-day event), with tocilizumab (CRS >= 2) and dexamethasone
  (CRS >= 3, ICANS >= 2) given at the peak;
- after the peak, until the last day: grade 2 support without fever (CRS) or
  ICE 8/10 (ICANS); grade 5 holds the peak until death on the last day;
- resolution: support stopped late on the last day, normal temperature / ICE
  10/10 the next morning.

So the engine's onset day is the latent onset day (whole days) and its duration
(days from onset to the last graded day, inclusive) the latent duration rounded
to whole days (at least 1). Times are the site's wall-clock (naive ISO strings,
the form :func:`cartrial.services.syndromes.record_syndrome_observation` takes).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from cartrial.safety.dlt import CRS, ICANS
from cartrial.sim.observations._common import PatientRow, local_time, num, whole

__all__ = ["ConMedRecord", "SyndromeCourse", "abnormal", "render_crs", "render_icans"]


@dataclass(frozen=True)
class ConMedRecord:
    """Arguments of ``followup.record_con_med``; ``treats`` names the AE term it is linked to."""

    name: str
    start_date: dt.date
    end_date: dt.date | None
    dose: str
    indication: str
    treats: str | None = None


@dataclass(frozen=True)
class SyndromeCourse:
    """One CRS or ICANS episode: the AE to record, its observation payloads and its drugs."""

    term: str
    grading_scale: str
    reported_grade: int
    onset_date: dt.date
    observations: tuple[dict[str, Any], ...]
    con_meds: tuple[ConMedRecord, ...]


def _days(
    row: PatientRow, grade_key: str, onset_key: str, duration_key: str
) -> tuple[int, int, int]:
    grade = whole(row, grade_key)
    if grade == 0:
        return 0, 0, 0
    onset = num(row, onset_key)
    if not math.isfinite(onset) or onset < 0:
        raise ValueError(f"{grade_key} {grade} needs a finite onset day >= 0, not {onset}")
    duration = max(1, round(num(row, duration_key)))
    return grade, math.floor(onset), duration


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="minutes")


def _temperature(at: dt.datetime, celsius: float) -> dict[str, Any]:
    return {"kind": "temperature", "time": _iso(at), "celsius": f"{celsius:.1f}"}


def _blood_pressure(at: dt.datetime, grade: int) -> dict[str, Any]:
    if grade <= 1:
        return {
            "kind": "blood_pressure",
            "time": _iso(at),
            "hypotension": False,
            "systolic_mmhg": 118,
        }
    pressors = {2: [], 3: ["norepinephrine"], 4: ["norepinephrine", "epinephrine"]}[min(grade, 4)]
    return {
        "kind": "blood_pressure",
        "time": _iso(at),
        "hypotension": True,
        "systolic_mmhg": {2: 84, 3: 78, 4: 70}[min(grade, 4)],
        "vasopressors": [{"agent": agent} for agent in pressors],
    }


def _oxygen(at: dt.datetime, grade: int) -> dict[str, Any]:
    if grade <= 1:
        return {"kind": "oxygen", "time": _iso(at), "device": "none"}
    if grade == 2:
        return {"kind": "oxygen", "time": _iso(at), "device": "nasal_cannula", "flow_l_min": "3"}
    if grade == 3:
        return {"kind": "oxygen", "time": _iso(at), "device": "high_flow_nasal_cannula"}
    return {"kind": "oxygen", "time": _iso(at), "device": "bipap"}


def _support(at: dt.datetime, grade: int, mode: str) -> list[dict[str, Any]]:
    """Hypotension and/or hypoxia at ``grade`` (``mode``: which one carries the grade)."""
    out = []
    if mode in ("hypotension", "both"):
        out.append(_blood_pressure(at, grade))
    if mode in ("hypoxia", "both"):
        out.append(_oxygen(at, grade))
    return out


def render_crs(
    row: PatientRow, infusion: dt.datetime, rng: np.random.Generator, *, site_tz: dt.tzinfo = dt.UTC
) -> SyndromeCourse | None:
    """The CRS episode of the patient (None for latent grade 0); see the module docstring."""
    grade, onset, duration = _days(row, "crs_grade", "crs_onset_day", "crs_duration_days")
    if grade == 0:
        return None

    def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
        return local_time(infusion, day, hour, minute, site_tz=site_tz)

    last = onset + duration - 1
    peak = onset + 1 if duration >= 2 else onset
    mode = str(rng.choice(["hypotension", "hypoxia", "both"]))
    obs: list[dict[str, Any]] = [_blood_pressure(at(0, 7), 0), _oxygen(at(0, 7), 0)]
    for day in range(onset):
        obs += [_temperature(at(day, h), float(rng.uniform(36.4, 37.4))) for h in (8, 20)]
    fever = float(rng.uniform(38.2, 39.6))
    obs.append(_temperature(at(onset, 14), fever))
    meds = [
        {
            "kind": "medication",
            "time": _iso(at(onset, 14, 30)),
            "agent": "paracetamol",
            "category": "antipyretic",
        }
    ]
    con_meds = [
        ConMedRecord(
            "paracetamol",
            at(onset, 14).date(),
            at(last, 20).date(),
            "1 g PO q6h as needed",
            "fever",
            CRS,
        )
    ]
    for day in range(onset + 1, last + 1):
        febrile = grade == 1 or day <= peak or grade == 5
        temperature = float(rng.uniform(38.1, 39.2)) if febrile else float(rng.uniform(36.6, 37.6))
        obs.append(_temperature(at(day, 9), temperature))
    if grade >= 2:
        peak_time = at(peak, 15 if peak == onset else 10)
        obs += _support(peak_time, grade, mode)
        toci_time = peak_time + dt.timedelta(hours=1)
        meds.append(
            {
                "kind": "medication",
                "time": _iso(toci_time),
                "agent": "tocilizumab",
                "category": "tocilizumab",
            }
        )
        con_meds.append(
            ConMedRecord(
                "tocilizumab", toci_time.date(), toci_time.date(), "8 mg/kg IV", "CRS", CRS
            )
        )
        if grade >= 3:
            steroid_time = toci_time + dt.timedelta(minutes=30)
            meds.append(
                {
                    "kind": "medication",
                    "time": _iso(steroid_time),
                    "agent": "dexamethasone",
                    "category": "corticosteroid",
                }
            )
            con_meds.append(
                ConMedRecord(
                    "dexamethasone",
                    steroid_time.date(),
                    at(last, 20).date(),
                    "10 mg IV q6h",
                    "CRS",
                    CRS,
                )
            )
        for day in range(peak + 1, last + 1):
            obs += _support(at(day, 8), grade if grade == 5 else 2, mode)
    if grade == 5:
        obs.append({"kind": "death", "time": _iso(at(last, 18)), "due_to_crs": True})
    else:
        obs += _support(at(last, 22), 0, "both")
        obs.append(_temperature(at(last + 1, 8), float(rng.uniform(36.5, 37.3))))
    return SyndromeCourse(
        term=CRS,
        grading_scale="astct_2019",
        reported_grade=grade,
        onset_date=at(onset, 14).date(),
        observations=tuple(sorted(obs + meds, key=lambda o: str(o["time"]))),
        con_meds=tuple(con_meds),
    )


def _ice(total: int) -> dict[str, int]:
    """ICE components (Lee 2019 Table 5) adding up to ``total`` of 10."""
    parts = {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}
    missing = 10 - total
    for name in ("attention", "writing", "commands", "naming", "orientation"):
        take = min(parts[name], missing)
        parts[name] -= take
        missing -= take
    return parts


def _assessment(at: dt.datetime, grade: int, rng: np.random.Generator) -> dict[str, Any]:
    base: dict[str, Any] = {"time": _iso(at), "consciousness": "alert"}
    if grade == 0:
        return {**base, "ice": _ice(10)}
    if grade == 1:
        return {**base, "ice": _ice(int(rng.integers(7, 10)))}
    if grade == 2:
        return {**base, "ice": _ice(int(rng.integers(3, 7))), "consciousness": "awakens_to_voice"}
    if grade == 3:
        if rng.random() < 0.25:
            return {
                **base,
                "ice": _ice(int(rng.integers(3, 7))),
                "seizure": {"type": "focal", "duration_min": "2"},
            }
        return {**base, "ice": _ice(int(rng.integers(0, 3))), "consciousness": "awakens_to_tactile"}
    if grade == 4:
        return {"time": _iso(at), "ice_unable": "unarousable", "consciousness": "unarousable"}
    return {
        "time": _iso(at),
        "ice_unable": "unarousable",
        "consciousness": "coma",
        "death_due_to_icans": True,
    }


def render_icans(
    row: PatientRow, infusion: dt.datetime, rng: np.random.Generator, *, site_tz: dt.tzinfo = dt.UTC
) -> SyndromeCourse | None:
    """The ICANS episode of the patient (None for latent grade 0); see the module docstring."""
    grade, onset, duration = _days(row, "icans_grade", "icans_onset_day", "icans_duration_days")
    if grade == 0:
        return None

    def at(day: int, hour: int) -> dt.datetime:
        return local_time(infusion, day, hour, site_tz=site_tz)

    last = onset + duration - 1
    peak = onset + 1 if duration >= 2 else onset
    out = [_assessment(at(day, 9), 0, rng) for day in range(1, onset)]
    out.append(_assessment(at(onset, 9), 1, rng))
    if peak > onset:
        out.append(_assessment(at(onset, 21), 1, rng))
    out.append(_assessment(at(peak, 21 if peak == onset else 9), min(grade, 4), rng))
    for day in range(peak + 1, last + 1):
        out.append(_assessment(at(day, 9), 4 if grade == 5 else 1, rng))
    con_meds = []
    if grade >= 2:
        start = at(peak, 10).date()
        con_meds.append(
            ConMedRecord(
                "dexamethasone", start, at(last, 20).date(), "10 mg IV q6h", "ICANS", ICANS
            )
        )
    if grade >= 3:
        con_meds.append(
            ConMedRecord(
                "levetiracetam",
                at(onset, 10).date(),
                None,
                "750 mg PO q12h",
                "seizure prophylaxis",
                ICANS,
            )
        )
    if grade == 5:
        out.append(_assessment(at(last, 22), 5, rng))
    else:
        out.append(_assessment(at(last + 1, 9), 0, rng))
    return SyndromeCourse(
        term=ICANS,
        grading_scale="astct_2019",
        reported_grade=grade,
        onset_date=at(onset, 9).date(),
        observations=tuple(out),
        con_meds=tuple(con_meds),
    )


def abnormal(observation: Mapping[str, Any]) -> bool:
    """An observation that grades a CRS or ICANS at 1 or more (ASTCT 2019, as rendered by
    this module): fever, hypotension, oxygen support, an ICE score under 10, a seizure,
    an unarousable patient, a death. The site opens the AE at the first one (the
    diagnosis); every series from it on grades >= 1."""
    kind = observation.get("kind")
    if kind == "temperature":
        return Decimal(str(observation["celsius"])) >= Decimal("38.0")
    if kind == "blood_pressure":
        return bool(observation.get("hypotension"))
    if kind == "oxygen":
        return str(observation.get("device", "none")) != "none"
    if kind == "death":
        return True
    if kind is None:  # an ICANS assessment
        ice = observation.get("ice")
        return (
            "ice_unable" in observation
            or "seizure" in observation
            or (isinstance(ice, Mapping) and sum(int(v) for v in ice.values()) < 10)
        )
    return False
