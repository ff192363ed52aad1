"""Creatinine clearance by Cockcroft-Gault.

Source: Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum
creatinine. Nephron 1976;16:31-41:

    CrCl (mL/min) = (140 - age in years) x weight (kg) / (72 x serum creatinine (mg/dL)),
    multiplied by 0.85 for women.

Actual body weight is used (the protocols bundled here do not say otherwise).
Serum creatinine in umol/L is converted with 88.42 umol/L per mg/dL
(:mod:`cartrial.units`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from cartrial.errors import InputError

__all__ = ["compute_creatinine_clearance_cockcroft_gault"]

_FEMALE_FACTOR = Decimal("0.85")


def compute_creatinine_clearance_cockcroft_gault(
    *,
    age_years: int,
    weight_kg: Decimal,
    sex: Literal["female", "male"],
    serum_creatinine_mg_dl: Decimal,
) -> Decimal:
    """Estimated creatinine clearance in mL/min.

    >>> compute_creatinine_clearance_cockcroft_gault(
    ...     age_years=60, weight_kg=Decimal(72), sex="male", serum_creatinine_mg_dl=Decimal(1))
    Decimal('80')
    >>> compute_creatinine_clearance_cockcroft_gault(
    ...     age_years=60, weight_kg=Decimal(72), sex="female", serum_creatinine_mg_dl=Decimal(1))
    Decimal('68.00')
    """
    if serum_creatinine_mg_dl <= 0:
        raise InputError("creatinine", serum_creatinine_mg_dl, "a positive serum creatinine")
    if weight_kg <= 0:
        raise InputError("weight_kg", weight_kg, "a positive weight in kg")
    if not 0 <= age_years < 140:
        raise InputError("age_years", age_years, "an age from 0 to 139 years")
    crcl = (140 - age_years) * weight_kg / (72 * serum_creatinine_mg_dl)
    return crcl * _FEMALE_FACTOR if sex == "female" else crcl
