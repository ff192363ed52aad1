"""One patient's treatment schedule: BSA, lymphodepletion doses, cell dose and calendar.

Composes :mod:`~cartrial.dosing.bsa`, :mod:`~cartrial.dosing.lymphodepletion`,
:mod:`~cartrial.dosing.cell_dose` and :mod:`~cartrial.dosing.calendar` over a
protocol. Steps:

1. Refuse a protocol that leaves open what a schedule needs (the lymphodepletion
   regimen, the dose levels, the infusion rule), naming each open item.
2. Check the patient's inputs (weight, height, creatinine clearance, dose level);
   every bad value is an :class:`~cartrial.errors.InputError` naming the field,
   raised before anything is computed. Creatinine clearance is the one given, else
   Cockcroft-Gault (:mod:`cartrial.dosing.renal`) from age, sex, serum creatinine and
   actual weight when all three are given, else not assessed.
3. BSA by the requested formula, else the protocol's (a request that differs from
   the protocol is warned about), capped at the protocol's cap.
4. Daily doses with the renal bands; the cell dose with the weight cap; the calendar.
5. Collect every warning the user must see: renal adjustment not assessed, assumed
   protocol values, an infusion date that breaks or may break the minimum interval.
"""

from __future__ import annotations

from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.dosing.bsa import BsaFormula, BsaResult, check_height_cm, check_weight_kg, compute_bsa
from cartrial.dosing.calendar import Calendar, compute_calendar
from cartrial.dosing.cell_dose import CellDose, compute_cell_dose
from cartrial.dosing.lymphodepletion import (
    DEFAULT_ROUNDING_MG,
    LymphodepletionPlan,
    check_crcl,
    compute_lymphodepletion,
    format_decimal,
)
from cartrial.dosing.renal import compute_creatinine_clearance_cockcroft_gault
from cartrial.errors import InputError, OpenProtocolItemsError
from cartrial.protocol.model import DoseLevel, Protocol

__all__ = [
    "OpenProtocolItemsError",
    "Schedule",
    "ScheduleRequest",
    "compute_schedule",
    "select_creatinine_clearance",
    "select_dose_level",
]


class ScheduleRequest(BaseModel):
    """The patient and the plan: what the user gives."""

    model_config = ConfigDict(frozen=True)

    infusion_date: date
    weight_kg: Decimal
    height_cm: Decimal
    dose_level: int | None = None
    crcl_ml_per_min: Decimal | None = None
    age_years: int | None = None
    sex: Literal["female", "male"] | None = None
    serum_creatinine_mg_dl: Decimal | None = None
    bsa_formula: BsaFormula | None = None
    ld_end_time: time | None = None
    rounding_mg: Decimal = DEFAULT_ROUNDING_MG


class Schedule(BaseModel):
    """The computed schedule, each part with its reason, and the warnings to show."""

    model_config = ConfigDict(frozen=True)

    protocol_id: str
    protocol_version: str
    request: ScheduleRequest
    bsa: BsaResult
    crcl_ml_per_min: Decimal | None
    crcl_reason: str
    lymphodepletion: LymphodepletionPlan
    cell_dose: CellDose
    calendar: Calendar
    warnings: list[str]


def _clause(reason: str | None) -> str:
    """A protocol file's one-line reason without its final full stop, to embed in a warning."""
    return (reason or "").strip().rstrip(".")


def _open_items(protocol: Protocol) -> list[str]:
    items = []
    if protocol.lymphodepletion is None:
        items.append("the lymphodepletion regimen (lymphodepletion)")
    if not protocol.dose_levels:
        items.append("the dose levels (dose_levels)")
    if protocol.infusion is None:
        items.append("the infusion rule (infusion.min_hours_after_lymphodepletion)")
    return items


def select_dose_level(protocol: Protocol, level: int | None) -> tuple[DoseLevel, list[str]]:
    """The requested level, or the escalation's starting level (with a warning)."""
    if level is not None:
        return protocol.dose_level(level), []
    escalation = protocol.escalation
    if escalation is not None and escalation.design != "investigator_assigned":
        chosen = protocol.dose_level(escalation.start_level)
        return chosen, [
            f"no --dose-level given: the escalation's starting level {chosen.level} is used"
        ]
    if len(protocol.dose_levels) == 1:
        return protocol.dose_levels[0], []
    known = ", ".join(str(d.level) for d in protocol.dose_levels)
    raise InputError(
        "dose_level", None, f"a dose level ({known}): {protocol.id} does not assign a default one"
    )


def select_creatinine_clearance(request: ScheduleRequest) -> tuple[Decimal | None, str]:
    """The clearance to dose by, and where it came from (given, Cockcroft-Gault, none).

    Cockcroft-Gault uses the actual weight; its value is kept exact for the band
    comparison and shown to 0.1 mL/min.

    >>> select_creatinine_clearance(ScheduleRequest(
    ...     infusion_date=date(2026, 3, 2), weight_kg=Decimal(72), height_cm=Decimal(170),
    ...     age_years=60, sex="female", serum_creatinine_mg_dl=Decimal(1)))[1]
    'Cockcroft-Gault (140 - 60) x 72 kg / (72 x 1 mg/dL) x 0.85 (female) = 68.0 mL/min'
    """
    inputs = {
        "age_years": request.age_years,
        "sex": request.sex,
        "serum_creatinine_mg_dl": request.serum_creatinine_mg_dl,
    }
    given = {k: v for k, v in inputs.items() if v is not None}
    if request.crcl_ml_per_min is not None:
        crcl = check_crcl(request.crcl_ml_per_min)
        note = " (age, sex and creatinine not used)" if given else ""
        return crcl, f"CrCl {format_decimal(crcl)} mL/min as given{note}"
    if not given:
        return None, "no creatinine clearance given: renal adjustment not assessed"
    missing = [k for k, v in inputs.items() if v is None]
    if missing:
        raise InputError(
            missing[0],
            None,
            "a value: Cockcroft-Gault creatinine clearance needs age, sex and serum creatinine "
            "(or give the clearance itself)",
        )
    assert request.age_years is not None and request.sex is not None
    assert request.serum_creatinine_mg_dl is not None
    crcl = compute_creatinine_clearance_cockcroft_gault(
        age_years=request.age_years,
        weight_kg=request.weight_kg,
        sex=request.sex,
        serum_creatinine_mg_dl=request.serum_creatinine_mg_dl,
    )
    female = " x 0.85 (female)" if request.sex == "female" else ""
    shown = crcl.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    scr = request.serum_creatinine_mg_dl
    scr_text = format_decimal(scr)
    if "." in scr_text and len(scr_text.split(".")[1]) > 3:
        scr_text = "~" + format_decimal(scr.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))
    return crcl, (
        f"Cockcroft-Gault (140 - {request.age_years}) x {format_decimal(request.weight_kg)} kg / "
        f"(72 x {scr_text} mg/dL){female} = {shown} mL/min"
    )


def compute_schedule(*, protocol: Protocol, request: ScheduleRequest) -> Schedule:
    """The schedule of one patient under ``protocol`` (module doc, steps 1-5)."""
    open_items = _open_items(protocol)
    if open_items:
        raise OpenProtocolItemsError(
            protocol.id, open_items, "a treatment schedule", protocol.open_items
        )
    regimen = protocol.lymphodepletion
    infusion = protocol.infusion
    assert regimen is not None and infusion is not None
    check_weight_kg(request.weight_kg)
    check_height_cm(request.height_cm)
    crcl, crcl_reason = select_creatinine_clearance(request)
    level, warnings = select_dose_level(protocol, request.dose_level)

    formula = request.bsa_formula or regimen.bsa_formula
    if formula != regimen.bsa_formula:
        warnings.append(
            f"BSA by {formula} as requested; the protocol specifies {regimen.bsa_formula}"
        )
    bsa = compute_bsa(
        weight_kg=request.weight_kg,
        height_cm=request.height_cm,
        formula=formula,
        cap_m2=regimen.bsa_cap_m2,
    )
    plan = compute_lymphodepletion(
        regimen=regimen,
        bsa=bsa,
        infusion_date=request.infusion_date,
        crcl_ml_per_min=crcl,
        rounding_mg=request.rounding_mg,
    )
    if regimen.assumed:
        warnings.append(
            "lymphodepletion regimen partly assumed by the protocol file: "
            + _clause(regimen.reason)
        )
    warnings.extend(plan.warnings)
    cells = compute_cell_dose(rule=protocol.cell_dose, level=level, weight_kg=request.weight_kg)
    if level.assumed:
        why = f": {_clause(level.reason)}" if level.reason else ""
        warnings.append(
            f"dose level {level.level} is an assumed value in the protocol file{why}; "
            f"confirm it against the full protocol"
        )
    calendar = compute_calendar(
        infusion_date=request.infusion_date,
        regimen=regimen,
        infusion=infusion,
        visits=protocol.visits,
        samples=protocol.samples,
        ld_end_time=request.ld_end_time,
        not_given=frozenset(a.agent for a in plan.agents if not a.is_given),
    )
    if infusion.assumed:
        warnings.append(f"infusion rule assumed by the protocol file: {_clause(infusion.reason)}")
    timing = calendar.infusion
    if timing is not None and timing.status == "not_satisfied":
        warnings.append(
            f"the planned infusion on {timing.infusion_date.isoformat()} is too early: the "
            f"earliest date {timing.min_hours_after_lymphodepletion} h after the last "
            f"lymphodepletion dose is {timing.earliest_date.isoformat()}"
        )
    elif timing is not None and timing.status == "needs_end_time":
        warnings.append(
            "the earliest infusion time depends on when the last lymphodepletion dose ends: "
            "give --ld-end-time to check it"
        )
    if not protocol.visits:
        warnings.append("the protocol gives no visit schedule")
    if not protocol.samples:
        warnings.append("the protocol gives no sampling schedule")
    return Schedule(
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        request=request,
        bsa=bsa,
        crcl_ml_per_min=crcl,
        crcl_reason=crcl_reason,
        lymphodepletion=plan,
        cell_dose=cells,
        calendar=calendar,
        warnings=warnings,
    )
