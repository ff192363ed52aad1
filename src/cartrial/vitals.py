"""Vital signs: the tests a site records, their units and plausible ranges.

The test names follow the CDISC SDTM VS domain's tests (VSTESTCD TEMP, SYSBP,
DIABP, PULSE, RESP, OXYSAT, WEIGHT, HEIGHT; SDTM Controlled Terminology, VS
test codes), written in lower case as the site's forms name them. A value is
refused when its unit is not one of the test's spellings (no guessing) or when,
converted to the test's canonical unit, it lies outside a range no living
patient reaches (the bounds are plausibility limits for data entry, not
clinical thresholds; assumed, the widest that adult critical-care charts show).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cartrial.errors import InputError

__all__ = ["VITAL_SIGNS", "VitalSignSpec", "check_vital_sign"]


@dataclass(frozen=True)
class VitalSignSpec:
    """One vital sign: its unit spellings (to the canonical unit) and plausible range."""

    name: str
    sdtm_code: str
    canonical_unit: str
    #: accepted spelling -> (factor, offset): canonical = value x factor + offset
    units: dict[str, tuple[Decimal, Decimal]]
    low: Decimal
    high: Decimal


_ONE = (Decimal(1), Decimal(0))
_FAHRENHEIT = (Decimal(5) / Decimal(9), Decimal(-160) / Decimal(9))  # (F - 32) x 5/9
_PER_MIN = {"/min": _ONE, "beats/min": _ONE, "bpm": _ONE}

VITAL_SIGNS: dict[str, VitalSignSpec] = {
    spec.name: spec
    for spec in (
        VitalSignSpec(
            "temperature",
            "TEMP",
            "C",
            {"C": _ONE, "°C": _ONE, "F": _FAHRENHEIT, "°F": _FAHRENHEIT},
            Decimal(25),
            Decimal(45),
        ),
        VitalSignSpec("systolic_bp", "SYSBP", "mmHg", {"mmHg": _ONE}, Decimal(30), Decimal(300)),
        VitalSignSpec("diastolic_bp", "DIABP", "mmHg", {"mmHg": _ONE}, Decimal(10), Decimal(200)),
        VitalSignSpec("pulse", "PULSE", "/min", _PER_MIN, Decimal(20), Decimal(250)),
        VitalSignSpec(
            "respiratory_rate",
            "RESP",
            "/min",
            {"/min": _ONE, "breaths/min": _ONE},
            Decimal(4),
            Decimal(80),
        ),
        VitalSignSpec("spo2", "OXYSAT", "%", {"%": _ONE}, Decimal(50), Decimal(100)),
        # Body weight and height: the one plausible range, also what dosing accepts
        # (cartrial.dosing.bsa): from a newborn to the heaviest and tallest adults recorded.
        VitalSignSpec("weight", "WEIGHT", "kg", {"kg": _ONE}, Decimal(2), Decimal(400)),
        VitalSignSpec("height", "HEIGHT", "cm", {"cm": _ONE}, Decimal(45), Decimal(275)),
    )
}


def check_vital_sign(test: str, value: Decimal, unit: str) -> VitalSignSpec:
    """Refuse an unknown test, an unknown unit or an implausible value; the test's spec.

    >>> check_vital_sign("temperature", Decimal("101.3"), "F").sdtm_code
    'TEMP'
    >>> try:
    ...     check_vital_sign("pulse", Decimal(96), "bananas")
    ... except InputError as exc:
    ...     print(exc)
    field 'unit': got 'bananas', expected a unit of pulse: /min, beats/min, bpm
    """
    spec = VITAL_SIGNS.get(test)
    if spec is None:
        raise InputError("test", test, "a vital sign: " + ", ".join(VITAL_SIGNS))
    if unit not in spec.units:
        raise InputError("unit", unit, f"a unit of {test}: " + ", ".join(spec.units))
    factor, offset = spec.units[unit]
    canonical = value * factor + offset
    if not spec.low <= canonical <= spec.high:
        raise InputError(
            "value",
            str(value),
            f"a plausible {test} between {spec.low} and {spec.high} {spec.canonical_unit}",
        )
    return spec
