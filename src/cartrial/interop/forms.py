"""The case report forms cartrial exchanges with REDCap and CDISC ODM, as data.

One definition serves the REDCap data dictionary, the ODM metadata and both imports, so the
three cannot drift. The repeating follow-up forms are the records a site enters after
enrolment through the services (labs, vital signs, adverse events, concomitant medications);
each item names the service argument it feeds, its type, its unit and its choices, which come
from the same vocabularies the services check (``cartrial.units``, ``cartrial.vitals``, the
AE grading scales and relatedness). The screening form mirrors what the protocol's
eligibility criteria read (its lab tests); it is exported for a site's EDC and not imported,
because screening in cartrial is decided by the eligibility engine on its own record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cartrial.protocol.criteria import LabRule
from cartrial.protocol.model import Protocol
from cartrial.safety.events import RELATEDNESS
from cartrial.units import ANALYTES
from cartrial.vitals import VITAL_SIGNS

__all__ = ["FORMS", "Form", "Item", "ItemType", "protocol_forms"]

ItemType = Literal["text", "integer", "float", "date", "datetime", "choice", "boolean"]


@dataclass(frozen=True)
class Item:
    """One field of a form: its name (also the REDCap variable and ODM item name)."""

    name: str
    label: str
    type: ItemType
    argument: str | None = None
    """The service argument it feeds (None: exported for reference, not imported)."""
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    unit: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Form:
    """A form: repeating forms hold many records per subject (one per lab, AE, ...)."""

    name: str
    label: str
    repeating: bool
    items: tuple[Item, ...]
    target: Literal["lab", "vital_sign", "adverse_event", "con_med"] | None = None
    notes: tuple[str, ...] = field(default=())

    def item(self, name: str) -> Item:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(name)


def _choices(values: list[str]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v.replace("_", " ")) for v in values)


FORMS: tuple[Form, ...] = (
    Form(
        "laboratory",
        "Laboratory results",
        True,
        (
            Item("lb_datetime", "Date and time collected", "datetime", "collected_at", True),
            Item(
                "lb_test",
                "Test",
                "text",
                "test",
                True,
                note="tests with unit rules: " + ", ".join(sorted(ANALYTES)),
            ),
            Item("lb_value", "Result", "float", "value", True),
            Item(
                "lb_unit",
                "Unit (as reported)",
                "text",
                "unit",
                True,
                note="one of the units cartrial.units lists for the test",
            ),
            Item("lb_uln", "Upper limit of normal (same unit)", "float", "uln"),
            Item("lb_lln", "Lower limit of normal (same unit)", "float", "lln"),
            Item("lb_ctcae_term", "CTCAE term to grade it against", "text", "ctcae_term"),
        ),
        target="lab",
    ),
    Form(
        "vital_signs",
        "Vital signs",
        True,
        (
            Item("vs_datetime", "Date and time measured", "datetime", "measured_at", True),
            Item("vs_test", "Vital sign", "choice", "test", True, _choices(sorted(VITAL_SIGNS))),
            Item("vs_value", "Value", "float", "value", True),
            Item(
                "vs_unit",
                "Unit",
                "text",
                "unit",
                True,
                note="C or F for temperature, mmHg, /min, %, kg, cm",
            ),
        ),
        target="vital_sign",
    ),
    Form(
        "adverse_events",
        "Adverse events",
        True,
        (
            Item("ae_term", "Term (CTCAE v5.0, or CRS / ICANS)", "text", "term", True),
            Item("ae_onset", "Onset date", "date", "onset_date", True),
            Item(
                "ae_scale",
                "Grading scale",
                "choice",
                "grading_scale",
                True,
                (("ctcae_v5", "CTCAE v5.0"), ("astct_2019", "ASTCT 2019")),
            ),
            Item(
                "ae_grade",
                "Grade",
                "choice",
                "reported_grade",
                True,
                tuple((str(g), f"Grade {g}") for g in range(1, 6)),
            ),
            Item("ae_serious", "Serious", "boolean", "is_serious"),
            Item(
                "ae_relatedness",
                "Relationship to CAR-T",
                "choice",
                "relatedness",
                choices=_choices(list(RELATEDNESS)),
            ),
        ),
        target="adverse_event",
    ),
    Form(
        "concomitant_medications",
        "Concomitant medications",
        True,
        (
            Item("cm_name", "Medication", "text", "name", True),
            Item("cm_start", "Start date", "date", "start_date", True),
            Item("cm_end", "End date", "date", "end_date"),
            Item("cm_dose", "Dose", "text", "dose"),
            Item("cm_indication", "Indication", "text", "indication"),
        ),
        target="con_med",
    ),
)


def _lab_tests(rule: object, found: list[str]) -> None:
    if isinstance(rule, LabRule) and rule.test not in found:
        found.append(rule.test)
    for child in getattr(rule, "rules", None) or []:
        _lab_tests(child, found)
    inner = getattr(rule, "rule", None)
    if inner is not None:
        _lab_tests(inner, found)


def protocol_forms(protocol: Protocol) -> tuple[Form, ...]:
    """The protocol's screening form (its criteria's lab tests) followed by :data:`FORMS`."""
    tests: list[str] = []
    for criterion in [*protocol.eligibility.inclusion, *protocol.eligibility.exclusion]:
        _lab_tests(criterion.rule, tests)
    items: list[Item] = [
        Item("scr_date", "Screening date", "date", required=True),
        Item("scr_birth_date", "Date of birth", "date", required=True),
        Item("scr_ecog", "ECOG performance status", "choice",
             choices=tuple((str(g), str(g)) for g in range(6))),
    ]  # fmt: skip
    for test in tests:
        unit = ANALYTES[test].canonical_unit if test in ANALYTES else None
        items.append(
            Item(f"scr_{test}", f"{test.replace('_', ' ')} at screening", "float", unit=unit)
        )
        items.append(Item(f"scr_{test}_unit", f"{test.replace('_', ' ')} unit", "text"))
    screening = Form(
        "screening",
        f"Screening ({protocol.id})",
        False,
        tuple(items),
        notes=(
            "Mirrors the lab tests and fields the protocol's eligibility criteria read; "
            "eligibility is decided in cartrial by its engine, so this form is not imported.",
        ),
    )
    return (screening, *FORMS)
