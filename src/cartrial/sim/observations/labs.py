"""Laboratory results: screening baseline and the course after lymphodepletion.

- Screening: the laboratory values of the screening record, as lab results
  (:func:`screening_labs`), so the two never disagree.
- After lymphodepletion (day -5, fludarabine/cyclophosphamide): neutrophils and
  platelets fall log-linearly from the baseline to the latent nadir on the
  latent nadir day, then rise log-linearly to the recovered level (80 % of the
  baseline, never below the nadir) on the latent recovery day and stay there.
  The nadir day's value is the latent nadir exactly (to the printed decimals);
  other values carry 5 % analytical variation. Haemoglobin falls 10 % and
  recovers with the counts. ALT, AST, bilirubin and creatinine stay near the
  baseline, raised at the CRS peak by a factor growing with the CRS grade, as do
  CRP and ferritin (markers of CRS; Lee DW et al. Blood 2014;124:188-195).

Each :class:`LabDraw` names the CTCAE v5.0 term that grades it (``ctcae_term``,
e.g. "Neutrophil count decreased": < LLN, < 1.5, < 1.0, < 0.5 x10^9/L for
grades 1-4), so ``followup.record_lab`` lets the safety engine grade it. Units
are explicit (:mod:`cartrial.units` spellings); reference limits are the
simulated laboratory's (:data:`REFERENCE`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from cartrial.eligibility.record import ScreeningRecord
from cartrial.sim.observations._common import PatientRow, decimal_places, num, study_instant, whole
from cartrial.units import ANALYTES, convert

__all__ = ["REFERENCE", "LabDraw", "post_infusion_labs", "screening_labs"]

#: test -> (unit, LLN, ULN, CTCAE v5.0 term, printed decimals) of the simulated laboratory.
REFERENCE: dict[str, tuple[str, Decimal | None, Decimal | None, str | None, int]] = {
    "anc": ("x10^9/L", Decimal("1.8"), Decimal("7.5"), "Neutrophil count decreased", 2),
    "platelets": ("x10^9/L", Decimal(150), Decimal(400), "Platelet count decreased", 0),
    "hemoglobin": ("g/L", Decimal(120), Decimal(160), "Anemia", 0),
    "alt": ("U/L", None, Decimal(40), "Alanine aminotransferase increased", 0),
    "ast": ("U/L", None, Decimal(40), "Aspartate aminotransferase increased", 0),
    "total_bilirubin": ("mg/dL", None, Decimal("1.2"), "Blood bilirubin increased", 2),
    "creatinine": ("mg/dL", None, Decimal("1.2"), "Creatinine increased", 2),
    "crp": ("mg/L", None, Decimal(10), None, 1),
    "ferritin": ("ng/mL", None, Decimal(300), None, 0),
}
_LYMPHODEPLETION_DAY = -5
_DEFAULT_DAYS = (-5, 0, 1, 2, 3, 4, 5, 7, 10, 14, 21, 28)
#: Fold-rise at the CRS peak by grade 0-5 (organ tests, CRP, ferritin).
_CRS_ORGAN = (1.0, 1.1, 1.4, 2.0, 3.0, 3.5)
_CRS_CRP = (1.0, 8.0, 15.0, 25.0, 35.0, 40.0)
_CRS_FERRITIN = (1.0, 2.0, 4.0, 8.0, 15.0, 20.0)


@dataclass(frozen=True)
class LabDraw:
    """Arguments of ``followup.record_lab`` for one result."""

    test: str
    value: Decimal
    unit: str
    collected_at: dt.datetime
    uln: Decimal | None = None
    lln: Decimal | None = None
    ctcae_term: str | None = None


def screening_labs(
    record: ScreeningRecord, *, site_tz: dt.tzinfo = dt.UTC, hour: int = 8
) -> list[LabDraw]:
    """The screening record's laboratory values as lab results (collected at ``hour`` site time)."""
    out = []
    for lab in record.labs:
        date = lab.date or record.consent_date
        at = dt.datetime.combine(date, dt.time(hour)).replace(tzinfo=site_tz).astimezone(dt.UTC)
        term = REFERENCE[lab.test][3] if lab.test in REFERENCE else None
        out.append(LabDraw(lab.test, lab.value, lab.unit, at, lab.uln, lab.lln, term))
    return out


def _baseline(record: ScreeningRecord | None, test: str, default: float) -> float:
    lab = record.latest_lab(test) if record is not None else None
    if lab is None:
        return default
    return float(convert(test, lab.value, lab.unit).value)


def _log_path(day: float, points: Sequence[tuple[float, float]]) -> float:
    """Log-linear interpolation through ``(day, value)`` points, flat outside them."""
    days = [d for d, _ in points]
    logs = [math.log(v) for _, v in points]
    return math.exp(float(np.interp(day, days, logs)))


def _count(day: int, baseline: float, nadir: float, nadir_day: float, recovery_day: float) -> float:
    recovered = max(0.8 * baseline, nadir)
    points = [(_LYMPHODEPLETION_DAY, baseline), (nadir_day, nadir)]
    if recovery_day > nadir_day:
        points.append((recovery_day, recovered))
    return _log_path(day, points)


def post_infusion_labs(
    row: PatientRow,
    infusion: dt.datetime,
    rng: np.random.Generator,
    *,
    baseline: ScreeningRecord | None = None,
    days: Sequence[int] = _DEFAULT_DAYS,
    site_tz: dt.tzinfo = dt.UTC,
    hour: int = 6,
) -> list[LabDraw]:
    """Labs on ``days`` (plus the nadir day) from lymphodepletion on (module docstring)."""
    nadir_day = round(num(row, "cytopenia_nadir_day"))
    recovery_day = num(row, "cytopenia_recovery_day")
    crs = whole(row, "crs_grade")
    crs_peak = num(row, "crs_onset_day") + 1 if crs > 0 else math.inf
    base = {
        "anc": _baseline(baseline, "anc", 3.6),
        "platelets": _baseline(baseline, "platelets", 230.0),
        "hemoglobin": _baseline(baseline, "hemoglobin", 120.0),
        "alt": _baseline(baseline, "alt", 24.0),
        "ast": _baseline(baseline, "ast", 26.0),
        "total_bilirubin": _baseline(baseline, "total_bilirubin", 0.6),
        "creatinine": _baseline(baseline, "creatinine", 0.85),
        "crp": 4.0,
        "ferritin": 250.0,
    }
    nadir = {
        "anc": num(row, "anc_nadir_10e9_per_l"),
        "platelets": num(row, "platelet_nadir_10e9_per_l"),
        "hemoglobin": 0.9 * base["hemoglobin"],
    }
    out = []
    for day in sorted({*days, nadir_day}):
        at = study_instant(infusion, day, hour, site_tz=site_tz)
        near_crs = 0.5 ** (abs(day - crs_peak) / 2.0) if math.isfinite(crs_peak) else 0.0
        for test, (unit, lln, uln, term, places) in REFERENCE.items():
            if test in nadir:
                value = _count(day, base[test], nadir[test], nadir_day, recovery_day)
            elif test == "crp":
                value = base[test] * (1 + (_CRS_CRP[crs] - 1) * near_crs)
            elif test == "ferritin":
                value = base[test] * (1 + (_CRS_FERRITIN[crs] - 1) * near_crs)
            else:
                value = base[test] * (1 + (_CRS_ORGAN[crs] - 1) * near_crs)
            if not (test in ("anc", "platelets") and day == nadir_day):
                value *= math.exp(rng.normal(0.0, 0.05))
            if test in ANALYTES:
                ANALYTES[test].factor_for(unit, field="unit")  # the unit is one cartrial knows
            out.append(LabDraw(test, decimal_places(value, places), unit, at, uln, lln, term))
    return out
