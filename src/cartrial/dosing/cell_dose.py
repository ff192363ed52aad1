"""The CAR-T cell dose: dose level (cells/kg) x body weight, with the protocol's weight cap.

Rule (the seed protocols state doses per kg, e.g. NCT05783089 "0.1x10^6/Kg ~
2.0x10^6/Kg"; ARCHITECTURE.md, enrolment step 2: "cells/kg x weight, protocol caps"):

1. Dosing weight = actual body weight in kg, or the protocol's
   ``cell_dose.weight_cap_kg`` when the weight exceeds it (the result says whether
   the cap applied).
2. Total cells = cells/kg x dosing weight, exact decimal, rounded half-up to a whole
   cell.
3. When the protocol gives a release tolerance (``tolerance_percent``), the accepted
   range is total x (1 -/+ tolerance/100), rounded half-up to whole cells.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict

from cartrial.dosing.bsa import check_weight_kg
from cartrial.dosing.lymphodepletion import format_decimal
from cartrial.protocol.model import CellDoseRule, DoseLevel

__all__ = ["CellDose", "compute_cell_dose", "format_scientific"]


class CellDose(BaseModel):
    """A cell dose with the level, the weight used and whether the protocol's cap applied."""

    model_config = ConfigDict(frozen=True)

    level: int
    level_label: str | None
    cells_per_kg: Decimal
    weight_kg: Decimal
    weight_cap_kg: Decimal | None
    is_weight_capped: bool
    dosing_weight_kg: Decimal
    total_cells: int
    tolerance_percent: Decimal | None
    min_cells: int | None
    max_cells: int | None
    is_assumed: bool
    reason: str


def format_scientific(value: Decimal) -> str:
    """An exact value as ``mantissa x 10^exponent``.

    >>> format_scientific(Decimal(70000000)), format_scientific(Decimal("1.5E6"))
    ('7 x 10^7', '1.5 x 10^6')
    >>> format_scientific(Decimal(7037000))
    '7.037 x 10^6'
    """
    if value == 0:
        return "0"
    exponent = value.adjusted()
    mantissa = value.scaleb(-exponent)
    return f"{format_decimal(mantissa)} x 10^{exponent}"


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute_cell_dose(*, rule: CellDoseRule, level: DoseLevel, weight_kg: Decimal) -> CellDose:
    """Cells for one patient at one dose level (module doc, steps 1-3).

    >>> rule = CellDoseRule(weight_cap_kg=Decimal(100))
    >>> dl = DoseLevel(level=2, cells_per_kg=Decimal("1E6"))
    >>> d = compute_cell_dose(rule=rule, level=dl, weight_kg=Decimal(120))
    >>> d.total_cells, d.is_weight_capped
    (100000000, True)
    >>> d.reason
    'dose level 2: 1 x 10^6 cells/kg x 100 kg (weight 120 kg capped at 100 kg) = 1 x 10^8 cells'
    """
    check_weight_kg(weight_kg)
    cap = rule.weight_cap_kg
    capped = cap is not None and weight_kg > cap
    dosing_weight = cap if capped and cap is not None else weight_kg
    total = _whole(level.cells_per_kg * dosing_weight)
    weight_note = (
        f"(weight {format_decimal(weight_kg)} kg capped at {format_decimal(dosing_weight)} kg)"
        if capped
        else "(actual weight" + (f"; cap {format_decimal(cap)} kg not reached)" if cap else ")")
    )
    label = f" ({level.label})" if level.label else ""
    reason = (
        f"dose level {level.level}{label}: {format_scientific(level.cells_per_kg)} cells/kg x "
        f"{format_decimal(dosing_weight)} kg {weight_note} = "
        f"{format_scientific(Decimal(total))} cells"
    )
    tolerance = rule.tolerance_percent
    low = high = None
    if tolerance is not None:
        low = _whole(total * (1 - tolerance / 100))
        high = _whole(total * (1 + tolerance / 100))
        reason += (
            f"; accepted {format_scientific(Decimal(low))}-{format_scientific(Decimal(high))}"
            f" (+/-{format_decimal(tolerance)} %"
            + (", assumed" if rule.tolerance_source and rule.tolerance_source.assumed else "")
            + ")"
        )
    return CellDose(
        level=level.level,
        level_label=level.label,
        cells_per_kg=level.cells_per_kg,
        weight_kg=weight_kg,
        weight_cap_kg=cap,
        is_weight_capped=capped,
        dosing_weight_kg=dosing_weight,
        total_cells=total,
        tolerance_percent=tolerance,
        min_cells=low,
        max_cells=high,
        is_assumed=level.assumed or bool(rule.tolerance_source and rule.tolerance_source.assumed),
        reason=reason,
    )
