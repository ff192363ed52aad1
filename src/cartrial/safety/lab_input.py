"""The CTCAE engine's laboratory input built from a stored lab result.

``cartrial safety grade-lab`` reads :class:`~cartrial.safety.ctcae.LabRecord`
rows from a file; the store keeps the same facts as columns of ``lab_result``
(term, value, unit, ULN, LLN, baseline, anticoagulation; revision 0007).
:func:`lab_record` turns a stored row into the same ``LabRecord`` (validated by
the same model, so a bad stored value is refused with the file's field names),
and :func:`cartrial.safety.ctcae.grade_lab_record` grades either: one path from
record to grade (issue 12).

Baseline: CTCAE v5.0 grades ALT, AST, alkaline phosphatase, GGT and bilirubin
increased against the baseline "if baseline was abnormal" and does not define
which value is the baseline; that is the protocol's (ICH E9 and CDISC ADaM take
the last value before the first dose of study treatment, which for a CAR-T
trial may mean before lymphodepletion or before the infusion). cartrial does not
pick one: the baseline is entered with the value, and a value graded without one
is graded as if the baseline was normal, which its reason says ("no baseline
given: graded as if baseline normal").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Protocol

from cartrial.errors import InputError
from cartrial.safety.ctcae import LabRecord
from cartrial.safety.inputs import parse_input

__all__ = ["StoredLab", "lab_record"]


class StoredLab(Protocol):
    """What a stored lab result holds (``cartrial.store.models.LabResult``'s columns)."""

    @property
    def ctcae_term(self) -> str | None: ...
    @property
    def collected_at(self) -> dt.datetime: ...
    @property
    def value(self) -> Decimal: ...
    @property
    def unit(self) -> str: ...
    @property
    def uln(self) -> Decimal | None: ...
    @property
    def lln(self) -> Decimal | None: ...
    @property
    def baseline(self) -> Decimal | None: ...
    @property
    def on_anticoagulation(self) -> bool: ...


def lab_record(stored: StoredLab) -> LabRecord:
    """The engine's :class:`LabRecord` for a stored lab result graded under its CTCAE term.

    ULN, LLN and baseline are in the value's unit (as entered); the collection
    time is not part of the grade and is left out (a stored instant is UTC, the
    file's times are the site's clock).
    """
    if stored.ctcae_term is None:
        raise InputError("ctcae_term", None, "a CTCAE v5.0 term to grade the value under")
    return parse_input(
        LabRecord,
        {
            "term": stored.ctcae_term,
            "value": stored.value,
            "unit": stored.unit,
            "uln": stored.uln,
            "lln": stored.lln,
            "baseline": stored.baseline,
            "on_anticoagulation": bool(stored.on_anticoagulation),
        },
    )
