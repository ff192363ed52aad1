"""What an assay result must say before it is stored: its unit for its analyte, its LLOQ, BLQ.

The engines read stored results later (the kinetics NCA, the cytokine and ADA
summaries of the study report) and refuse a unit they do not know, so a result is
checked against the same tables when it is entered, where the person who typed it
can correct it:

1. A result is a value with its unit, or a text result (``positive``, ``BLQ``, ``<50``).
2. A value or an LLOQ needs a unit (units are never assumed); both are >= 0.
3. The unit of a qPCR result (``car_transgene_qpcr``) is one of the kinetics engine's
   spellings for CAR transgene copies per ug genomic DNA, of a flow result
   (``car_t_flow``) one for CAR+ cells per uL (:data:`cartrial.kinetics.data.ANALYTES`),
   of a cytokine one of pg/mL, ng/L, ng/mL (:data:`cartrial.biomarkers.cytokines.UNITS`),
   read case-sensitively with the litre as ``L`` or ``l`` (:mod:`cartrial.units`: SI
   Brochure 9th ed. section 5.2). Anti-drug antibodies are qualitative (a titre's
   unit is free).
5. Where the protocol's sampling schedule names a panel for the sample's analyte (the
   cytokines measured, ``samples[].panel``), the test is one of its names as written.
4. BLQ (below the lower limit of quantification): a value below its LLOQ, or the text
   ``BLQ`` or ``<x``, as the kinetics engine reads it (PKNCA's convention: it enters the
   NCA as 0). A text ``<x`` needs ``x`` to equal the LLOQ when both are given.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from cartrial.errors import InputError
from cartrial.units import normalise_unit, spelling_index

__all__ = ["assay_units", "check_assay_result", "is_blq"]


@functools.cache
def assay_units() -> dict[str, tuple[str, ...]]:
    """Sample analyte -> the accepted unit spellings of its results (rule 3); absent: free.

    Read from the engines' own tables when first asked (they import pandas, which the
    web app does not load otherwise).
    """
    from cartrial.biomarkers.cytokines import UNITS
    from cartrial.kinetics.data import ANALYTES

    return {
        "car_transgene_qpcr": tuple(ANALYTES["car_copies"][1]),
        "car_t_flow": tuple(ANALYTES["car_cells"][1]),
        "cytokines": tuple(UNITS),
    }


def _below(text: str) -> Decimal | None:
    try:
        return Decimal(text[1:].strip())
    except InvalidOperation:
        return None


def is_blq(value: Decimal | None, lloq: Decimal | None, result_text: str | None) -> bool:
    """Whether a result is below the limit of quantification (rule 4).

    >>> is_blq(Decimal(30), Decimal(50), None), is_blq(None, None, "<50")
    (True, True)
    """
    text = (result_text or "").strip()
    if text.upper() == "BLQ" or text.startswith("<"):
        return True
    return value is not None and lloq is not None and value < lloq


def check_assay_result(
    analyte: str,
    *,
    test: str,
    value: Decimal | None,
    unit: str | None,
    lloq: Decimal | None,
    result_text: str | None,
    panel: Sequence[str] = (),
) -> None:
    """Refuse a result the engines could not read (module rules 1-5), naming the field.

    ``panel``: the protocol's panel for the sample's analyte (empty: none named).
    """
    if not test.strip():
        raise InputError("test", test, "the test's name, such as CAR transgene copies")
    if value is None and not (result_text or "").strip():
        raise InputError("value", "nothing", "a value with its unit, or a text result (BLQ, <50)")
    for name, number in (("value", value), ("lloq", lloq)):
        if number is not None and (not number.is_finite() or number < 0):
            raise InputError(name, str(number), "a number >= 0")
    if (value is not None or lloq is not None) and not (unit or "").strip():
        raise InputError("unit", unit, "a unit for the value and LLOQ (units are never assumed)")
    accepted = assay_units().get(analyte)
    written = (unit or "").strip()
    if accepted is not None and written and normalise_unit(written) not in spelling_index(accepted):
        raise InputError(
            "unit", unit, f"a unit of {analyte} results: one of " + ", ".join(accepted)
        )
    if panel and test not in panel:
        raise InputError(
            "test", test, f"one of the protocol's {analyte} panel: " + ", ".join(panel)
        )
    text = (result_text or "").strip()
    if text.startswith("<"):
        limit = _below(text)
        if limit is None:
            raise InputError("result_text", text, "<x with x the LLOQ, such as <50")
        if lloq is not None and limit != lloq:
            raise InputError("result_text", text, f"<{lloq} (the LLOQ given)")
