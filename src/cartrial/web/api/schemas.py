"""Request and response models: separate input and output per entity (STYLE practice 12).

No ORM object is rendered directly; outputs read attributes (``from_attributes``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from cartrial.eligibility.record import ScreeningRecord

T = TypeVar("T")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class LoginIn(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1000)
    role: str = Field(min_length=1, max_length=32)
    site: str | None = Field(
        default=None, max_length=16, description="site code; none: sponsor-wide"
    )


class TokenOut(BaseModel):
    token: str
    username: str
    role: str | None
    site_id: str | None


class ApiTokenIn(_In):
    label: str = Field(min_length=1, max_length=100)


class ApiTokenOut(BaseModel):
    id: str
    token: str
    label: str


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


class ScreenIn(_In):
    site_id: str = Field(min_length=1, max_length=36)
    protocol_version_id: str = Field(min_length=1, max_length=36)
    record: ScreeningRecord


class ScreenOut(BaseModel):
    subject: SubjectOut
    decision: str
    reason: str


class PasswordIn(_In):
    password: str = Field(min_length=1, max_length=1000, description="re-entered (21 CFR 11.200)")


class EnrolIn(_In):
    weight_kg: Decimal = Field(gt=0, le=400)


class AdverseEventIn(_In):
    term: str = Field(min_length=1, max_length=200)
    onset_date: dt.date
    grading_scale: Literal["ctcae_v5", "astct_2019"]
    reported_grade: int = Field(ge=1, le=5)
    is_serious: bool = False
    relatedness: str | None = Field(default=None, max_length=32)


class AdverseEventPatch(_In):
    expected_version: int = Field(ge=1, description="the version you read")
    reason: str = Field(min_length=1, max_length=2000)
    term: str | None = Field(default=None, min_length=1, max_length=200)
    end_date: dt.date | None = None
    reported_grade: int | None = Field(default=None, ge=1, le=5)
    is_serious: bool | None = None
    relatedness: str | None = Field(default=None, max_length=32)


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
    collected_at: AwareDatetime
    test: str = Field(min_length=1, max_length=32)
    value: Decimal = Field(allow_inf_nan=False, ge=Decimal("-1e9"), le=Decimal("1e9"))
    unit: str = Field(min_length=1, max_length=16)


class LabOut(_Out):
    id: str
    subject_id: str
    collected_at: dt.datetime
    test: str
    value: Decimal
    unit: str
    derived_grade: int | None
    version: int


class InfusionIn(_In):
    lot_id: str = Field(min_length=1, max_length=36)
    scanned_chain_of_identity_id: str = Field(min_length=1, max_length=20)
    cells_infused: int = Field(gt=0, lt=10**13)
    started_at: AwareDatetime


class InfusionOut(_Out):
    id: str
    subject_id: str
    lot_id: str
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
    collection_id: str = Field(min_length=1, max_length=32)
    chain_of_identity_id: str = Field(min_length=1, max_length=20)
    collected_at: AwareDatetime


class ApheresisOut(_Out):
    id: str
    subject_id: str
    collection_id: str
    chain_of_identity_id: str
    collected_at: dt.datetime


class LotIn(_In):
    lot_number: str = Field(min_length=1, max_length=32)


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
    at: AwareDatetime
    from_party: str = Field(min_length=1, max_length=200)
    to_party: str = Field(min_length=1, max_length=200)
    location: str = Field(min_length=1, max_length=200)
    condition: str = Field(min_length=1, max_length=200)


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
    agent: str = Field(min_length=1, max_length=64)
    study_day: int = Field(ge=-30, le=0)
    dose_mg: Decimal = Field(gt=0, le=100000, allow_inf_nan=False)
    completed_at: AwareDatetime


class LymphodepletionOut(_Out):
    id: str
    subject_id: str
    agent: str
    study_day: int
    dose_mg: Decimal
    completed_at: dt.datetime


class QueryIn(_In):
    table_name: str = Field(min_length=1, max_length=64)
    record_id: str = Field(min_length=1, max_length=36)
    field: str = Field(min_length=1, max_length=64)
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


class DltIn(_In):
    password: str = Field(min_length=1, max_length=1000, description="re-entered (21 CFR 11.200)")
    as_of: AwareDatetime | None = Field(default=None, description="follow-up time; default now")


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


class ObservationIn(_In):
    observation: dict[str, Any] = Field(
        description=(
            "a CRS observation or an ICANS assessment; its time is the site's wall-clock "
            "time without offset (e.g. 2026-03-10T21:00)"
        )
    )


class EscalationIn(_In):
    protocol_id: str = Field(min_length=1, max_length=64)
    current_level: int = Field(ge=1, le=100)
    action: Literal["escalate", "stay", "deescalate", "wait", "stop"]
    next_level: int | None = Field(default=None, ge=1, le=100)
    reason: str = Field(min_length=1, max_length=4000)
    engine_version: str = Field(min_length=1, max_length=64)
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
    protocol_id: str = Field(min_length=1, max_length=64)
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
