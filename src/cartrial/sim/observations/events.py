"""Adverse events, death and withdrawal of one patient, as the site reports them.

- CRS and ICANS: one AE each, graded by ASTCT 2019 (Lee DW et al. Biol Blood
  Marrow Transplant 2019;25:625-638; ``grading_scale`` "astct_2019", the terms of
  :mod:`cartrial.safety.dlt`), reported at the latent grade, serious from grade 3
  (hospital care needed; ICH E2A seriousness), "probable" related to the product
  (the safety engine's five-point causality scale). Their
  observations come from :mod:`cartrial.sim.observations.syndromes`.
- On-target off-tumour toxicity (mesothelin on pleura, pericardium, peritoneum;
  ``shared/design/CLINICAL_RULES.md`` section 4): the latent CTCAE v5.0 term and
  grade, serious from grade 3, "probable" related.
- Background AEs at illustrative rates (per patient, in the first 30 days):
  fatigue 40 %, nausea 25 %, anaemia 30 % (CTCAE v5.0 grades 1-2, "unlikely"
  related); rates passed in override them.
- Death (``followup.record_death``) and withdrawal (``followup.withdraw``) on the
  latent days counted from the infusion; the earlier of the two ends follow-up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from cartrial.safety.dlt import CRS, ICANS
from cartrial.sim.observations._common import PatientRow, num, text, whole

__all__ = [
    "BACKGROUND_RATES",
    "AdverseEventRecord",
    "DeathRecord",
    "WithdrawalRecord",
    "adverse_events",
    "death_record",
    "withdrawal_record",
]

#: CTCAE v5.0 term -> probability per patient within 30 days of the infusion.
BACKGROUND_RATES: dict[str, float] = {"Fatigue": 0.40, "Nausea": 0.25, "Anemia": 0.30}


@dataclass(frozen=True)
class AdverseEventRecord:
    """Arguments of ``safety.record_adverse_event``."""

    term: str
    onset_date: dt.date
    grading_scale: str
    reported_grade: int
    is_serious: bool
    relatedness: str


@dataclass(frozen=True)
class DeathRecord:
    """Arguments of ``followup.record_death``."""

    died_on: dt.date
    cause: str


@dataclass(frozen=True)
class WithdrawalRecord:
    """Arguments of ``followup.withdraw``."""

    withdrawn_on: dt.date
    initiated_by: str
    reason: str


def _on(day0: dt.date, day: float) -> dt.date:
    return day0 + dt.timedelta(days=math.floor(day))


def adverse_events(
    row: PatientRow,
    day0: dt.date,
    rng: np.random.Generator,
    *,
    background_rates: Mapping[str, float] = BACKGROUND_RATES,
) -> list[AdverseEventRecord]:
    """The patient's AEs; ``day0`` is the site's date of the infusion."""
    out = []
    for term, grade_key, onset_key in (
        (CRS, "crs_grade", "crs_onset_day"),
        (ICANS, "icans_grade", "icans_onset_day"),
    ):
        grade = whole(row, grade_key)
        if grade > 0:
            onset = _on(day0, num(row, onset_key))
            out.append(AdverseEventRecord(term, onset, "astct_2019", grade, grade >= 3, "probable"))
    off_grade = whole(row, "off_tumour_grade")
    if off_grade > 0:
        term = text(row, "off_tumour_term")
        if not term:
            raise ValueError(f"off-tumour grade {off_grade} without a term")
        onset = _on(day0, num(row, "off_tumour_onset_day"))
        out.append(
            AdverseEventRecord(term, onset, "ctcae_v5", off_grade, off_grade >= 3, "probable")
        )
    end = min(num(row, "death_day"), num(row, "withdrawal_day"), num(row, "lost_to_follow_up_day"))
    for term, rate in background_rates.items():
        if rng.random() < rate:
            day = int(rng.integers(0, 30))
            if day < end:
                grade = 1 if rng.random() < 0.7 else 2
                out.append(
                    AdverseEventRecord(
                        term, day0 + dt.timedelta(days=day), "ctcae_v5", grade, False, "unlikely"
                    )
                )
    return out


def death_record(row: PatientRow, day0: dt.date) -> DeathRecord | None:
    """The death on the latent day (None when alive through the horizon or withdrawn before)."""
    day = num(row, "death_day")
    if not math.isfinite(day):
        return None
    causes = []
    if whole(row, "crs_grade") == 5:
        causes.append("cytokine release syndrome")
    if whole(row, "icans_grade") == 5:
        causes.append("immune effector cell-associated neurotoxicity syndrome")
    if whole(row, "off_tumour_grade") == 5:
        causes.append(text(row, "off_tumour_term").lower())
    return DeathRecord(_on(day0, day), " and ".join(causes) or "progressive disease")


def withdrawal_record(row: PatientRow, day0: dt.date) -> WithdrawalRecord | None:
    """The withdrawal on the latent day, when it comes before any death."""
    day = num(row, "withdrawal_day")
    if not math.isfinite(day) or day >= num(row, "death_day"):
        return None
    return WithdrawalRecord(_on(day0, day), "subject", "consent withdrawn")
