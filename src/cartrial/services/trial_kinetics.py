"""Stored qPCR results as the kinetics engine's sample table, and their NCA by dose level.

Rules:

1. Samples: every result on a ``car_transgene_qpcr`` sample of an infused subject
   becomes a row of :func:`cartrial.kinetics.data.validate_samples` (analyte
   ``car_copies``, CAR transgene copies per ug genomic DNA; the stored unit is
   converted by the engine's table, an unknown unit is refused).
2. Time: actual days since the infusion, ``(collected_at - infusion started_at) /
   24 h`` (both UTC instants, so no clock question); the nominal day is the
   sample's stored study day. A result stored as ``BLQ`` or ``<x`` text, or below
   its LLOQ, is BLQ (concentration 0, PKNCA's convention).
3. NCA (:func:`cartrial.kinetics.nca.compute_nca`, PKNCA 0.12 defaults: lin up /
   log down trapezoids, BLQ first/middle/last = keep/drop/keep) with
   ``impute_start_conc0``: C(0) = 0 at the infusion (PKNCA ``impute =
   "start_conc0"``; a CAR transgene is absent before the product is given), so
   AUC0-tlast is computed without a day-0 sample. Samples before the infusion are
   outside the interval.
4. The long table (:func:`cartrial.kinetics.intervals.long_table`): every interval
   of ``NCA_SETTINGS.intervals`` (AUC0-7d, 0-14d, 0-28d, 0-90d) and [0, inf), one
   row per parameter with its SDTM PP code, unit and reasons, for PP and ADPP.
5. By dose level (:func:`cartrial.kinetics.summary.summarise_parameters`): n,
   geometric mean and geometric CV% (``100 sqrt(exp(s^2) - 1)``) of Cmax and
   AUC0-tlast over positive values, median and range; Tmax median and range.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.kinetics.data import ANALYTES, build_profiles, validate_samples
from cartrial.kinetics.intervals import long_table
from cartrial.kinetics.nca import compute_nca
from cartrial.kinetics.settings import NcaSettings
from cartrial.kinetics.summary import summarise_parameters
from cartrial.services.trial_model import NcaLevelRow, NcaSubjectRow, NcaSummary
from cartrial.store.models import AssayResult, Infusion, Sample, Subject

__all__ = [
    "NCA_RULE",
    "NCA_SETTINGS",
    "kinetics_long_table",
    "kinetics_nca",
    "kinetics_samples",
]

QPCR = "car_transgene_qpcr"
NCA_SETTINGS = NcaSettings(impute_start_conc0=True)
CONC_UNIT = ANALYTES["car_copies"][0]
AUC_UNIT = f"{CONC_UNIT} x day"
NCA_RULE = (
    "NCA of stored CAR transgene qPCR results (PKNCA 0.12 rules: Cmax = largest value, "
    "Tmax = its first time, AUC0-tlast by lin-up/log-down trapezoids, C(0) = 0 imputed "
    "at infusion, BLQ as 0 kept first/last, dropped in the middle); time = actual days "
    "since infusion; by dose level: geometric mean and geometric CV% = "
    "100 sqrt(exp(s^2) - 1) over values > 0 (Julious & Debarnot 2000)"
)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def kinetics_samples(
    session: Session, subjects: Sequence[Subject], infusions: dict[str, Infusion]
) -> pd.DataFrame | None:
    """The validated sample table of the subjects' qPCR results (rules 1-2); None if none."""
    by_id = {s.id: s for s in subjects if s.id in infusions}
    if not by_id:
        return None
    stored = session.execute(
        select(Sample, AssayResult)
        .join(AssayResult, AssayResult.sample_id == Sample.id)
        .where(Sample.analyte == QPCR, Sample.subject_id.in_(list(by_id)))
        .order_by(Sample.collected_at, Sample.sample_code, AssayResult.id)
    ).all()
    rows: list[dict[str, str]] = []
    for sample, result in stored:
        subject = by_id[sample.subject_id]
        elapsed = sample.collected_at - infusions[subject.id].started_at
        text = (result.result_text or "").strip()
        value = _text(result.value) if result.value is not None else text
        rows.append(
            {
                "subject": subject.code,
                "analyte": "car_copies",
                "matrix": sample.matrix,
                "actual_day": repr(elapsed.total_seconds() / 86400),
                "nominal_day": _text(sample.study_day),
                "value": value,
                "unit": _text(result.unit),
                "lloq": _text(result.lloq),
                "dose_level": _text(subject.dose_level),
            }
        )
    if not rows:
        return None
    return validate_samples(pd.DataFrame(rows, dtype=str), source="stored qPCR results")


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def kinetics_long_table(samples: pd.DataFrame | None) -> pd.DataFrame | None:
    """The NCA of the stored samples as the long table of PP codes (rule 4); None if none."""
    if samples is None:
        return None
    return long_table(build_profiles(samples), NCA_SETTINGS)


def kinetics_nca(samples: pd.DataFrame | None) -> tuple[NcaSummary, pd.DataFrame | None]:
    """Per-profile NCA and the dose-level summary (rules 3 and 5), with the results frame."""
    if samples is None:
        return NcaSummary(subjects=[], by_level=[], rule=NCA_RULE + "; no qPCR results"), None
    frame = compute_nca(build_profiles(samples), NCA_SETTINGS).to_frame()
    subjects = [
        NcaSubjectRow(
            subject=str(r["subject"]),
            dose_level=str(r["dose_level"]),
            matrix=str(r["matrix"]),
            cmax=_number(r["cmax"]),
            tmax_days=_number(r["tmax"]),
            tlast_days=_number(r["tlast"]),
            auclast=_number(r["auclast"]),
            conc_unit=str(r["unit"]),
            auc_unit=f"{r['unit']} x day",
            notes="; ".join(str(x) for x in (r.get("tmax_reason"), r.get("auclast_reason")) if x),
        )
        for _, r in frame.iterrows()
    ]
    table = summarise_parameters(
        frame, by=["matrix", "dose_level"], parameters=("cmax", "tmax", "auclast")
    )
    units = {"cmax": CONC_UNIT, "tmax": "day", "auclast": AUC_UNIT}
    by_level = [
        NcaLevelRow(
            matrix=str(r["matrix"]),
            dose_level=str(r["dose_level"]),
            parameter=str(r["parameter"]),
            unit=units[str(r["parameter"])],
            n=int(r["n"]),
            geometric_mean=_number(r["geometric_mean"]),
            geometric_cv_pct=_number(r["geometric_cv_pct"]),
            median=_number(r["median"]),
            min=_number(r["min"]),
            max=_number(r["max"]),
        )
        for _, r in table.iterrows()
    ]
    return NcaSummary(subjects=subjects, by_level=by_level, rule=NCA_RULE), frame
