"""Laboratory units: explicit conversion to one canonical unit per analyte.

Every laboratory value in cartrial carries its unit. A value is converted to the
analyte's canonical unit with a factor from the table below; a unit that is not
in the table is an error that names the test (never a guess).

Sources of the factors (independent of this code; the tests check them against
the same published numbers):

- cell counts: 1 x10^9/L = 10^3/uL = 1000 cells/uL = 1000 cells/mm3
  (CTCAE v5.0 gives both forms, e.g. neutrophils "< 1.5 x 10e9/L" = "< 1500/mm3").
- haemoglobin: 1 g/dL = 10 g/L; 1 mmol/L (monomer, molar mass 16 114.5 g/mol)
  = 16.1145 g/L (CTCAE v5.0 anaemia: 10.0 g/dL = 6.2 mmol/L = 100 g/L).
- bilirubin: 1 mg/dL = 17.104 umol/L (molar mass 584.66 g/mol).
- creatinine: 1 mg/dL = 88.42 umol/L (molar mass 113.12 g/mol).
- enzymes: 1 U/L = 1 IU/L; 1 ukat/L = 60 U/L.
- albumin, fibrinogen: 1 g/dL = 10 g/L; 1 mg/dL = 0.01 g/L.
- phosphate (as phosphorus): 1 mg/dL = 0.3229 mmol/L (atomic mass 30.97).
- sodium, potassium: 1 mEq/L = 1 mmol/L (monovalent).

Arithmetic is exact decimal (:class:`decimal.Decimal`) so that a threshold such
as "<= 1.5 x ULN" is decided exactly at its boundary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal

from cartrial.errors import NotFoundError, UnknownUnitError

__all__ = [
    "ANALYTES",
    "Analyte",
    "Quantity",
    "convert",
    "normalise_unit",
]

_SUPERSCRIPTS = str.maketrans({"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁶": "6", "⁹": "9"})


def normalise_unit(unit: str) -> str:
    """Spelling-insensitive key of a unit string.

    Removes spaces, maps micro signs to ``u``, the multiplication sign to ``x``,
    superscript digits to ``^digit`` and lower-cases the rest.

    >>> normalise_unit("× 10⁹/L")
    'x10^9/l'
    >>> normalise_unit("µmol/L")
    'umol/l'
    """
    text = unit.strip().replace("µ", "u").replace("μ", "u").replace("×", "x")
    text = re.sub(r"([⁰¹²³⁶⁹]+)", lambda m: "^" + m.group(1).translate(_SUPERSCRIPTS), text)
    text = text.replace("10*", "10^").replace("10e", "10^").replace("**", "^")
    return re.sub(r"\s+", "", text).lower()


@dataclass(frozen=True)
class Analyte:
    """A measured quantity: its canonical unit and the factor of every accepted unit.

    ``factors[u]`` multiplies a value in unit ``u`` to give the canonical unit.
    """

    name: str
    canonical_unit: str
    factors: dict[str, Decimal]

    def factor_for(self, unit: str, *, field: str) -> Decimal:
        key = normalise_unit(unit)
        for spelled, factor in self.factors.items():
            if normalise_unit(spelled) == key:
                return factor
        raise UnknownUnitError(field, unit, self.factors)


@dataclass(frozen=True)
class Quantity:
    """A value with its unit."""

    value: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{format_decimal(self.value)} {self.unit}"


def format_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros (``Decimal('1.50')`` -> ``'1.5'``)."""
    text = format(value.normalize(), "f")
    return text


_ONE = Decimal(1)
_WIDE = Context(prec=60)
_COUNT = {
    "x10^9/L": _ONE,
    "10^9/L": _ONE,
    "G/L": _ONE,
    "x10^3/uL": _ONE,
    "10^3/uL": _ONE,
    "K/uL": _ONE,
    "/uL": Decimal("0.001"),
    "cells/uL": Decimal("0.001"),
    "/mm3": Decimal("0.001"),
    "cells/mm3": Decimal("0.001"),
    "/mm^3": Decimal("0.001"),
}
_MASS_G_PER_L = {"g/L": _ONE, "g/dL": Decimal(10), "mg/dL": Decimal("0.01")}
_ENZYME = {"U/L": _ONE, "IU/L": _ONE, "ukat/L": Decimal(60)}
_MONOVALENT = {"mmol/L": _ONE, "mEq/L": _ONE}


def _analyte(name: str, canonical: str, factors: dict[str, Decimal]) -> Analyte:
    return Analyte(name=name, canonical_unit=canonical, factors=dict(factors))


ANALYTES: dict[str, Analyte] = {
    a.name: a
    for a in [
        _analyte("wbc", "x10^9/L", _COUNT),
        _analyte("anc", "x10^9/L", _COUNT),
        _analyte("alc", "x10^9/L", _COUNT),
        _analyte("platelets", "x10^9/L", _COUNT),
        _analyte(
            "hemoglobin",
            "g/L",
            {"g/L": _ONE, "g/dL": Decimal(10), "mmol/L": Decimal("16.1145")},
        ),
        _analyte("ast", "U/L", _ENZYME),
        _analyte("alt", "U/L", _ENZYME),
        _analyte("alkaline_phosphatase", "U/L", _ENZYME),
        _analyte("ggt", "U/L", _ENZYME),
        _analyte("total_bilirubin", "mg/dL", {"mg/dL": _ONE, "umol/L": _ONE / Decimal("17.104")}),
        _analyte("direct_bilirubin", "mg/dL", {"mg/dL": _ONE, "umol/L": _ONE / Decimal("17.104")}),
        _analyte("creatinine", "mg/dL", {"mg/dL": _ONE, "umol/L": _ONE / Decimal("88.42")}),
        _analyte("creatinine_clearance", "mL/min", {"mL/min": _ONE}),
        _analyte("albumin", "g/L", _MASS_G_PER_L),
        _analyte("fibrinogen", "g/L", _MASS_G_PER_L),
        _analyte("inr", "ratio", {"ratio": _ONE, "INR": _ONE, "1": _ONE}),
        _analyte("aptt", "s", {"s": _ONE, "sec": _ONE, "seconds": _ONE}),
        _analyte("sodium", "mmol/L", _MONOVALENT),
        _analyte("potassium", "mmol/L", _MONOVALENT),
        _analyte("phosphate", "mmol/L", {"mmol/L": _ONE, "mg/dL": Decimal("0.3229")}),
    ]
}


def convert(
    analyte: str, value: Decimal, unit: str, *, to: str | None = None, field: str | None = None
) -> Quantity:
    """Convert ``value`` in ``unit`` to ``to`` (default: the analyte's canonical unit).

    ``field`` names the input in the error raised for an unknown unit.

    >>> str(convert("total_bilirubin", Decimal("25.656"), "umol/L"))
    '1.5 mg/dL'
    >>> str(convert("anc", Decimal("1500"), "/mm3"))
    '1.5 x10^9/L'
    """
    if analyte not in ANALYTES:
        raise NotFoundError("laboratory test", analyte, ANALYTES)
    spec = ANALYTES[analyte]
    where = field or analyte
    canonical = value * spec.factor_for(unit, field=f"{where}.unit")
    if to is None:
        return Quantity(_tidy(canonical), spec.canonical_unit)
    target = canonical / spec.factor_for(to, field=f"{where}.unit")
    return Quantity(_tidy(target), to)


def _tidy(value: Decimal) -> Decimal:
    # Division by 17.104 or 88.42 gives 28 significant digits; 12 keep every
    # clinically meaningful digit and make "25.656 umol/L" print as 1.5 mg/dL.
    # A wide context so that very large values (1e16 cells/uL) quantize instead of raising.
    if not value.is_finite():
        return value
    return value.quantize(Decimal("1e-12"), context=_WIDE).normalize(context=_WIDE)
