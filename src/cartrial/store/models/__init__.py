"""Every table of the trial database (import this package to register them all)."""

from cartrial.store.models.access import ROLES, SIGNATURE_MEANINGS, RoleGrant, Signature, Site, User
from cartrial.store.models.audit import AuditEntry
from cartrial.store.models.base import Base, Record, new_id, utcnow
from cartrial.store.models.clinical import AdverseEvent, AeObservation, LabResult, Visit, VitalSign
from cartrial.store.models.oversight import DataLock, DataQuery, DltAdjudication, EscalationDecision
from cartrial.store.models.product import Apheresis, CustodyEvent, ProductLot
from cartrial.store.models.treatment import Infusion, LymphodepletionDose
from cartrial.store.models.trial import (
    STATUSES,
    TRANSITIONS,
    EligibilityDecision,
    EnrolmentHold,
    ProtocolVersion,
    ScreeningEntry,
    Subject,
)

__all__ = [
    "ROLES",
    "SIGNATURE_MEANINGS",
    "STATUSES",
    "TRANSITIONS",
    "AdverseEvent",
    "AeObservation",
    "Apheresis",
    "AuditEntry",
    "Base",
    "CustodyEvent",
    "DataLock",
    "DataQuery",
    "DltAdjudication",
    "EligibilityDecision",
    "EnrolmentHold",
    "EscalationDecision",
    "Infusion",
    "LabResult",
    "LymphodepletionDose",
    "ProductLot",
    "ProtocolVersion",
    "Record",
    "RoleGrant",
    "ScreeningEntry",
    "Signature",
    "Site",
    "Subject",
    "User",
    "Visit",
    "VitalSign",
    "new_id",
    "utcnow",
]
