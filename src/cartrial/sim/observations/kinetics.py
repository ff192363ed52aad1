"""CAR transgene qPCR, cytokine and anti-drug-antibody results at the protocol's sampling days.

CAR-T cellular kinetics (Stein AM et al., "Tisagenlecleucel model-based cellular
kinetic analysis of chimeric antigen receptor-T cells", CPT Pharmacometrics Syst
Pharmacol 2019;8:285-295; ``shared/design/SIMULATOR_ANCHORS.md``), with the
latent row's parameters (``FB`` = the fraction that persists):

- ``0 <= t <= Tmax``: ``C(t) = (Cmax / fold) * fold ** (t / Tmax)`` (exponential
  expansion from ``Cmax / fold`` at the infusion to ``Cmax`` at ``Tmax``);
- ``t > Tmax``: ``C(t) = Cmax [(1 - FB) e^(-alpha (t - Tmax)) + FB e^(-beta (t - Tmax))]``.

Observed qPCR = ``C(t) * exp(e)``, ``e ~ N(0, 0.56^2)`` (log-normal residual error,
SD 0.56 on the log scale, SIMULATOR_ANCHORS P2), reported to 3 significant
figures in copies/ug genomic DNA. A result under the LLOQ is reported as a
laboratory reports it: no value, ``result_text`` ``"<LLOQ value>"`` (e.g. ``"<50"``,
the ``<x`` form :mod:`cartrial.kinetics.data` reads as BLQ) and the LLOQ. A sample
before the infusion (day < 0) has no CAR transgene.

Cytokines (pg/mL): a baseline level per analyte times a peak factor that rises
with the latent CRS grade, peaking the day after CRS onset (at ``Tmax`` without
CRS) and falling by half every 2 days; log-normal variation (SD 0.3). The peak
factors are illustrative, ordered as in Teachey DT et al., Cancer Discov
2016;6:664-679 (IFN-γ, IL-6, IL-10 rise most with severe CRS).

Anti-drug (anti-CAR) antibodies: qualitative, negative before the infusion,
positive after it with ``ada_positive_probability`` per sample (default 0.05).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from cartrial.protocol.model import Protocol
from cartrial.sim.observations._common import PatientRow, num, whole

__all__ = [
    "DEFAULT_QPCR_LLOQ",
    "QPCR_RESIDUAL_SD_LOG",
    "QPCR_UNIT",
    "AssayDraw",
    "SampleDraw",
    "ada_samples",
    "car_level",
    "cytokine_samples",
    "qpcr_samples",
]

QPCR_UNIT = "copies/ug gDNA"
#: Used when the scenario gives no LLOQ (copies/ug genomic DNA; a typical qPCR assay).
DEFAULT_QPCR_LLOQ = Decimal(50)
QPCR_RESIDUAL_SD_LOG = 0.56
CYTOKINE_UNIT = "pg/mL"
#: Baseline (pg/mL) and peak fold-rise by CRS grade 0-5, per cytokine.
_CYTOKINES: dict[str, tuple[float, tuple[float, ...]]] = {
    "IL-6": (4.0, (2, 10, 40, 150, 500, 800)),
    "IFN-γ": (6.0, (3, 15, 60, 200, 600, 900)),
    "IP-10": (150.0, (2, 4, 8, 15, 25, 30)),
    "IL-10": (3.0, (2, 8, 25, 80, 200, 300)),
    "TNF-α": (8.0, (1.2, 1.5, 2, 3, 5, 6)),
    "GM-CSF": (2.0, (1.5, 3, 6, 12, 25, 30)),
}
_CYTOKINE_HALF_LIFE_DAYS = 2.0


@dataclass(frozen=True)
class AssayDraw:
    """Arguments of ``followup.record_assay_result`` for one result."""

    test: str
    value: Decimal | None
    unit: str | None
    lloq: Decimal | None = None
    result_text: str | None = None


@dataclass(frozen=True)
class SampleDraw:
    """Arguments of ``followup.record_sample`` and the results to record on it."""

    sample_code: str
    analyte: str
    matrix: str
    collected_at: dt.datetime
    study_day: int
    results: tuple[AssayDraw, ...]


def car_level(
    row: PatientRow, days: float | Sequence[float] | NDArray[np.float64]
) -> NDArray[np.float64]:
    """Latent CAR transgene level (copies/ug gDNA) ``days`` after the infusion (Stein 2019)."""
    t = np.atleast_1d(np.asarray(days, dtype=np.float64))
    cmax = num(row, "ck_cmax")
    tmax = num(row, "ck_tmax_days")
    fold = num(row, "ck_fold_expansion")
    alpha = num(row, "ck_alpha_per_day")
    beta = num(row, "ck_beta_per_day")
    fb = num(row, "ck_fraction_persisting")
    after = np.maximum(t - tmax, 0.0)
    expanding = (cmax / fold) * fold ** (np.clip(t, 0.0, tmax) / tmax)
    contracting = cmax * ((1 - fb) * np.exp(-alpha * after) + fb * np.exp(-beta * after))
    level = np.where(t <= tmax, expanding, contracting)
    return np.where(t < 0, 0.0, level)


def _significant(value: float, digits: int = 3) -> Decimal:
    if value == 0:
        return Decimal(0)
    exponent = math.floor(math.log10(abs(value))) - digits + 1
    return Decimal(repr(value)).scaleb(-exponent).quantize(Decimal(1)).scaleb(exponent)


def _schedule(protocol: Protocol, analyte: str) -> tuple[str, list[int], list[str]]:
    for schedule in protocol.samples:
        if schedule.analyte == analyte:
            return schedule.matrix, list(schedule.days), list(schedule.panel)
    return "", [], []


def _code(subject_code: str, analyte: str, day: int) -> str:
    short = {"car_transgene_qpcr": "PCR", "cytokines": "CYT", "anti_drug_antibody": "ADA"}[analyte]
    return f"{subject_code}-{short}-D{day:+d}"


def qpcr_samples(
    row: PatientRow,
    protocol: Protocol,
    subject_code: str,
    infusion: dt.datetime,
    rng: np.random.Generator,
    *,
    lloq: Decimal = DEFAULT_QPCR_LLOQ,
    residual_sd_log: float = QPCR_RESIDUAL_SD_LOG,
    days: Sequence[int] | None = None,
) -> list[SampleDraw]:
    """qPCR of the CAR transgene at the protocol's ``car_transgene_qpcr`` days (or ``days``).

    A sample is collected at the infusion time plus whole days (day 0: right after it).
    """
    matrix, planned, _ = _schedule(protocol, "car_transgene_qpcr")
    chosen = list(days) if days is not None else planned
    truth = car_level(row, chosen)
    noise = (
        rng.normal(0.0, residual_sd_log, len(chosen))
        if residual_sd_log > 0
        else np.zeros(len(chosen))
    )
    out = []
    for day, level, e in zip(chosen, truth, noise, strict=True):
        observed = float(level * math.exp(e))
        if observed < float(lloq):
            result = AssayDraw("car_transgene", None, QPCR_UNIT, lloq, f"<{lloq}")
        else:
            result = AssayDraw("car_transgene", _significant(observed), QPCR_UNIT, lloq)
        out.append(
            SampleDraw(
                sample_code=_code(subject_code, "car_transgene_qpcr", day),
                analyte="car_transgene_qpcr",
                matrix=matrix or "blood",
                collected_at=infusion + dt.timedelta(days=day),
                study_day=day,
                results=(result,),
            )
        )
    return out


def _cytokine_peak_day(row: PatientRow) -> tuple[int, float]:
    grade = whole(row, "crs_grade")
    onset = num(row, "crs_onset_day")
    if grade > 0 and math.isfinite(onset):
        return grade, onset + 1
    return 0, num(row, "ck_tmax_days")


def cytokine_samples(
    row: PatientRow,
    protocol: Protocol,
    subject_code: str,
    infusion: dt.datetime,
    rng: np.random.Generator,
) -> list[SampleDraw]:
    """Serum cytokines of the protocol panel at its ``cytokines`` days (module docstring)."""
    matrix, planned, panel = _schedule(protocol, "cytokines")
    grade, peak_day = _cytokine_peak_day(row)
    out = []
    for day in planned:
        results = []
        for name in panel:
            base, folds = _CYTOKINES.get(name, (5.0, (1, 2, 4, 8, 16, 20)))
            if day < 0:
                factor = 1.0
            else:
                decay = 0.5 ** (abs(day - peak_day) / _CYTOKINE_HALF_LIFE_DAYS)
                factor = 1.0 + (folds[grade] - 1.0) * decay
            value = base * factor * math.exp(rng.normal(0.0, 0.3))
            results.append(AssayDraw(name, _significant(value), CYTOKINE_UNIT))
        out.append(
            SampleDraw(
                sample_code=_code(subject_code, "cytokines", day),
                analyte="cytokines",
                matrix=matrix,
                collected_at=infusion + dt.timedelta(days=day),
                study_day=day,
                results=tuple(results),
            )
        )
    return out


def ada_samples(
    row: PatientRow,
    protocol: Protocol,
    subject_code: str,
    infusion: dt.datetime,
    rng: np.random.Generator,
    *,
    ada_positive_probability: float = 0.05,
) -> list[SampleDraw]:
    """Anti-CAR antibody results (qualitative) at the protocol's ``anti_drug_antibody`` days."""
    matrix, planned, _ = _schedule(protocol, "anti_drug_antibody")
    out = []
    for day in planned:
        positive = day > 0 and bool(rng.random() < ada_positive_probability)
        result = AssayDraw(
            "anti_car_antibody", None, None, None, "positive" if positive else "negative"
        )
        out.append(
            SampleDraw(
                sample_code=_code(subject_code, "anti_drug_antibody", day),
                analyte="anti_drug_antibody",
                matrix=matrix,
                collected_at=infusion + dt.timedelta(days=day),
                study_day=day,
                results=(result,),
            )
        )
    return out
