"""The screening record: what a site collects to decide eligibility.

A value of ``None`` (or an absent key) means *not collected*: a criterion that
needs it becomes "needs investigator review", never silently met. Dates of
events that may never have happened take the string ``"never"`` when the site
has confirmed the event did not occur. Units are in the field names, except for
laboratory values, which carry their own unit (converted explicitly by
:mod:`cartrial.units`; an unknown unit is an error naming the test). Unit
symbols are case-sensitive (SI Brochure 9th ed. section 5.2; UCUM): ``G/L`` is a
cell count, ``g/L`` a mass concentration, and only the spellings listed per test
are accepted.

The JSON Schema of this model is published in ``docs/screening-record.schema.json``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from cartrial.dates import BirthDate, ClinicalDate, HistoryDate
from cartrial.errors import UnknownUnitError
from cartrial.units import ANALYTES, implausible
from cartrial.vocabulary import TumourType

__all__ = [
    "Cardiac",
    "CardiacEvent",
    "Diagnosis",
    "EventDate",
    "History",
    "InvestigatorAssessment",
    "Lab",
    "Msln",
    "PriorMalignancy",
    "PriorTherapy",
    "Reproductive",
    "ScreeningRecord",
    "Serology",
    "SupportiveCare",
    "TherapyClass",
    "Vitals",
]

EventDate = HistoryDate | Literal["never"] | None
PosNeg = Literal["positive", "negative"]
Detectable = Literal["detectable", "undetectable"]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TherapyClass(StrEnum):
    """Classes of prior therapy the washout and prior-treatment criteria name."""

    cytotoxic_chemotherapy = "cytotoxic_chemotherapy"
    monoclonal_antibody = "monoclonal_antibody"
    antibody_drug_conjugate = "antibody_drug_conjugate"
    bispecific_antibody = "bispecific_antibody"
    immune_checkpoint_inhibitor = "immune_checkpoint_inhibitor"
    immunotherapy_other = "immunotherapy_other"
    biologic_targeted = "biologic_targeted"
    small_molecule_targeted = "small_molecule_targeted"
    systemic_glucocorticoid = "systemic_glucocorticoid"
    immunosuppressant = "immunosuppressant"
    chinese_herbal_antitumour = "chinese_herbal_antitumour"
    radiotherapy = "radiotherapy"
    hormonal = "hormonal"
    car_t = "car_t"
    anti_msln_car_t = "anti_msln_car_t"
    gene_modified_t_cell = "gene_modified_t_cell"
    other = "other"


class Diagnosis(_Record):
    tumour_type: TumourType
    histologically_confirmed: bool | None = None
    ajcc8_stage: str | None = Field(
        default=None, pattern=r"^(0|I|II|III|IV)[A-C]?$", description="AJCC 8th edition stage group"
    )
    resectable: bool | None = None
    extent: Literal["localised", "locally_advanced", "recurrent", "metastatic"] | None = None
    liver_metastases: bool | None = None
    cns_metastases: Literal["none", "asymptomatic", "stable", "active"] | None = Field(
        default=None,
        description="stable: no radiographic progression for 4 weeks, neurologically at "
        "baseline and no steroids or other CNS-directed treatment for >= 4 weeks",
    )
    peritoneal_carcinomatosis: bool | None = None
    measurable_disease_recist11: bool | None = None
    standard_therapy_status: (
        Literal["refractory", "relapsed", "intolerant", "responding", "not_received"] | None
    ) = Field(default=None, description="outcome of the standard (first-line) therapy")


class Msln(_Record):
    result: PosNeg | None = None
    method: Literal["IHC", "ICC"] | None = None
    percent_positive_cells: Decimal | None = Field(default=None, ge=0, le=100)


class PriorTherapy(_Record):
    therapy_class: TherapyClass
    agent: str | None = Field(default=None, max_length=200)
    start_date: HistoryDate | None = None
    end_date: HistoryDate | None = Field(default=None, description="None while ongoing")
    half_life_days: Decimal | None = Field(default=None, gt=0)
    prednisone_equivalent_mg_per_day: Decimal | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _dates_in_order(self) -> PriorTherapy:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError(f"end_date {self.end_date} is before start_date {self.start_date}")
        return self


def _units_by_test() -> str:
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, analyte in ANALYTES.items():
        groups.setdefault(tuple(analyte.factors), []).append(name)
    return "; ".join(f"{', '.join(names)}: {', '.join(units)}" for units, names in groups.items())


_UNIT_HELP = (
    "The unit as the laboratory writes it, one of those of the test. Unit symbols are "
    "case-sensitive (SI Brochure 9th ed. section 5.2; UCUM): G/L is 10^9 cells per litre, "
    "g/L grams per litre. Spaces are ignored, µ is u, × is x, 10⁹, 10*9 and 10e9 are 10^9, "
    "and the litre may be written L or l; no other spelling is accepted. Units per test: "
    + _units_by_test()
)


class Lab(_Record):
    """A laboratory result; ``unit`` is required and must be known for ``test``."""

    test: str = Field(max_length=64)
    value: Decimal
    unit: str = Field(max_length=64, description=_UNIT_HELP)
    uln: Decimal | None = Field(default=None, gt=0)
    lln: Decimal | None = Field(default=None, ge=0)
    date: ClinicalDate | None = None

    @field_validator("test")
    @classmethod
    def _known_test(cls, test: str) -> str:
        if test not in ANALYTES:
            raise ValueError(f"a known laboratory test ({', '.join(sorted(ANALYTES))})")
        return test

    @field_validator("unit")
    @classmethod
    def _unit_known(cls, unit: str, info: ValidationInfo) -> str:
        if not unit.strip():
            raise ValueError("a unit (every laboratory value needs one)")
        test = info.data.get("test")
        if test in ANALYTES:
            analyte = ANALYTES[test]
            try:
                analyte.factor_for(unit, field="unit")
            except UnknownUnitError as exc:
                raise ValueError(exc.expected) from None
        return unit

    @model_validator(mode="after")
    def _plausible(self) -> Lab:
        """A value, ULN or LLN outside the test's plausible range
        (:data:`cartrial.units.PLAUSIBLE_RANGES`, physiological limits with their sources) is
        refused, naming the field and the range in the unit given (issue 14: ANC -1 and
        1e308 were screened)."""
        for name, amount in (("value", self.value), ("uln", self.uln), ("lln", self.lln)):
            expected = None if amount is None else implausible(self.test, amount, self.unit)
            if expected is not None:
                error = PydanticCustomError("value_error", "{expected}", {"expected": expected})
                raise ValidationError.from_exception_data(
                    "Lab", [InitErrorDetails(type=error, loc=(name,), input=str(amount))]
                )
        return self


class CardiacEvent(_Record):
    type: Literal[
        "myocardial_infarction",
        "coronary_angioplasty",
        "coronary_stenting",
        "unstable_angina",
        "uncontrolled_arrhythmia",
        "severe_cardiac_disease_other",
    ]
    date: HistoryDate


class Cardiac(_Record):
    lvef_percent: Decimal | None = Field(default=None, ge=0, le=100)
    nyha_class: int | None = Field(default=None, ge=1, le=4)
    qtc_ms: int | None = Field(default=None, gt=0)
    bundle_branch_block: bool | None = None
    significant_aortic_stenosis: bool | None = None
    symptomatic_mitral_stenosis: bool | None = None
    pulmonary_hypertension: bool | None = None
    events: list[CardiacEvent] | None = Field(
        default=None, description="cardiac events; [] when the history was taken and is empty"
    )


class Vitals(_Record):
    spo2_room_air_percent: Decimal | None = Field(default=None, ge=0, le=100)
    systolic_bp_mmhg: int | None = Field(default=None, gt=0)
    diastolic_bp_mmhg: int | None = Field(default=None, gt=0)
    on_antihypertensive_treatment: bool | None = None


class Serology(_Record):
    hiv_ab: PosNeg | None = None
    hbsag: PosNeg | None = None
    hbcab: PosNeg | None = None
    hbv_dna: Detectable | None = None
    hcv_ab: PosNeg | None = None
    hcv_rna: Detectable | None = None
    syphilis: PosNeg | None = Field(default=None, description="TPPA/RPR or syphilis antibody")


class Reproductive(_Record):
    childbearing_potential: bool | None = None
    pregnancy_test: Literal["positive", "negative", "not_done"] | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    planning_pregnancy: bool | None = None
    contraception_agreed: bool | None = None
    partner_childbearing_potential: bool | None = None


class PriorMalignancy(_Record):
    type: str = Field(max_length=200)
    diagnosis_date: HistoryDate
    excepted_category: bool = Field(
        description="adequately treated non-melanoma skin cancer or carcinoma in situ, "
        "as classified by the investigator"
    )


class History(_Record):
    allergy_to_product_components: bool | None = None
    severe_hypersensitivity_to_study_drugs: bool | None = Field(
        default=None, description="fludarabine, cyclophosphamide, DMSO, dextran, albumin"
    )
    autoimmune_disease_active: bool | None = Field(
        default=None, description="present and requiring immunosuppressive therapy"
    )
    autoimmune_disease_last_active: EventDate = Field(
        default=None, description="last active episode of autoimmune disease needing steroids"
    )
    autoimmune_disease_present: bool | None = Field(
        default=None, description="an autoimmune disease is present, whatever its treatment"
    )
    requires_immunosuppressive_therapy: bool | None = Field(
        default=None,
        description="any condition currently requiring systemic immunosuppressive therapy",
    )
    immunodeficiency: bool | None = None
    traumatic_brain_injury: bool | None = None
    disturbance_of_consciousness: bool | None = None
    epilepsy: bool | None = None
    severe_cerebrovascular_disease: bool | None = None
    cerebrovascular_accident_date: EventDate = None
    neuropsychiatric_disorder: bool | None = None
    alcohol_or_drug_abuse: bool | None = None
    uncontrolled_active_infection: bool | None = None
    allogeneic_transplant_requiring_immunosuppression: bool | None = None
    live_vaccine_date: EventDate = None
    other_trial_last_date: EventDate = None
    prior_malignancies: list[PriorMalignancy] | None = None
    major_surgery_date: EventDate = None
    unrecovered_trauma: bool | None = None
    major_surgery_planned_within_12_weeks: bool | None = None
    prior_toxicity_above_grade1: bool | None = Field(
        default=None, description="excluding alopecia and peripheral sensory neuropathy"
    )
    gilberts_syndrome: bool | None = None
    variceal_bleeding_risk: bool | None = None
    on_therapeutic_anticoagulation: bool | None = None


class SupportiveCare(_Record):
    last_gcsf_date: EventDate = None
    last_rbc_transfusion_date: EventDate = None
    last_platelet_transfusion_date: EventDate = None


class InvestigatorAssessment(_Record):
    """Judgements only the investigator can make; each is recorded, never assumed."""

    leukapheresis_contraindicated: bool | None = None
    curative_treatment_suitable: bool | None = None
    refuses_surgical_resection: bool | None = None
    clinically_significant_systemic_disease: bool | None = None
    unsuitable_for_other_reasons: bool | None = None
    able_to_comply: bool | None = None


class ScreeningRecord(_Record):
    """One subject's screening data (see docs/screening.md)."""

    subject_id: str = Field(min_length=1)
    consent_date: ClinicalDate
    informed_consent_signed: bool | None = None
    enrollment_date: ClinicalDate | None = None
    planned_infusion_date: ClinicalDate | None = None
    birth_date: BirthDate | None = None
    sex: Literal["female", "male"] | None = None
    weight_kg: Decimal | None = Field(default=None, gt=0, le=400)
    height_cm: Decimal | None = Field(default=None, gt=0, le=260)
    diagnosis: Diagnosis | None = None
    msln: Msln | None = None
    prior_therapies: list[PriorTherapy] | None = Field(
        default=None, description="[] when the history was taken and there were none"
    )
    ecog: int | None = Field(default=None, ge=0, le=5)
    life_expectancy_months: Decimal | None = Field(default=None, ge=0)
    labs: list[Lab] = Field(default_factory=list)
    cardiac: Cardiac = Field(default_factory=Cardiac)
    vitals: Vitals = Field(default_factory=Vitals)
    serology: Serology = Field(default_factory=Serology)
    reproductive: Reproductive = Field(default_factory=Reproductive)
    history: History = Field(default_factory=History)
    supportive_care: SupportiveCare = Field(default_factory=SupportiveCare)
    investigator: InvestigatorAssessment = Field(default_factory=InvestigatorAssessment)

    @field_validator("birth_date", "enrollment_date", "planned_infusion_date")
    @classmethod
    def _dates_consistent(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        consent = info.data.get("consent_date")
        if value is None or consent is None:
            return value
        if info.field_name == "birth_date" and value >= consent:
            raise ValueError(f"a date before consent_date {consent}")
        if info.field_name != "birth_date" and value < consent:
            raise ValueError(f"a date on or after consent_date {consent}")
        return value

    def latest_lab(self, test: str) -> Lab | None:
        """The most recent result of ``test`` (undated results count as oldest)."""
        results = [lab for lab in self.labs if lab.test == test]
        if not results:
            return None
        return max(results, key=lambda lab: lab.date or dt.date.min)
