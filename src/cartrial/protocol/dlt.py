"""Dose-limiting toxicity definitions as protocol data.

There is no single published DLT standard for CAR-T dose escalation; each
protocol writes its own. These models parameterise the recurring conventions
digested in ``shared/design/CLINICAL_RULES.md`` ("DLT definition template",
items D1-D9: any grade 5; grade >= 3 CRS not improving to <= 2 within 72 h;
ICANS; on-target off-tumour serositis; pneumonitis; infusion reaction;
grade 4 cytopenia persisting beyond day 28; other grade >= 3 non-haematological
toxicity lasting beyond a duration, with exceptions). CRS and ICANS are graded
by ASTCT 2019 (Lee et al., Biol Blood Marrow Transplant 2019;25:625-638), other
events by CTCAE v5.0. The safety engine evaluates them; the numbers live here.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from cartrial.protocol.provenance import Provenance, StrictModel

__all__ = [
    "AnyGrade5",
    "CrsDlt",
    "DltDefinition",
    "DltException",
    "DltRule",
    "DltSpec",
    "IcansDlt",
    "NonHaematologicalDlt",
    "PersistentCytopeniaDlt",
    "TermGradeDlt",
]

Relatedness = Literal["unrelated", "unlikely", "possible", "probable", "definite"]


class AnyGrade5(StrictModel):
    kind: Literal["any_grade5"]


class CrsDlt(StrictModel):
    kind: Literal["crs"]
    min_grade: int = Field(default=3, ge=1, le=5)
    resolution_grade: int = Field(default=2, ge=0, le=4)
    resolution_hours: int = Field(default=72, ge=0)
    grade4_any_duration: bool = True


class IcansDlt(StrictModel):
    kind: Literal["icans"]
    min_grade: int = Field(default=3, ge=1, le=5)
    resolution_grade: int = Field(default=1, ge=0, le=4)
    resolution_hours: int = Field(default=72, ge=0)
    grade4_any_duration: bool = True
    seizure_control_hours: int | None = Field(default=24, ge=0)


class TermGradeDlt(StrictModel):
    """Any listed CTCAE term at ``min_grade`` or above (serositis, pneumonitis, infusion)."""

    kind: Literal["term_grade"]
    terms: list[str] = Field(min_length=1)
    min_grade: int = Field(ge=1, le=5)


class PersistentCytopeniaDlt(StrictModel):
    """Grade >= ``grade`` cytopenia persisting beyond ``persistence_day`` after infusion.

    ``measure`` says how "persisting beyond day N" is operationalised:
    ``still_at_first_assessment_after_day`` (still at that grade at the first
    assessment after day N) or ``duration_from_onset`` (lasting more than N days
    from onset). CLINICAL_RULES.md section 6 shows the two differ.
    """

    kind: Literal["persistent_cytopenia"]
    terms: list[str] = Field(min_length=1)
    grade: int = Field(default=4, ge=1, le=4)
    persistence_day: int = Field(default=28, ge=1)
    measure: Literal["still_at_first_assessment_after_day", "duration_from_onset"] = (
        "still_at_first_assessment_after_day"
    )


class DltException(StrictModel):
    """A structured exception to the non-haematological DLT rule.

    It excuses an AE when every condition given holds: its CTCAE term is one of
    ``terms`` (any term when empty), it is a laboratory term (``laboratory``),
    its grade is at most ``max_grade``, it fell below the DLT grade within
    ``resolved_within_hours`` (at or before; "within 72 h") or before
    ``resolved_before_hours`` (strictly; "lasting < 7 days" is 168), it is
    recorded as attributable to CRS (``attributable_to_crs``). ``text`` is the
    protocol's wording, shown in reasons.
    """

    text: str = Field(min_length=1)
    terms: list[str] = Field(default_factory=list)
    laboratory: bool = False
    max_grade: int | None = Field(default=None, ge=1, le=5)
    resolved_within_hours: int | None = Field(default=None, ge=0)
    resolved_before_hours: int | None = Field(default=None, ge=1)
    attributable_to_crs: bool = False


class NonHaematologicalDlt(StrictModel):
    """Other grade >= ``min_grade`` non-haematological AE lasting > ``min_duration_hours``.

    An exception is a CTCAE term name (that term is excused), a
    :class:`DltException`, or free text the engine cannot evaluate: a DLT met
    while free-text exceptions exist is flagged for review, with their text.
    """

    kind: Literal["non_haematological"]
    min_grade: int = Field(default=3, ge=1, le=5)
    min_duration_hours: int = Field(default=72, ge=0)
    exceptions: list[str | DltException] = Field(default_factory=list)


DltRule = Annotated[
    AnyGrade5 | CrsDlt | IcansDlt | TermGradeDlt | PersistentCytopeniaDlt | NonHaematologicalDlt,
    Field(discriminator="kind"),
]


class DltDefinition(Provenance):
    id: str
    text: str
    rule: DltRule


class DltSpec(Provenance):
    """The DLT window and definitions of a dose-escalation protocol."""

    window_days: int = Field(ge=1)
    min_relatedness: Relatedness = "possible"
    lymphodepletion_related_counts: bool = False
    definitions: list[DltDefinition] = Field(default_factory=list)
