"""Per-subject records of the study report read from the store: flow, baseline, exposure.

Read inside the caller's snapshot (:func:`cartrial.services.study_report.study_data`);
nothing here writes. The rules, field by field:

- flow milestones: a stored screening record (screened), the latest eligibility
  decision, an enrolment time, an apheresis collection, the latest product lot and
  its release status (``rejected`` = manufacturing failure, with its release note),
  a lymphodepleting dose, an infusion; a withdrawal (date, who initiated it, reason)
  and a death (date, cause) as stored;
- baseline characteristics from the stored screening record
  (:class:`cartrial.eligibility.record.ScreeningRecord`): age in whole years at the
  consent date, sex, tumour type, AJCC 8th edition stage, ECOG, mesothelin (MSLN)
  IHC result and percentage of positive cells; weight at enrolment from the subject;
- lymphodepletion planned: :func:`cartrial.dosing.schedule.compute_schedule` on the
  screening record (weight, height, age, sex, screening serum creatinine: the
  protocol's Cockcroft-Gault renal bands) for the infusion date, as the site's
  schedule computes it; given: the stored doses (mg per day, per agent);
- cell dose assigned: the protocol's cells/kg of the subject's dose level times
  the weight (:func:`cartrial.dosing.cell_dose.compute_cell_dose`, weight cap and
  tolerance), given: the stored ``cells_infused``;
- vein-to-vein time: infusion start minus apheresis collection (UTC instants), days;
- locked at the cut: the subject has a data lock placed on or before the cut and not
  lifted by then (``data_lock.locked_at <= cut`` and ``lifted_at`` empty or later).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.dosing.cell_dose import compute_cell_dose
from cartrial.dosing.schedule import ScheduleRequest, compute_schedule
from cartrial.eligibility.record import ScreeningRecord
from cartrial.errors import CartrialError, InputError
from cartrial.protocol.model import Protocol
from cartrial.store.models import (
    Apheresis,
    AssayResult,
    DataLock,
    Death,
    EligibilityDecision,
    Infusion,
    LymphodepletionDose,
    ProductLot,
    Record,
    Sample,
    ScreeningEntry,
    Site,
    Subject,
    Withdrawal,
)

_R = TypeVar("_R", bound=Record)

__all__ = [
    "CYTOKINE_CODES",
    "Baseline",
    "LdDose",
    "SubjectRecord",
    "ada_samples",
    "cytokine_samples",
    "subject_records",
]

#: The stored cytokine test names (the panel as the protocols spell it, NCT05783089)
#: and the biomarkers engine's codes (:data:`cartrial.biomarkers.cytokines.CYTOKINES`).
CYTOKINE_CODES: dict[str, str] = {
    "IP-10": "ip10",
    "IFN-γ": "ifng",
    "IL-6": "il6",
    "IL-10": "il10",
    "TNF-α": "tnfa",
    "GM-CSF": "gmcsf",
}


@dataclass(frozen=True)
class Baseline:
    """Baseline characteristics from the stored screening record."""

    age_years: int | None
    sex: str | None
    tumour_type: str | None
    stage: str | None
    ecog: int | None
    msln_result: str | None
    msln_percent: Decimal | None


@dataclass(frozen=True)
class LdDose:
    """A lymphodepleting agent: the planned daily dose and the doses given (mg)."""

    agent: str
    planned_mg_per_day: Decimal | None
    planned_days: int
    planned_reason: str
    given_mg: list[Decimal]


@dataclass(frozen=True)
class SubjectRecord:
    """One subject's milestones, baseline and exposure (module rules)."""

    code: str
    site: str
    status: str
    dose_level: int | None
    screened: bool
    eligibility: str | None
    enrolled: bool
    apheresed: bool
    lot_status: str | None
    lot_note: str | None
    lymphodepleted: bool
    infused: bool
    cells_infused: int | None
    cells_assigned: int | None
    cells_assigned_reason: str
    weight_kg: Decimal | None
    vein_to_vein_days: float | None
    withdrawal: str | None
    withdrawal_stage: str | None
    death: str | None
    locked: bool
    baseline: Baseline
    lymphodepletion: list[LdDose] = field(default_factory=list)


def _screening_record(entry: ScreeningEntry | None) -> ScreeningRecord | None:
    if entry is None:
        return None
    return ScreeningRecord.model_validate_json(entry.record_json)


def _age(record: ScreeningRecord) -> int | None:
    born, on = record.birth_date, record.consent_date
    if born is None or on is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _baseline(record: ScreeningRecord | None) -> Baseline:
    if record is None:
        return Baseline(None, None, None, None, None, None, None)
    diagnosis, msln = record.diagnosis, record.msln
    return Baseline(
        age_years=_age(record),
        sex=record.sex,
        tumour_type=str(diagnosis.tumour_type) if diagnosis and diagnosis.tumour_type else None,
        stage=diagnosis.ajcc8_stage if diagnosis else None,
        ecog=record.ecog,
        msln_result=msln.result if msln else None,
        msln_percent=msln.percent_positive_cells if msln else None,
    )


def _creatinine(record: ScreeningRecord) -> Decimal | None:
    for lab in record.labs or []:
        if lab.test == "creatinine" and lab.unit == "mg/dL":
            return Decimal(str(lab.value))
    return None


def _planned_ld(
    protocol: Protocol, record: ScreeningRecord | None, infusion_date: dt.date, level: int | None
) -> dict[str, tuple[Decimal | None, int, str]]:
    """Agent -> (planned mg/day, planned days, reason) from the protocol's schedule."""
    if record is None or record.weight_kg is None or record.height_cm is None:
        return {}
    age, creatinine = _age(record), _creatinine(record)
    sex = record.sex if record.sex in ("female", "male") else None
    renal = age is not None and creatinine is not None and sex is not None
    try:
        schedule = compute_schedule(
            protocol=protocol,
            request=ScheduleRequest(
                infusion_date=infusion_date,
                dose_level=level,
                weight_kg=Decimal(str(record.weight_kg)),
                height_cm=Decimal(str(record.height_cm)),
                age_years=age if renal else None,
                sex=sex if renal else None,
                serum_creatinine_mg_dl=creatinine if renal else None,
            ),
        )
    except CartrialError as exc:
        return {"": (None, 0, f"not computed: {exc}")}
    plan = schedule.lymphodepletion
    if plan is None:
        return {}
    return {
        a.agent: (a.daily_dose_mg if a.is_given else Decimal(0), len(a.days), a.reason)
        for a in plan.agents
    }


def _stage(milestones: dict[str, bool]) -> str:
    for name in ("infused", "lymphodepleted", "apheresed", "enrolled"):
        if milestones[name]:
            return f"after {name.replace('lymphodepleted', 'lymphodepletion')}"
    return "before enrolment"


def _by_subject(
    session: Session, model: type[_R], ids: list[str], order: Any
) -> dict[str, list[_R]]:
    out: dict[str, list[_R]] = {}
    column = getattr(model, "subject_id")  # noqa: B009 (every model passed has one)
    for row in session.scalars(select(model).where(column.in_(ids)).order_by(order)):
        out.setdefault(getattr(row, "subject_id"), []).append(row)  # noqa: B009
    return out


def _last(rows: dict[str, list[_R]], key: str) -> _R | None:
    found = rows.get(key)
    return found[-1] if found else None


def _locked_at(locks: list[DataLock], cut: dt.datetime) -> bool:
    return any(
        lock.locked_at <= cut and (lock.lifted_at is None or lock.lifted_at > cut) for lock in locks
    )


def subject_records(
    session: Session, protocol: Protocol, subjects: Sequence[Subject], cut: dt.datetime
) -> list[SubjectRecord]:
    """Each subject's record (module rules), in subject-code order."""
    ids = [s.id for s in subjects]

    screenings = _by_subject(session, ScreeningEntry, ids, ScreeningEntry.entered_at)
    decisions = _by_subject(session, EligibilityDecision, ids, EligibilityDecision.decided_at)
    apheresis = _by_subject(session, Apheresis, ids, Apheresis.collected_at)
    lots = _by_subject(session, ProductLot, ids, ProductLot.lot_number)
    doses = _by_subject(session, LymphodepletionDose, ids, LymphodepletionDose.study_day)
    infusions = _by_subject(session, Infusion, ids, Infusion.started_at)
    withdrawals = _by_subject(session, Withdrawal, ids, Withdrawal.withdrawn_on)
    deaths = _by_subject(session, Death, ids, Death.died_on)
    locks = _by_subject(session, DataLock, ids, DataLock.locked_at)
    sites = {s.id: s.code for s in session.scalars(select(Site))}
    out: list[SubjectRecord] = []
    for s in subjects:
        entry = _last(screenings, s.id)
        record = _screening_record(entry)
        decision = _last(decisions, s.id)
        collected = apheresis.get(s.id, [])
        lot = _last(lots, s.id)
        given = doses.get(s.id, [])
        infusion = _last(infusions, s.id)
        withdrawal = _last(withdrawals, s.id)
        death = _last(deaths, s.id)
        milestones = {
            "enrolled": s.enrolled_at is not None,
            "apheresed": bool(collected),
            "lymphodepleted": bool(given),
            "infused": infusion is not None,
        }
        assigned, assigned_reason = None, "no dose level assigned"
        if s.dose_level is not None and s.weight_kg is not None:
            try:
                cell = compute_cell_dose(
                    rule=protocol.cell_dose,
                    level=protocol.dose_level(s.dose_level),
                    weight_kg=s.weight_kg,
                )
                assigned, assigned_reason = cell.total_cells, cell.reason
            except CartrialError as exc:
                assigned_reason = f"not computed: {exc}"
        ld: list[LdDose] = []
        if given:
            first = given[0]
            day0 = (
                infusion.started_at.date()
                if infusion is not None
                else first.completed_at.date() - dt.timedelta(days=first.study_day)
            )
            planned = _planned_ld(protocol, record, day0, s.dose_level)
            agents = list(dict.fromkeys(d.agent for d in given))
            for agent in [*agents, *(a for a in planned if a and a not in agents)]:
                mg, days, reason = planned.get(agent, planned.get("", (None, 0, "no plan")))
                ld.append(
                    LdDose(
                        agent=agent,
                        planned_mg_per_day=mg,
                        planned_days=days,
                        planned_reason=reason,
                        given_mg=[d.dose_mg for d in given if d.agent == agent],
                    )
                )
        v2v = None
        if infusion is not None and collected:
            elapsed = infusion.started_at - collected[0].collected_at
            v2v = elapsed.total_seconds() / 86400
        out.append(
            SubjectRecord(
                code=s.code,
                site=sites.get(s.site_id, s.site_id),
                status=s.status,
                dose_level=s.dose_level,
                screened=entry is not None,
                eligibility=decision.decision if decision else None,
                enrolled=milestones["enrolled"],
                apheresed=milestones["apheresed"],
                lot_status=lot.status if lot else None,
                lot_note=lot.release_note if lot else None,
                lymphodepleted=milestones["lymphodepleted"],
                infused=milestones["infused"],
                cells_infused=infusion.cells_infused if infusion else None,
                cells_assigned=assigned,
                cells_assigned_reason=assigned_reason,
                weight_kg=s.weight_kg,
                vein_to_vein_days=v2v,
                withdrawal=(
                    f"{withdrawal.withdrawn_on.isoformat()}, initiated by "
                    f"{withdrawal.initiated_by}: {withdrawal.reason}"
                    if withdrawal
                    else None
                ),
                withdrawal_stage=_stage(milestones) if withdrawal else None,
                death=(f"{death.died_on.isoformat()}: {death.cause}" if death else None),
                locked=_locked_at(locks.get(s.id, []), cut),
                baseline=_baseline(record),
                lymphodepletion=ld,
            )
        )
    return out


def _assay_rows(
    session: Session, subjects: Sequence[Subject], infusions: dict[str, Infusion], analyte: str
) -> list[tuple[Subject, Sample, AssayResult, float]]:
    by_id = {s.id: s for s in subjects if s.id in infusions}
    if not by_id:
        return []
    stored = session.execute(
        select(Sample, AssayResult)
        .join(AssayResult, AssayResult.sample_id == Sample.id)
        .where(Sample.analyte == analyte, Sample.subject_id.in_(list(by_id)))
        .order_by(Sample.collected_at, Sample.sample_code, AssayResult.id)
    ).all()
    out = []
    for sample, result in stored:
        subject = by_id[sample.subject_id]
        elapsed = sample.collected_at - infusions[subject.id].started_at
        out.append((subject, sample, result, elapsed.total_seconds() / 86400))
    return out


def cytokine_samples(
    session: Session, subjects: Sequence[Subject], infusions: dict[str, Infusion]
) -> pd.DataFrame | None:
    """Stored serum cytokine results of infused subjects as the biomarkers engine's table.

    ``day``: actual days since the infusion start (UTC instants); a stored test name
    outside :data:`CYTOKINE_CODES` is an error naming it.
    """
    rows = []
    for subject, _sample, result, day in _assay_rows(session, subjects, infusions, "cytokines"):
        code = CYTOKINE_CODES.get(result.test)
        if code is None:
            raise InputError(
                "assay_result.test", result.test, "one of " + ", ".join(CYTOKINE_CODES)
            )
        if result.value is None:
            continue
        rows.append(
            {
                "subject": subject.code,
                "cytokine": code,
                "day": day,
                "value": float(result.value),
                "unit": result.unit or "",
            }
        )
    return pd.DataFrame(rows) if rows else None


def ada_samples(
    session: Session, subjects: Sequence[Subject], infusions: dict[str, Infusion]
) -> pd.DataFrame | None:
    """Stored anti-CAR antibody results (``result_text`` positive/negative, titre in value).

    ``day``: the sample's nominal study day (the baseline is scheduled on day 0,
    before the infusion, so the actual time would put it a few minutes either side).
    """
    rows = [
        {
            "subject": subject.code,
            "day": float(sample.study_day if sample.study_day is not None else day),
            "result": (result.result_text or "").strip(),
            "titre": float(result.value) if result.value is not None else float("nan"),
        }
        for subject, sample, result, day in _assay_rows(
            session, subjects, infusions, "anti_drug_antibody"
        )
    ]
    return pd.DataFrame(rows) if rows else None
