"""Eligibility criteria as data: the seed's wording beside a machine-checkable rule.

Each criterion keeps the registry's own text and a ``rule`` the eligibility
engine (:mod:`cartrial.eligibility`) evaluates to true, false or unknown. For an
inclusion criterion the rule states what must hold; for an exclusion criterion
the rule states the excluding condition *as worded* (for example the Shenzhen
"WBC <= 1 x 10^9/L" keeps its non-strict comparison), and the engine inverts it.

Rule kinds (the ``kind`` key selects one):

``age``
    age in whole years at the consent date, bounds inclusive.
``lab``
    a laboratory value against a fixed threshold (value + unit) or a multiple of
    ULN/LLN, optionally void when G-CSF or a transfusion was given within N days
    before the sample.
``creatinine_clearance``
    measured clearance when given, else Cockcroft-Gault from age, weight, sex and
    serum creatinine.
``field``
    a recorded fact (dotted path into the screening record) compared with a value;
    ``judgement: true`` marks an investigator's assessment.
``within``
    a dated event (or a list of dated items, filtered) within a period before a
    reference date (consent, enrolment or infusion).
``prior_therapy``
    any prior therapy of the given classes, ever.
``washout``
    a therapy of the given classes that ended within a period (or N half-lives,
    whichever is shorter/longer) before the reference date.
``review``
    cannot be checked from data by nature: always needs investigator review.
``all_of`` / ``any_of`` / ``not``
    three-valued (Kleene) logic over nested rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from cartrial.protocol.provenance import Provenance, StrictModel

__all__ = [
    "AgeRule",
    "AllOf",
    "AnyOf",
    "Comparator",
    "CreatinineClearanceRule",
    "Criterion",
    "FieldRule",
    "LabRule",
    "Not",
    "Period",
    "PriorTherapyRule",
    "ReferenceDate",
    "ReviewRule",
    "Rule",
    "WashoutRule",
    "WithinRule",
]

Comparator = Literal["<", "<=", ">", ">="]
FieldOperator = Literal["==", "!=", "in", "not_in", "<", "<=", ">", ">="]
ReferenceDate = Literal["consent", "enrollment", "infusion"]
SupportKind = Literal["gcsf", "rbc_transfusion", "platelet_transfusion"]


class Period(StrictModel):
    """A span of calendar time; exactly one unit is given."""

    days: int | None = Field(default=None, ge=0)
    weeks: int | None = Field(default=None, ge=0)
    months: int | None = Field(default=None, ge=0)
    years: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_unit(self) -> Period:
        given = [v for v in (self.days, self.weeks, self.months, self.years) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of days, weeks, months, years")
        return self

    def __str__(self) -> str:
        for name in ("days", "weeks", "months", "years"):
            value = getattr(self, name)
            if value is not None:
                unit = name if value != 1 else name[:-1]
                return f"{value} {unit}"
        raise AssertionError("unreachable")


class AgeRule(StrictModel):
    kind: Literal["age"]
    min_years: int | None = Field(default=None, ge=0)
    max_years: int | None = Field(default=None, ge=0)


class LabRule(StrictModel):
    """``test op threshold``: threshold is ``value``+``unit``, ``times_uln`` or ``times_lln``."""

    kind: Literal["lab"]
    test: str
    op: Comparator
    value: Decimal | None = None
    unit: str | None = None
    times_uln: Decimal | None = Field(default=None, gt=0)
    times_lln: Decimal | None = Field(default=None, gt=0)
    void_if_support_within_days: int | None = Field(default=None, ge=1)
    support: list[SupportKind] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_threshold(self) -> LabRule:
        fixed = self.value is not None
        if fixed != (self.unit is not None):
            raise ValueError("a fixed threshold needs both 'value' and 'unit'")
        if sum([fixed, self.times_uln is not None, self.times_lln is not None]) != 1:
            raise ValueError("give exactly one threshold: value+unit, times_uln or times_lln")
        if (self.void_if_support_within_days is None) != (not self.support):
            raise ValueError("'void_if_support_within_days' and 'support' go together")
        return self


class CreatinineClearanceRule(StrictModel):
    kind: Literal["creatinine_clearance"]
    op: Comparator
    ml_per_min: Decimal = Field(gt=0)


class FieldRule(StrictModel):
    kind: Literal["field"]
    field: str
    op: FieldOperator = "=="
    value: Any
    judgement: bool = False
    label: str | None = None

    @model_validator(mode="after")
    def _list_for_membership(self) -> FieldRule:
        if self.op in ("in", "not_in") and not isinstance(self.value, list):
            raise ValueError(f"op '{self.op}' needs a list 'value'")
        return self


class WithinRule(StrictModel):
    """A dated event within ``period`` before the reference date.

    ``field`` is a date field (value ``"never"`` means none occurred) or a list of
    items; for a list, ``date_field`` names each item's date and ``where`` keeps
    items whose fields equal the given values (a list value means any of them).
    """

    kind: Literal["within"]
    field: str
    period: Period
    reference: ReferenceDate = "consent"
    date_field: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None


class PriorTherapyRule(StrictModel):
    kind: Literal["prior_therapy"]
    classes: list[str] = Field(min_length=1)


class WashoutRule(StrictModel):
    """A therapy of ``classes`` ended less than the washout before the reference date.

    The washout is ``period``, or ``half_lives`` x the agent's half-life combined
    with it by ``combine`` ("shorter" or "longer") when the half-life is known.
    ``min_prednisone_eq_mg_per_day`` counts only doses at or above it.
    """

    kind: Literal["washout"]
    classes: list[str] = Field(min_length=1)
    period: Period
    half_lives: int | None = Field(default=None, ge=1)
    combine: Literal["shorter", "longer"] = "shorter"
    reference: ReferenceDate = "consent"
    min_prednisone_eq_mg_per_day: Decimal | None = Field(default=None, gt=0)


class ReviewRule(StrictModel):
    kind: Literal["review"]
    question: str


class AllOf(StrictModel):
    kind: Literal["all_of"]
    rules: list[Rule] = Field(min_length=1)


class AnyOf(StrictModel):
    kind: Literal["any_of"]
    rules: list[Rule] = Field(min_length=1)


class Not(StrictModel):
    kind: Literal["not"]
    rule: Rule


Rule = Annotated[
    AgeRule
    | LabRule
    | CreatinineClearanceRule
    | FieldRule
    | WithinRule
    | PriorTherapyRule
    | WashoutRule
    | ReviewRule
    | AllOf
    | AnyOf
    | Not,
    Field(discriminator="kind"),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


class Criterion(Provenance):
    """One inclusion or exclusion criterion, in the seed's order and words."""

    id: str
    text: str
    rule: Rule
    interpretation: str | None = None
