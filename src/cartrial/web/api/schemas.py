"""Request and response models: separate input and output per entity (STYLE practice 12).

No ORM object is rendered directly; outputs read attributes (``from_attributes``).
Every request text field has a maximum length: the length of the column that stores it
(:func:`cartrial.web.api.columns.column_text`), or a stated bound for free text kept in
``Text`` columns. Every date and time lies in its kind's documented range
(:mod:`cartrial.dates`): an implausible one is a 422 naming the field, the value and the range.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from cartrial.dates import ClinicalDate, HistoryDate, in_range
from cartrial.eligibility.record import ScreeningRecord
from cartrial.store.models import (
    AdverseEvent,
    Apheresis,
    ApiToken,
    AssayResult,
    ConMed,
    CustodyEvent,
    DataQuery,
    EnrolmentHold,
    EscalationDecision,
    Infusion,
    LabResult,
    LesionMeasurement,
    LymphodepletionDose,
    ProductLot,
    ProtocolVersion,
    RoleGrant,
    Sample,
    Site,
    Subject,
    TumourAssessment,
    User,
    VitalSign,
)
from cartrial.web.api.columns import column_length, column_text

T = TypeVar("T")


def _representable_in_utc(moment: dt.datetime) -> dt.datetime:
    try:
        moment.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("a time between years 1 and 9999 in UTC") from None
    return moment


#: A time with its UTC offset that the store can hold (it keeps UTC).
Moment = Annotated[AwareDatetime, AfterValidator(_representable_in_utc)]
#: A time of the trial with its UTC offset, its date in the ``clinical`` range.
ClinicalTime = Annotated[AwareDatetime, AfterValidator(_representable_in_utc), in_range("clinical")]

#: A unit as written by the site ("mmHg", "copies/ug gDNA"): never blank.
Unit = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=column_length(LabResult.unit)
    ),
]
AssayUnit = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=column_length(AssayResult.unit)
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL: refused here, naming the field.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("text without NUL characters")
        return value


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class LoginIn(_In):
    username: str = column_text(User.username)
    password: str = Field(min_length=1, max_length=1000)
    role: str = column_text(RoleGrant.role)
    site: str | None = column_text(
        Site.code, None, min_length=0, description="site code; none: sponsor-wide"
    )


class TokenOut(BaseModel):
    token: str
    username: str
    role: str | None
    site_id: str | None


class ApiTokenIn(_In):
    label: str = column_text(ApiToken.label)
    lifetime_days: int | None = Field(
        default=None,
        ge=1,
        le=365,
        description="days until the token expires (default 90, at most 365)",
    )


class ApiTokenOut(BaseModel):
    id: str
    token: str
    label: str
    expires_at: dt.datetime


class PasswordChangeIn(_In):
    current_password: str = Field(min_length=1, max_length=1000)
    new_password: str = Field(min_length=1, max_length=1000, description="at least 12 characters")


class PasswordResetIn(_In):
    admin_password: str = Field(
        min_length=1, max_length=1000, description="your own password, re-entered"
    )
    new_password: str = Field(min_length=1, max_length=1000, description="at least 12 characters")
    reason: str = Field(min_length=1, max_length=4000, description="kept in the audit trail")


class PasswordChangedOut(BaseModel):
    sessions_ended: int = Field(description="your other sessions, ended by the change")


class RevokeTokensIn(_In):
    reason: str = Field(min_length=1, max_length=4000, description="kept in the audit trail")


class RevokedTokensOut(BaseModel):
    revoked: int = Field(description="how many API tokens were revoked")


class SubjectOut(_Out):
    id: str
    code: str
    site_id: str
    protocol_version_id: str
    status: str
    weight_kg: Decimal | None
    dose_level: int | None
    chain_of_identity_id: str | None
    enrolled_at: dt.datetime | None
    version: int


class StatusIn(_In):
    status: Literal["screen_failed", "follow_up", "completed"] = Field(
        description="screen_failed from screening (final); follow_up from infused; "
        "completed from follow_up"
    )
    reason: str = Field(min_length=1, max_length=4000, description="kept in the audit trail")


class ScreeningRecordIn(ScreeningRecord):
    """The screening record, its subject code no longer than the column that stores it."""

    subject_id: str = column_text(Subject.code)


class ScreenIn(_In):
    site_id: str = column_text(Site.id)
    protocol_version_id: str = column_text(ProtocolVersion.id)
    record: ScreeningRecordIn


class ScreenOut(BaseModel):
    subject: SubjectOut
    decision: str
    reason: str


class PasswordIn(_In):
    password: str = Field(min_length=1, max_length=1000, description="re-entered (21 CFR 11.200)")


class EnrolIn(_In):
    weight_kg: Decimal = Field(gt=0, le=400)


class AdverseEventIn(_In):
    term: str = column_text(AdverseEvent.term)
    onset_date: ClinicalDate
    grading_scale: Literal["ctcae_v5", "astct_2019"]
    reported_grade: int = Field(ge=1, le=5)
    is_serious: bool = False
    relatedness: str | None = column_text(AdverseEvent.relatedness, None, min_length=0)


class AdverseEventPatch(_In):
    expected_version: int = Field(ge=1, description="the version you read")
    reason: str = Field(min_length=1, max_length=2000)
    term: str | None = column_text(AdverseEvent.term, None)
    end_date: ClinicalDate | None = None
    reported_grade: int | None = Field(default=None, ge=1, le=5)
    is_serious: bool | None = None
    relatedness: str | None = column_text(AdverseEvent.relatedness, None, min_length=0)


class AdverseEventOut(_Out):
    id: str
    subject_id: str
    term: str
    onset_date: dt.date
    end_date: dt.date | None
    grading_scale: str
    reported_grade: int
    is_serious: bool
    relatedness: str | None
    derived_grade: int | None
    derivation_reason: str | None
    engine_version: str | None
    version: int


class LabIn(_In):
    collected_at: ClinicalTime
    test: str = column_text(LabResult.test)
    value: Decimal = Field(allow_inf_nan=False, ge=Decimal("-1e9"), le=Decimal("1e9"))
    unit: Unit = Field(
        description="a test cartrial.units knows must use one of its units, case-sensitive "
        "(G/L is a count, g/L a mass; the litre may be written L or l)"
    )
    ctcae_term: str | None = column_text(
        LabResult.ctcae_term, None, description="grade the value by CTCAE v5.0 under this term"
    )
    uln: Decimal | None = Field(
        default=None, gt=0, le=Decimal("1e9"), allow_inf_nan=False, description="in `unit`"
    )
    lln: Decimal | None = Field(
        default=None, gt=0, le=Decimal("1e9"), allow_inf_nan=False, description="in `unit`"
    )
    baseline: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("1e9"),
        allow_inf_nan=False,
        description="the subject's baseline value of the test, in `unit`: CTCAE v5.0 grades "
        "ALT, AST, ALP, GGT and bilirubin increased against it when it was abnormal; "
        "not given, the value is graded as if the baseline was normal",
    )
    on_anticoagulation: bool = Field(
        default=False,
        description="the subject is on anticoagulation (CTCAE v5.0 INR increased: "
        "the rows 'if on anticoagulation')",
    )


class LabOut(_Out):
    id: str
    subject_id: str
    collected_at: dt.datetime
    test: str
    value: Decimal
    unit: str
    ctcae_term: str | None
    uln: Decimal | None
    lln: Decimal | None
    baseline: Decimal | None
    on_anticoagulation: bool
    derived_grade: int | None
    derivation_reason: str | None
    engine_version: str | None
    version: int


class InfusionIn(_In):
    lot_id: str = column_text(ProductLot.id)
    scanned_chain_of_identity_id: str = column_text(Infusion.scanned_chain_of_identity_id)
    cells_infused: int = Field(gt=0, lt=10**13)
    started_at: ClinicalTime


class InfusionOut(_Out):
    id: str
    subject_id: str
    lot_id: str
    scanned_chain_of_identity_id: str
    dose_level: int
    cells_infused: int
    started_at: dt.datetime


class AuditOut(_Out):
    seq: int
    at: dt.datetime
    username: str | None
    role: str | None
    site_id: str | None
    action: str
    table_name: str
    record_id: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None


class VerifyOut(BaseModel):
    is_intact: bool
    checked: int
    first_broken_seq: int | None
    message: str


class ApheresisIn(_In):
    collection_id: str = column_text(Apheresis.collection_id)
    chain_of_identity_id: str = column_text(Apheresis.chain_of_identity_id)
    collected_at: ClinicalTime


class ApheresisOut(_Out):
    id: str
    subject_id: str
    collection_id: str
    chain_of_identity_id: str
    collected_at: dt.datetime


class LotIn(_In):
    lot_number: str = column_text(ProductLot.lot_number)


class ReleaseIn(_In):
    viable_car_cells: int = Field(ge=0, lt=10**13)
    is_released: bool
    note: str = Field(min_length=1, max_length=2000)


class LotOut(_Out):
    id: str
    subject_id: str
    lot_number: str
    chain_of_identity_id: str
    status: str
    viable_car_cells: int | None
    released_at: dt.datetime | None
    version: int


class CustodyIn(_In):
    at: ClinicalTime
    from_party: str = column_text(CustodyEvent.from_party)
    to_party: str = column_text(CustodyEvent.to_party)
    location: str = column_text(CustodyEvent.location)
    condition: str = column_text(CustodyEvent.condition)


class CustodyOut(_Out):
    id: str
    lot_id: str | None
    chain_of_identity_id: str
    at: dt.datetime
    from_party: str
    to_party: str
    location: str
    condition: str


class LymphodepletionIn(_In):
    agent: str = column_text(LymphodepletionDose.agent)
    study_day: int = Field(ge=-30, le=0)
    dose_mg: Decimal = Field(gt=0, le=100000, allow_inf_nan=False)
    completed_at: ClinicalTime


class LymphodepletionOut(_Out):
    id: str
    subject_id: str
    agent: str
    study_day: int
    dose_mg: Decimal
    completed_at: dt.datetime


class QueryIn(_In):
    table_name: str = column_text(DataQuery.table_name)
    record_id: str = column_text(DataQuery.record_id)
    field: str = column_text(DataQuery.field)
    text: str = Field(min_length=1, max_length=4000)


class QueryReplyIn(_In):
    text: str = Field(min_length=1, max_length=4000)


class QueryOut(_Out):
    id: str
    subject_id: str
    table_name: str
    record_id: str
    field: str
    text: str
    status: str
    answer: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None


class DltIn(_In):
    password: str = Field(min_length=1, max_length=1000, description="re-entered (21 CFR 11.200)")
    as_of: ClinicalTime | None = Field(default=None, description="follow-up time; default now")


class DltOut(_Out):
    id: str
    subject_id: str
    adverse_event_id: str | None
    is_dlt: bool
    outcome: str
    dose_level: int | None
    rule_id: str | None
    reason: str
    engine_version: str
    adjudicated_at: dt.datetime


class ObservationIn(_In):
    observation: dict[str, Any] = Field(
        description=(
            "a CRS observation or an ICANS assessment; its time is the site's wall-clock "
            "time without offset (e.g. 2026-03-10T21:00)"
        )
    )


class ObservationOut(_Out):
    id: str
    adverse_event_id: str
    observed_at: dt.datetime
    kind: str
    observation: dict[str, Any] = Field(
        validation_alias="payload_json", description="as the ASTCT engine read it"
    )

    @field_validator("observation", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value


class EscalationIn(_In):
    protocol_id: str = column_text(EscalationDecision.protocol_id)
    current_level: int = Field(ge=1, le=100)
    action: Literal["escalate", "stay", "de-escalate", "expand", "stop", "wait"] = Field(
        description="the escalation engine's word (cartrial.vocabulary.ESCALATION_ACTIONS)"
    )
    next_level: int | None = Field(default=None, ge=1, le=100)
    reason: str = Field(min_length=1, max_length=4000)
    engine_version: str = column_text(EscalationDecision.engine_version)
    password: str = Field(min_length=1, max_length=1000)


class EscalationOut(_Out):
    id: str
    protocol_id: str
    current_level: int
    action: str
    next_level: int | None
    reason: str
    engine_version: str
    decided_at: dt.datetime


class HoldIn(_In):
    protocol_id: str = column_text(EnrolmentHold.protocol_id)
    reason: str = Field(min_length=1, max_length=4000)


class HoldOut(_Out):
    id: str
    protocol_id: str
    reason: str
    placed_at: dt.datetime
    lifted_at: dt.datetime | None


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=4000)


class DataLockIn(_In):
    reason: str = Field(min_length=1, max_length=4000)
    password: str = Field(min_length=1, max_length=256)


class DataLockLiftIn(_In):
    reason: str = Field(min_length=1, max_length=4000)


class DataLockOut(_Out):
    id: str
    subject_id: str
    reason: str
    locked_at: dt.datetime
    lifted_at: dt.datetime | None
    version: int


class UnlockUserIn(_In):
    reason: str = Field(min_length=1, max_length=4000, description="how identity was checked")


class SignatureOut(_Out):
    """A signature's manifestation (21 CFR 11.50) and whether it still covers its record (11.70)."""

    id: str
    table_name: str
    record_id: str
    record_title: str
    printed_name: str
    role: str
    meaning: str
    statement: str
    signed_at: dt.datetime
    signed_version: int
    current_version: int | None
    content_sha256: str
    is_valid: bool
    status: str = Field(description="'valid', or 'invalidated: ...' with the reason")
    manifestation: str = Field(
        description="Signed by <printed name> (<role>) on <site time> <zone> (<UTC time> UTC): "
        "<meaning>; a site on UTC shows the time once"
    )


# Follow-up records: visits, vital signs, samples and assay results, con-meds,
# tumour assessments, the end of a subject's course.


class VisitOut(_Out):
    id: str
    subject_id: str
    visit_code: str
    planned_date: dt.date | None
    actual_date: dt.date | None
    version: int


class VisitDateIn(_In):
    expected_version: int = Field(ge=1, description="the version you read")
    actual_date: ClinicalDate
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="required to correct a date already entered",
    )


class VitalSignIn(_In):
    measured_at: ClinicalTime
    test: str = column_text(VitalSign.test, description="e.g. temperature, systolic_bp")
    value: Decimal = Field(ge=0, max_digits=12, decimal_places=4, allow_inf_nan=False)
    unit: Unit


class VitalSignOut(_Out):
    id: str
    subject_id: str
    measured_at: dt.datetime
    test: str
    value: Decimal
    unit: str
    version: int


class SampleIn(_In):
    sample_code: str = column_text(Sample.sample_code)
    analyte: Literal["car_transgene_qpcr", "car_t_flow", "cytokines", "anti_drug_antibody"]
    matrix: str = column_text(Sample.matrix, description="e.g. blood, bone_marrow, serum")
    collected_at: ClinicalTime
    study_day: int | None = Field(
        default=None, ge=-365, le=5479, description="days from infusion (15-year follow-up)"
    )


class SampleOut(_Out):
    id: str
    subject_id: str
    sample_code: str
    analyte: str
    matrix: str
    collected_at: dt.datetime
    study_day: int | None
    version: int


_AssayNumber = Field(default=None, ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False)


class AssayResultIn(_In):
    test: str = column_text(AssayResult.test, description="e.g. CAR copies, IL-6, ADA")
    value: Decimal | None = _AssayNumber
    lloq: Decimal | None = _AssayNumber
    result_text: str | None = column_text(
        AssayResult.result_text,
        None,
        validate_default=True,
        description="e.g. positive, negative; required without a value",
    )
    unit: AssayUnit | None = Field(
        default=None, validate_default=True, description="required with a value or an LLOQ"
    )

    @field_validator("result_text")
    @classmethod
    def _some_result(cls, text: str | None, info: ValidationInfo) -> str | None:
        if text is None and info.data.get("value") is None:
            raise ValueError("a result: a value with its unit, or result_text")
        return text

    @field_validator("unit")
    @classmethod
    def _unit_with_numbers(cls, unit: str | None, info: ValidationInfo) -> str | None:
        if unit is None and (
            info.data.get("value") is not None or info.data.get("lloq") is not None
        ):
            raise ValueError("a unit for the value and LLOQ (units are never assumed)")
        return unit


class AssayResultOut(_Out):
    id: str
    sample_id: str
    subject_id: str
    test: str
    value: Decimal | None
    unit: str | None
    lloq: Decimal | None
    result_text: str | None
    version: int


class ConMedIn(_In):
    name: str = column_text(ConMed.name)
    start_date: HistoryDate = Field(description="may be before the trial (a medication taken)")
    end_date: HistoryDate | None = None
    indication: str | None = column_text(ConMed.indication, None)
    dose: str | None = column_text(ConMed.dose, None, description="as written")
    adverse_event_id: str | None = column_text(
        AdverseEvent.id, None, description="the AE it treats"
    )


class ConMedOut(_Out):
    id: str
    subject_id: str
    name: str
    indication: str | None
    dose: str | None
    start_date: dt.date
    end_date: dt.date | None
    adverse_event_id: str | None
    version: int


_TARGET_STATUSES = ("disappeared", "too_small", "not_evaluated")
_NON_TARGET_STATUSES = (
    "present",
    "absent",
    "unequivocal_progression",
    "increased",
    "not_evaluated",
)


class LesionIn(_In):
    lesion_code: str = column_text(LesionMeasurement.lesion_code)
    kind: Literal["target", "non_target", "new"]
    location: str = column_text(LesionMeasurement.location)
    is_nodal: bool = False
    lesion_type: str = column_text(
        LesionMeasurement.lesion_type,
        "mass",
        min_length=0,
        description="kind of lesion deciding RECIST 1.1 measurability (sections 3.1.2-3.1.3)",
    )
    previously_irradiated: bool = False
    progressed_since_irradiation: bool = False
    scanned_on: ClinicalDate | None = Field(
        default=None, description="this lesion's scan, when the assessment's scans differ"
    )
    diameter_mm: Decimal | None = Field(
        default=None,
        ge=0,
        le=2000,
        max_digits=5,
        decimal_places=1,
        description="longest diameter (nodes: short axis), mm",
    )
    status: (
        Literal[
            "disappeared",
            "too_small",
            "not_evaluated",
            "present",
            "absent",
            "unequivocal_progression",
            "increased",
        ]
        | None
    ) = Field(default=None, description="when not measured")

    @field_validator("status")
    @classmethod
    def _status_fits_kind(cls, status: str | None, info: ValidationInfo) -> str | None:
        if status is None:
            return status
        if info.data.get("diameter_mm") is not None:
            raise ValueError("either a diameter or a status, not both")
        allowed = {
            "target": _TARGET_STATUSES,
            "non_target": _NON_TARGET_STATUSES,
            "new": (),
        }.get(info.data.get("kind", ""), ())
        if status not in allowed:
            kind = info.data.get("kind")
            raise ValueError(f"a {kind} lesion status: {', '.join(allowed) or 'none'}")
        return status


class TumourAssessmentIn(_In):
    assessed_on: ClinicalDate
    method: str = column_text(TumourAssessment.method, description="e.g. CT, MRI")
    lesions: list[LesionIn] = Field(min_length=1, max_length=100)


class LesionOut(_Out):
    id: str
    lesion_code: str
    kind: str
    location: str
    is_nodal: bool
    diameter_mm: Decimal | None
    status: str | None
    lesion_type: str = "mass"
    previously_irradiated: bool = False
    progressed_since_irradiation: bool = False
    scanned_on: dt.date | None = None


class TumourAssessmentOut(_Out):
    id: str
    subject_id: str
    assessed_on: dt.date
    method: str
    criteria: str
    derived_response: str | None
    derivation_reason: str | None
    engine_version: str | None
    version: int
    lesions: list[LesionOut] = Field(default_factory=list)


class DeathIn(_In):
    died_on: ClinicalDate
    cause: str = Field(min_length=1, max_length=4000)


class DeathOut(_Out):
    id: str
    subject_id: str
    died_on: dt.date
    cause: str
    version: int


class WithdrawalIn(_In):
    withdrawn_on: ClinicalDate
    initiated_by: Literal["subject", "investigator", "sponsor"]
    reason: str = Field(min_length=1, max_length=4000)


class WithdrawalOut(_Out):
    id: str
    subject_id: str
    withdrawn_on: dt.date
    initiated_by: str
    reason: str
    version: int


class ProtocolVersionOut(_Out):
    id: str
    protocol_id: str
    label: str
    sha256: str
    registered_at: dt.datetime


RoleName = Literal[
    "admin",
    "investigator",
    "coordinator",
    "data_manager",
    "monitor",
    "statistician",
    "safety_committee",
]


class GrantIn(_In):
    role: RoleName
    site: str | None = column_text(Site.code, None, description="site code; none: sponsor-wide")


class RevokeGrantIn(GrantIn):
    reason: str = Field(min_length=1, max_length=4000, description="kept in the audit trail")


class DeactivateUserIn(_In):
    reason: str = Field(min_length=1, max_length=4000, description="kept in the audit trail")


class GrantOut(_Out):
    id: str
    username: str
    role: str
    site: str | None = Field(description="site code; none: sponsor-wide")
    granted_at: dt.datetime
    revoked_at: dt.datetime | None


class InterlockOut(_Out):
    name: str
    title: str
    state: Literal["pass", "fail", "not_checked"]
    reason: str


class InfusionCheckOut(BaseModel):
    subject_id: str
    subject_code: str
    as_of: dt.datetime = Field(description="when the infusion would start")
    lot_id: str | None
    scanned_chain_of_identity_id: str | None
    cells_infused: int | None
    verdict: Literal["pass", "fail", "incomplete"] = Field(
        description="fail: an interlock fails; incomplete: none fails, some not checked"
    )
    message: str
    interlocks: list[InterlockOut]
