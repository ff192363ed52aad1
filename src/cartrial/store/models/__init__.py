"""Every table of the trial database (import this package to register them all)."""

from cartrial.store.models.access import RoleGrant, Signature, Site, User
from cartrial.store.models.audit import AuditEntry
from cartrial.store.models.base import Base, Record, new_id, utcnow
from cartrial.store.models.clinical import AdverseEvent, AeObservation, LabResult, Visit, VitalSign
from cartrial.store.models.followup import (
    AssayResult,
    ConMed,
    Death,
    LesionMeasurement,
    Sample,
    TumourAssessment,
    Withdrawal,
)
from cartrial.store.models.idempotency import IdempotencyKey
from cartrial.store.models.oversight import DataLock, DataQuery, DltAdjudication, EscalationDecision
from cartrial.store.models.product import Apheresis, CustodyEvent, ProductLot
from cartrial.store.models.sessions import (
    API_TOKEN_LIFETIME,
    API_TOKEN_LONGEST,
    IDLE_TIMEOUT,
    ApiToken,
    AuthSession,
)
from cartrial.store.models.treatment import Infusion, LymphodepletionDose
from cartrial.store.models.trial import (
    EligibilityDecision,
    EnrolmentHold,
    ProtocolVersion,
    ScreeningEntry,
    Subject,
)

__all__ = [
    "API_TOKEN_LIFETIME",
    "API_TOKEN_LONGEST",
    "IDLE_TIMEOUT",
    "AdverseEvent",
    "AeObservation",
    "Apheresis",
    "ApiToken",
    "AssayResult",
    "AuditEntry",
    "AuthSession",
    "Base",
    "ConMed",
    "CustodyEvent",
    "DataLock",
    "DataQuery",
    "Death",
    "DltAdjudication",
    "EligibilityDecision",
    "EnrolmentHold",
    "EscalationDecision",
    "IdempotencyKey",
    "Infusion",
    "LabResult",
    "LesionMeasurement",
    "LymphodepletionDose",
    "ProductLot",
    "ProtocolVersion",
    "Record",
    "RoleGrant",
    "Sample",
    "ScreeningEntry",
    "Signature",
    "Site",
    "Subject",
    "TumourAssessment",
    "User",
    "Visit",
    "VitalSign",
    "Withdrawal",
    "new_id",
    "utcnow",
]
