"""Laboratory units: explicit conversion to one canonical unit per analyte.

Every laboratory value in cartrial carries its unit. A value is converted to the
analyte's canonical unit with a factor from the table below; a unit that is not
in the table is an error that names the test (never a guess).

Unit symbols are case-sensitive, and so is every lookup here: the SI Brochure
(9th ed., 2019, section 5.2) writes prefix and unit symbols in a fixed case
(``G`` giga is not ``g`` gram, ``M`` mega is not ``m`` milli), and UCUM (section
"Case sensitivity") keeps that distinction in its case-sensitive codes. So
``G/L`` (10^9 cells per litre) is accepted for a cell count and ``g/L`` (grams
per litre) is refused; ``MG/DL``, ``mMol/L`` and ``u/L`` are refused everywhere.
What is accepted is an explicit table of spellings per analyte (below), read
after two rules that change no letter's case:

- typography (:func:`normalise_unit`): spaces are ignored, the micro sign ``µ``
  is ``u``, ``×`` is ``x``, superscript digits are powers (``10⁹`` = ``10^9``),
  and the power-of-ten notations ``10*9`` (UCUM) and ``10e9`` (CTCAE) are ``10^9``;
- the litre (:func:`litre_spellings`): its symbol is ``l`` or ``L`` (SI Brochure
  9th ed. Table 8; UCUM defines both ``l`` and ``L`` as the litre), so ``g/dl``,
  ``umol/l`` and ``G/l`` are the table's ``g/dL``, ``umol/L`` and ``G/L``.

Sources of the factors (independent of this code; the tests check them against
the same published numbers):

- cell counts: 1 x10^9/L = 10^3/uL = 1000 cells/uL = 1000 cells/mm3
  (CTCAE v5.0 gives both forms, e.g. neutrophils "< 1.5 x 10e9/L" = "< 1500/mm3");
  ``G/L`` is the SI spelling of 10^9/L (giga per litre), ``K/uL`` the US
  laboratory spelling of 10^3/uL.
- haemoglobin: 1 g/dL = 10 g/L; 1 mmol/L (monomer, molar mass 16 114.5 g/mol)
  = 16.1145 g/L (CTCAE v5.0 anaemia: 10.0 g/dL = 6.2 mmol/L = 100 g/L).
- bilirubin: 1 mg/dL = 17.104 umol/L (molar mass 584.66 g/mol).
- creatinine: 1 mg/dL = 88.42 umol/L (molar mass 113.12 g/mol).
- enzymes: 1 U/L = 1 IU/L (the enzyme unit U, 1 umol/min, is the
  "international unit" of the IUB 1964 recommendation: two names of one unit,
  and CTCAE's ULN-relative enzyme grades do not depend on it);
  1 ukat/L = 60 U/L (1 kat = 1 mol/s, so 1 ukat = 60 umol/min).
- albumin, fibrinogen: 1 g/dL = 10 g/L; 1 mg/dL = 0.01 g/L.
- phosphate (as phosphorus): 1 mg/dL = 0.3229 mmol/L (atomic mass 30.97).
- sodium, potassium: 1 mEq/L = 1 mmol/L (monovalent).

Arithmetic is exact decimal (:class:`decimal.Decimal`) so that a threshold such
as "<= 1.5 x ULN" is decided exactly at its boundary.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Context, Decimal

from cartrial.errors import NotFoundError, UnknownUnitError

__all__ = [
    "ANALYTES",
    "PLAUSIBLE_RANGES",
    "Analyte",
    "Quantity",
    "check_unit",
    "convert",
    "implausible",
    "litre_spellings",
    "normalise_unit",
    "spelling_index",
]

_SUPERSCRIPTS = str.maketrans({"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁶": "6", "⁹": "9"})


def normalise_unit(unit: str) -> str:
    """Typographic key of a unit string; the case of every letter is kept.

    Removes spaces, maps micro signs to ``u``, the multiplication sign to ``x``,
    superscript digits to ``^digit`` and ``10*``/``10e``/``**`` to ``10^``/``^``.
    Case is significant in unit symbols (SI Brochure 9th ed. section 5.2; UCUM
    "Case sensitivity"), so it is never folded: ``G/L`` and ``g/L`` differ.

    >>> normalise_unit("× 10⁹/L")
    'x10^9/L'
    >>> normalise_unit("µmol/L")
    'umol/L'
    >>> normalise_unit("G/L") == normalise_unit("g/L")
    False
    """
    text = unit.strip().replace("µ", "u").replace("μ", "u").replace("×", "x")
    text = re.sub(r"([⁰¹²³⁶⁹]+)", lambda m: "^" + m.group(1).translate(_SUPERSCRIPTS), text)
    text = text.replace("10*", "10^").replace("10e", "10^").replace("**", "^")
    return re.sub(r"\s+", "", text)


# The litre symbol in a table spelling: ``L`` alone or after a prefix (u, m, d, n, p),
# at the start or after "/", and followed by "/" or the end ("mL/min", "x10^9/L", "g/dL").
_LITRE = re.compile(r"(?<![^/ ])([umdnp]?)L(?=$|/)")


def litre_spellings(spelling: str) -> tuple[str, ...]:
    """``spelling``, and the same with the litre written ``l`` where it writes ``L``.

    The litre's symbol is ``l`` or ``L`` (SI Brochure 9th ed. Table 8; UCUM
    defines both). No other letter changes case.

    >>> litre_spellings("g/dL")
    ('g/dL', 'g/dl')
    >>> litre_spellings("x10^9/L")
    ('x10^9/L', 'x10^9/l')
    >>> litre_spellings("mL/min")
    ('mL/min', 'ml/min')
    >>> litre_spellings("INR")
    ('INR',)
    """
    lower = _LITRE.sub(lambda m: m.group(1) + "l", spelling)
    return (spelling,) if lower == spelling else (spelling, lower)


def spelling_index(spellings: Iterable[str]) -> dict[str, str]:
    """Every accepted way of writing each table spelling (key) -> the table spelling.

    Keys are :func:`normalise_unit` of the spelling and of its litre variant;
    nothing else is accepted (no case folding). Two table spellings that would
    share a key are a programming error.

    >>> spelling_index(["g/L", "G/L"])["G/l"]
    'G/L'
    """
    index: dict[str, str] = {}
    for spelling in spellings:
        for variant in litre_spellings(spelling):
            taken = index.setdefault(normalise_unit(variant), spelling)
            if taken != spelling:
                raise ValueError(f"unit spellings {taken!r} and {spelling!r} are read alike")
    return index


@dataclass(frozen=True)
class Analyte:
    """A measured quantity: its canonical unit and the factor of every accepted unit.

    ``factors[u]`` multiplies a value in unit ``u`` to give the canonical unit.
    The keys are the table spellings; :meth:`spelling` also reads their
    typographic and litre variants (module docstring), never another case.
    """

    name: str
    canonical_unit: str
    factors: dict[str, Decimal]

    @functools.cached_property
    def _index(self) -> dict[str, str]:
        return spelling_index(self.factors)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every spelling accepted as written: the table's, then their litre variants."""
        variants = [v for spelled in self.factors for v in litre_spellings(spelled)]
        return tuple(dict.fromkeys([*self.factors, *variants]))

    def find(self, unit: str) -> str | None:
        """The table spelling ``unit`` is written for, or None."""
        return self._index.get(normalise_unit(unit))

    def spelling(self, unit: str, *, field: str) -> str:
        """The table spelling ``unit`` is written for; else an error naming the test."""
        found = self.find(unit)
        if found is None:
            litre = any(len(litre_spellings(u)) > 1 for u in self.factors)
            raise UnknownUnitError(
                field, unit, self.factors, test=self.name, litre_either_case=litre
            )
        return found

    def factor_for(self, unit: str, *, field: str) -> Decimal:
        return self.factors[self.spelling(unit, field=field)]


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


def check_unit(analyte: str, unit: str, *, field: str) -> str:
    """The table spelling of ``unit`` for ``analyte``; an unknown unit is an error naming ``field``.

    The one unit policy of cartrial: the CTCAE engine (``cartrial safety
    grade-lab``), the store's ``record_lab`` and the protocol loader all read a
    unit through it, so a unit refused by one is refused by all (issue 12:
    ``bananas`` for ALT was graded by the CLI because the ULN-relative rows
    never converted it). The error names the field, the value and the units of
    the test (:class:`~cartrial.errors.UnknownUnitError`).

    >>> check_unit("alt", "IU/l", field="unit")
    'IU/L'
    """
    if analyte not in ANALYTES:
        raise NotFoundError("laboratory test", analyte, ANALYTES)
    return ANALYTES[analyte].spelling(unit, field=field)


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


_D = Decimal

PLAUSIBLE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "wbc": (_D(0), _D(1000)),
    "anc": (_D(0), _D(1000)),
    "alc": (_D(0), _D(1000)),
    "platelets": (_D(0), _D(5000)),
    "hemoglobin": (_D(0), _D(300)),
    "ast": (_D(0), _D(100_000)),
    "alt": (_D(0), _D(100_000)),
    "alkaline_phosphatase": (_D(0), _D(100_000)),
    "ggt": (_D(0), _D(100_000)),
    "total_bilirubin": (_D(0), _D(100)),
    "direct_bilirubin": (_D(0), _D(100)),
    "creatinine": (_D(0), _D(50)),
    "creatinine_clearance": (_D(0), _D(500)),
    "albumin": (_D(0), _D(100)),
    "fibrinogen": (_D(0), _D(30)),
    "inr": (_D(0), _D(50)),
    "aptt": (_D(0), _D(600)),
    "sodium": (_D(50), _D(250)),
    "potassium": (_D("0.5"), _D(20)),
    "phosphate": (_D(0), _D(30)),
}
"""Analyte -> (lowest, highest) plausible value in its canonical unit (issue 14).

A value outside is an entry error (a negative count, a unit slip, an overflowing 1e308),
refused with the range in the message, never graded. The limits are not clinical
thresholds: each lies well beyond the most extreme results reported in living patients,
so that no real value is refused. Anchors: adult reference intervals (Kratz et al.,
"Laboratory reference values", N Engl J Med 2004;351:1548-1563); the CTCAE v5.0 grade 4
limits, all far inside; white counts of hyperleukocytic leukaemia, where
hyperleukocytosis starts at 100 x 10^9/L and the highest reported counts are near
1,000 x 10^9/L (Ganzel et al., Blood Rev 2012;26:117-122), which bounds the white
cells, neutrophils and lymphocytes; aminotransferases of hypoxic hepatitis, which can
exceed 10,000 U/L (Henrion, Liver Int 2012;32:1039-1052), given ten times that; counts
and concentrations cannot be negative. Sodium and potassium have lower bounds above 0:
a serum without them is not a patient's.
"""
assert set(PLAUSIBLE_RANGES) == set(ANALYTES), "every analyte has its plausible range"


def implausible(analyte: str, value: Decimal, unit: str) -> str | None:
    """What was expected, when ``value`` in ``unit`` lies outside the analyte's plausible
    range (:data:`PLAUSIBLE_RANGES`, in that unit); ``None`` when it lies inside.

    >>> implausible("anc", Decimal("-1"), "x10^9/L")
    'anc from 0 to 1000 x10^9/L (the plausible range)'
    >>> implausible("anc", Decimal("1500"), "/mm3") is None
    True
    """
    if not value.is_finite():
        return f"a finite {analyte} value"
    low, high = PLAUSIBLE_RANGES[analyte]
    factor = ANALYTES[analyte].factor_for(unit, field="unit")
    canonical = value * factor
    if low <= canonical <= high:
        return None
    spelled = ANALYTES[analyte].spelling(unit, field="unit")
    shown_low, shown_high = (format_decimal(_tidy(b / factor)) for b in (low, high))
    return f"{analyte} from {shown_low} to {shown_high} {spelled} (the plausible range)"
