"""Body surface area (BSA) by Mosteller or DuBois, with the protocol's optional cap.

Sources:

- Mosteller RD. Simplified calculation of body-surface area. N Engl J Med
  1987;317:1098: ``BSA (m2) = sqrt(height_cm x weight_kg / 3600)``.
- Du Bois D, Du Bois EF. A formula to estimate the approximate surface area if
  height and weight be known. Arch Intern Med 1916;17:863-71:
  ``BSA (m2) = 0.007184 x weight_kg^0.425 x height_cm^0.725``.

Steps:

1. Check the inputs: weight in kg (``0 < W <= 400``), height in cm
   (``50 <= H <= 275``; a height under 50 is almost surely metres or inches).
2. Compute the formula in exact decimal arithmetic (28 significant digits).
3. Round half-up to 0.001 m2 (the precision of the CLINICAL_RULES worked numbers:
   170 cm / 70 kg -> Mosteller 1.818 m2, DuBois 1.810 m2). Doses are computed from
   the rounded value so that every reason can be re-done by hand.
4. If the protocol caps BSA (``lymphodepletion.bsa_cap_m2``) and the rounded BSA
   exceeds the cap, the cap is used and the result says so.

Actual body weight is used (no protocol bundled here asks for ideal or adjusted
weight).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.errors import InputError
from cartrial.vitals import VITAL_SIGNS

__all__ = [
    "BSA_PRECISION_M2",
    "BsaFormula",
    "BsaResult",
    "check_height_cm",
    "check_weight_kg",
    "compute_bsa",
    "compute_bsa_dubois",
    "compute_bsa_mosteller",
]

BsaFormula = Literal["mosteller", "dubois"]

BSA_PRECISION_M2 = Decimal("0.001")

# The plausible ranges of body weight and height are cartrial.vitals' (one range per quantity).
_MIN_WEIGHT_KG = VITAL_SIGNS["weight"].low
_MAX_WEIGHT_KG = VITAL_SIGNS["weight"].high
_MIN_HEIGHT_CM = VITAL_SIGNS["height"].low
_MAX_HEIGHT_CM = VITAL_SIGNS["height"].high

_SOURCES: dict[str, str] = {
    "mosteller": "Mosteller, N Engl J Med 1987;317:1098",
    "dubois": "Du Bois & Du Bois, Arch Intern Med 1916;17:863-71",
}


class BsaResult(BaseModel):
    """A body surface area with the inputs, the formula and the cap that produced it."""

    model_config = ConfigDict(frozen=True)

    formula: BsaFormula
    weight_kg: Decimal
    height_cm: Decimal
    uncapped_m2: Decimal
    cap_m2: Decimal | None
    capped: bool
    bsa_m2: Decimal
    source: str
    reason: str


def check_weight_kg(weight_kg: Decimal) -> Decimal:
    """Return ``weight_kg`` if it is a plausible body weight, else raise :class:`InputError`."""
    if not weight_kg.is_finite() or not _MIN_WEIGHT_KG <= weight_kg <= _MAX_WEIGHT_KG:
        raise InputError(
            "weight_kg",
            str(weight_kg),
            f"a body weight from {_MIN_WEIGHT_KG} to {_MAX_WEIGHT_KG} kg",
        )
    return weight_kg


def check_height_cm(height_cm: Decimal) -> Decimal:
    """Return ``height_cm`` if it is a plausible height in cm, else raise :class:`InputError`."""
    if not height_cm.is_finite() or not _MIN_HEIGHT_CM <= height_cm <= _MAX_HEIGHT_CM:
        raise InputError(
            "height_cm", str(height_cm), f"a height in cm from {_MIN_HEIGHT_CM} to {_MAX_HEIGHT_CM}"
        )
    return height_cm


def compute_bsa_mosteller(*, weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """Mosteller BSA in m2, unrounded: ``sqrt(height_cm x weight_kg / 3600)``.

    Source: Mosteller RD, N Engl J Med 1987;317:1098.

    >>> compute_bsa_mosteller(weight_kg=Decimal(90), height_cm=Decimal(160))
    Decimal('2')
    """
    return (height_cm * weight_kg / Decimal(3600)).sqrt()


def compute_bsa_dubois(*, weight_kg: Decimal, height_cm: Decimal) -> Decimal:
    """DuBois BSA in m2, unrounded: ``0.007184 x weight_kg^0.425 x height_cm^0.725``.

    Source: Du Bois D, Du Bois EF, Arch Intern Med 1916;17:863-71.

    >>> compute_bsa_dubois(weight_kg=Decimal(70), height_cm=Decimal(170)).quantize(Decimal("0.001"))
    Decimal('1.810')
    """
    return Decimal("0.007184") * weight_kg ** Decimal("0.425") * height_cm ** Decimal("0.725")


def compute_bsa(
    *,
    weight_kg: Decimal,
    height_cm: Decimal,
    formula: BsaFormula = "mosteller",
    cap_m2: Decimal | None = None,
) -> BsaResult:
    """BSA in m2 rounded half-up to 0.001, capped at ``cap_m2`` when given (see module doc).

    >>> r = compute_bsa(weight_kg=Decimal(70), height_cm=Decimal(170))
    >>> r.bsa_m2, r.reason
    (Decimal('1.818'), 'Mosteller sqrt(170 cm x 70 kg / 3600) = 1.818 m2')
    >>> compute_bsa(weight_kg=Decimal(120), height_cm=Decimal(190), cap_m2=Decimal(2)).reason
    'Mosteller sqrt(190 cm x 120 kg / 3600) = 2.517 m2, capped at 2 m2 by the protocol'
    """
    check_weight_kg(weight_kg)
    check_height_cm(height_cm)
    if formula == "mosteller":
        raw = compute_bsa_mosteller(weight_kg=weight_kg, height_cm=height_cm)
        how = f"Mosteller sqrt({height_cm} cm x {weight_kg} kg / 3600)"
    elif formula == "dubois":
        raw = compute_bsa_dubois(weight_kg=weight_kg, height_cm=height_cm)
        how = f"DuBois 0.007184 x {weight_kg} kg^0.425 x {height_cm} cm^0.725"
    else:  # pragma: no cover - guarded by the Literal type and the CLI
        raise InputError("bsa_formula", formula, "mosteller or dubois")
    rounded = raw.quantize(BSA_PRECISION_M2, rounding=ROUND_HALF_UP)
    capped = cap_m2 is not None and rounded > cap_m2
    bsa = cap_m2 if capped and cap_m2 is not None else rounded
    reason = f"{how} = {rounded} m2"
    if capped:
        reason += f", capped at {cap_m2} m2 by the protocol"
    return BsaResult(
        formula=formula,
        weight_kg=weight_kg,
        height_cm=height_cm,
        uncapped_m2=rounded,
        cap_m2=cap_m2,
        capped=capped,
        bsa_m2=bsa,
        source=_SOURCES[formula],
        reason=reason,
    )
