"""The protocol as code: pydantic models of a CAR-T trial protocol file.

A protocol YAML transcribes a registry record (ClinicalTrials.gov, the NCI
listing) into data the engines use: dose levels and the escalation design,
the lymphodepletion regimen with its renal adjustment, the infusion rule, the
visit and sample calendars, eligibility criteria, safety windows, DLT
definitions, AESIs, response-assessment settings and endpoints. Items carry
:class:`~cartrial.protocol.provenance.Provenance`: stated by the source, or
``assumed`` with a reason. What a sparse source leaves open stays empty and is
listed in ``open_items``; engines that need it refuse with a clear error.

Units are in the field names (``cells_per_kg``, ``mg_per_m2_per_day``,
``min_hours_after_lymphodepletion``, ``ml_per_min``); days are study days
relative to the CAR-T infusion (day 0).
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from cartrial.errors import InputError
from cartrial.protocol.criteria import Criterion
from cartrial.protocol.dlt import DltSpec
from cartrial.protocol.provenance import Provenance, StrictModel
from cartrial.vocabulary import TumourType

__all__ = [
    "THREE_PLUS_THREE_VARIANTS",
    "Aesi",
    "AgentRegimen",
    "Arm",
    "CellDoseRule",
    "CrmParameters",
    "DoseLevel",
    "Eligibility",
    "Endpoint",
    "EscalationSpec",
    "Identifier",
    "InfusionRule",
    "IntervalDesignParameters",
    "Lymphodepletion",
    "Protocol",
    "RenalBand",
    "ResponseAssessment",
    "SafetyWindows",
    "SampleSchedule",
    "Site",
    "SourceDocument",
    "ThreePlusThree",
    "Visit",
    "Window",
]

Phase = Literal["1", "2", "3"]
EscalationDesign = Literal[
    "accelerated_titration_3plus3",
    "3plus3",
    "boin",
    "crm",
    "i3plus3",
    "investigator_assigned",
]
ResponseCriteria = Literal["recist11", "irecist", "mrecist11"]


class SourceDocument(StrictModel):
    id: str
    file: str
    description: str


class Identifier(StrictModel):
    system: str
    value: str


class Site(Provenance):
    name: str
    city: str | None = None
    country: str | None = None


class Arm(Provenance):
    id: str
    label: str
    type: Literal["experimental", "active_comparator", "other"] = "experimental"
    description: str


class DoseLevel(Provenance):
    """A dose level, numbered from 1 as protocols number them."""

    level: int = Field(ge=1)
    cells_per_kg: Decimal = Field(gt=0)
    label: str | None = None


class CellDoseRule(Provenance):
    """How a dose level becomes a cell count: cells/kg x actual weight, capped if stated."""

    min_cells_per_kg: Decimal | None = Field(default=None, gt=0)
    max_cells_per_kg: Decimal | None = Field(default=None, gt=0)
    weight_cap_kg: Decimal | None = Field(default=None, gt=0)
    tolerance_percent: Decimal | None = Field(default=None, ge=0)
    #: Where the tolerance comes from when it is not what the block's source states.
    tolerance_source: Provenance | None = None


class AcceleratedTitration(Provenance):
    """Simon et al., J Natl Cancer Inst 1997;89:1138-47: one patient per level until a trigger."""

    max_single_patient_levels: int | None = Field(default=None, ge=1)
    switch_on_first_dlt: bool = True
    switch_on_nth_grade2_related: int | None = Field(default=2, ge=1)


ThreePlusThreeVariant = Literal["with-deescalation", "without-deescalation"]

THREE_PLUS_THREE_VARIANTS: dict[str, tuple[bool, bool]] = {
    "with-deescalation": (True, True),
    "without-deescalation": (False, False),
}
"""The two textbook 3+3 variants -> (``mtd_requires_six``, ``deescalation_expands_lower_level``).

Lin Y, Shih WJ, Biostatistics 2001;2:203-215, section 2: the traditional 3+3 "with
dose de-escalation" (Le Tourneau et al., JNCI 2009; the level below an exceeded
level is expanded to 6 before it is declared, and the declared MTD always has 6
patients) and "without dose de-escalation" (the level below the first exceeded
level is the MTD with the 3 or 6 patients it has; no confirmation cohort at the
highest level). Protocols (``escalation.three_plus_three``), sweep files
(``options``) and ``escalation simulate --variant`` name them; any other
combination of the two fields is neither variant.
"""


class ThreePlusThree(Provenance):
    """3+3 options: ``variant`` names a textbook variant, or the two fields state it.

    A ``variant`` sets both fields; a field also written must agree with it
    (Lin & Shih 2001, :data:`THREE_PLUS_THREE_VARIANTS`).
    """

    variant: ThreePlusThreeVariant | None = None
    mtd_requires_six: bool = True
    deescalation_expands_lower_level: bool = True

    @model_validator(mode="before")
    @classmethod
    def _variant_sets_the_fields(cls, data: object) -> object:
        if not isinstance(data, dict) or data.get("variant") not in THREE_PLUS_THREE_VARIANTS:
            return data  # no variant, or a wrong one: the field's own check names it
        variant = data["variant"]
        six, expand = THREE_PLUS_THREE_VARIANTS[variant]
        for field, implied in (
            ("mtd_requires_six", six),
            ("deescalation_expands_lower_level", expand),
        ):
            given = data.get(field)
            if given is not None and given != implied:
                raise ValueError(
                    f"{field}: {str(given).lower()} contradicts variant {variant!r}, "
                    f"which means {field}: {str(implied).lower()} (leave {field} out, "
                    "or give no variant)"
                )
        return {**data, "mtd_requires_six": six, "deescalation_expands_lower_level": expand}


class IntervalDesignParameters(Provenance):
    """BOIN (Liu & Yuan 2015) and i3+3 (Liu, Wang & Ji 2020) options; defaults as published."""

    p_saf: Decimal | None = Field(default=None, gt=0, lt=1)
    p_tox: Decimal | None = Field(default=None, gt=0, lt=1)
    cutoff_eli: Decimal = Field(default=Decimal("0.95"), gt=0, lt=1)
    extra_safe: bool = False
    n_earlystop: int | None = Field(default=None, ge=1)
    bound_mtd: bool = False
    eps1: Decimal = Field(default=Decimal("0.05"), ge=0, lt=1)
    eps2: Decimal = Field(default=Decimal("0.05"), ge=0, lt=1)
    #: MTD selection weights (cartrial.escalation.isotonic): "patients" (cartrial's
    #: default, y/n weighted by n) or "r_boin" (R BOIN select.mtd: (y + 0.05)/(n + 0.1)
    #: weighted by the inverse posterior variance; Yan et al., J Stat Softw 2020).
    mtd_estimator: Literal["patients", "r_boin"] = "patients"


class CrmParameters(Provenance):
    """CRM (O'Quigley et al. 1990) options; no skeleton means Lee & Cheung 2009's."""

    skeleton: list[Decimal] | None = None
    model: Literal["power", "logistic"] = "power"
    prior_var: Decimal = Field(default=Decimal("1.34"), gt=0)
    overdose_stop: bool = False
    tite: bool = False
    #: "bayes" (posterior mean, dfcrm crm(method = "bayes")) or "mle" (maximum
    #: likelihood after an initial sequence, dfcrm crm(method = "mle"); Cheung 2011).
    method: Literal["bayes", "mle"] = "bayes"
    #: No escalation right after a cohort whose DLT rate is at or above the target
    #: (coherence, Cheung, Biometrika 2005;92:863-873; dfcrm crmsim(restrict = TRUE)).
    coherent: bool = False


class EscalationSpec(Provenance):
    design: EscalationDesign
    start_level: int = Field(default=1, ge=1)
    cohort_size: int | None = Field(default=None, ge=1)
    target_dlt_rate: Decimal | None = Field(default=None, gt=0, lt=1)
    max_sample_size: int | None = Field(default=None, ge=1)
    accelerated_titration: AcceleratedTitration | None = None
    three_plus_three: ThreePlusThree | None = None
    stagger_days: int | None = Field(default=None, ge=0)
    expansion_size: int | None = Field(default=None, ge=0)
    interval_design: IntervalDesignParameters | None = None
    crm: CrmParameters | None = None


class RenalBand(StrictModel):
    """A creatinine-clearance band and the fraction of the full dose given in it.

    Bounds in mL/min; ``factor`` 0 means the agent is not given. Inclusivity is
    explicit because protocols word the boundaries (exactly 30, exactly 70)
    differently.
    """

    min_ml_per_min: Decimal | None = None
    min_inclusive: bool = True
    max_ml_per_min: Decimal | None = None
    max_inclusive: bool = False
    factor: Decimal = Field(ge=0, le=1)

    def contains(self, crcl: Decimal) -> bool:
        if self.min_ml_per_min is not None and (
            crcl < self.min_ml_per_min or (crcl == self.min_ml_per_min and not self.min_inclusive)
        ):
            return False
        return self.max_ml_per_min is None or (
            crcl < self.max_ml_per_min or (crcl == self.max_ml_per_min and self.max_inclusive)
        )


class AgentRegimen(Provenance):
    agent: str
    dose_mg_per_m2_per_day: Decimal = Field(gt=0)
    days: list[int] = Field(min_length=1)
    route: str = "IV"
    renal_adjustment: list[RenalBand] = Field(default_factory=list)
    renal_adjustment_source: Provenance | None = None


class Lymphodepletion(Provenance):
    agents: list[AgentRegimen] = Field(min_length=1)
    bsa_formula: Literal["mosteller", "dubois"] = "mosteller"
    bsa_cap_m2: Decimal | None = Field(default=None, gt=0)


class InfusionRule(Provenance):
    min_hours_after_lymphodepletion: int = Field(ge=0)
    route: str = "IV"
    single_infusion: bool = True


class Visit(Provenance):
    id: str
    label: str
    day: int
    window_before_days: int = Field(default=0, ge=0)
    window_after_days: int = Field(default=0, ge=0)


class SampleSchedule(Provenance):
    analyte: Literal["car_transgene_qpcr", "car_t_flow", "cytokines", "anti_drug_antibody"]
    matrix: Literal["blood", "serum", "bone_marrow"]
    days: list[int] = Field(min_length=1)
    panel: list[str] = Field(default_factory=list)


class Window(Provenance):
    """A safety window anchored at the first lymphodepletion dose or at infusion."""

    anchor: Literal["first_lymphodepletion", "infusion"]
    days_after_infusion: int = Field(ge=0)


class SafetyWindows(StrictModel):
    teae: Window


class Aesi(Provenance):
    term: str
    category: str


class Endpoint(Provenance):
    id: str
    type: Literal["primary", "secondary", "exploratory"]
    name: str
    description: str
    time_frame: str


class ResponseAssessment(Provenance):
    default_criteria: ResponseCriteria = "recist11"
    criteria_by_tumour_type: dict[TumourType, ResponseCriteria] = Field(default_factory=dict)
    confirmation_required: bool = True
    confirmation_min_days: int = Field(default=28, ge=0)
    sd_min_days: int = Field(default=42, ge=0)
    # RECIST 1.1 3.1.3 and the time-to-event settings of cartrial.response.settings
    cystic_targets_allowed: bool = True
    irradiated_targets: Literal["if_progressed", "never"] = "if_progressed"
    assessment_interval_days: int = Field(default=56, ge=1, le=365)
    missed_assessments: int = Field(default=2, ge=1, le=10)
    symptomatic_deterioration_is_event: bool = False
    km_median_rule: Literal["first", "midpoint"] = "first"


class Eligibility(StrictModel):
    complete: bool = True
    inclusion: list[Criterion] = Field(default_factory=list)
    exclusion: list[Criterion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Eligibility:
        seen: set[str] = set()
        for criterion in [*self.inclusion, *self.exclusion]:
            if criterion.id in seen:
                raise ValueError(f"criterion id {criterion.id!r} is used twice")
            seen.add(criterion.id)
        return self


class Protocol(StrictModel):
    """A CAR-T trial protocol (see docs/protocols.md for how to write one)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: str
    title: str
    official_title: str | None = None
    phase: list[Phase] = Field(min_length=1)
    identifiers: list[Identifier] = Field(default_factory=list)
    sponsor: str | None = None
    sites: list[Site] = Field(default_factory=list)
    planned_enrolment: int | None = Field(default=None, ge=1)
    population: str
    tumour_types: list[TumourType] = Field(
        default_factory=list, description="empty: any solid tumour the criteria admit"
    )
    sources: list[SourceDocument] = Field(min_length=1)
    open_items: list[str] = Field(default_factory=list)
    arms: list[Arm] = Field(default_factory=list)
    cell_dose: CellDoseRule
    dose_levels: list[DoseLevel] = Field(default_factory=list)
    escalation: EscalationSpec | None = None
    lymphodepletion: Lymphodepletion | None = None
    infusion: InfusionRule | None = None
    visits: list[Visit] = Field(default_factory=list)
    samples: list[SampleSchedule] = Field(default_factory=list)
    eligibility: Eligibility
    windows: SafetyWindows | None = None
    dlt: DltSpec | None = None
    aesi: list[Aesi] = Field(default_factory=list)
    response: ResponseAssessment | None = None
    endpoints: list[Endpoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dose_levels_consistent(self) -> Protocol:
        levels = [d.level for d in self.dose_levels]
        if levels != list(range(1, len(levels) + 1)):
            raise ValueError(
                f"dose levels must be numbered 1..{len(levels)} in order, got {levels}"
            )
        doses = [d.cells_per_kg for d in self.dose_levels]
        if any(b <= a for a, b in itertools.pairwise(doses)):
            raise ValueError("dose levels must increase in cells_per_kg")
        low, high = self.cell_dose.min_cells_per_kg, self.cell_dose.max_cells_per_kg
        for d in self.dose_levels:
            if (low is not None and d.cells_per_kg < low) or (
                high is not None and d.cells_per_kg > high
            ):
                raise ValueError(
                    f"dose level {d.level} ({d.cells_per_kg} cells/kg) is outside the "
                    f"protocol's range {low}-{high} cells/kg"
                )
        if self.escalation and self.dose_levels and self.escalation.start_level > len(levels):
            raise ValueError(
                f"escalation.start_level {self.escalation.start_level} exceeds the "
                f"{len(levels)} dose levels"
            )
        return self

    def dose_level(self, level: int) -> DoseLevel:
        """The dose level numbered ``level`` (from 1)."""
        for d in self.dose_levels:
            if d.level == level:
                return d
        known = ", ".join(str(d.level) for d in self.dose_levels) or "none defined"
        raise InputError("dose_level", level, f"a dose level of {self.id} ({known})")

    @property
    def registry_id(self) -> str | None:
        for ident in self.identifiers:
            if ident.system == "ClinicalTrials.gov":
                return ident.value
        return None
