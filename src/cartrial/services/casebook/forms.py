"""The casebook's forms as data: which tables, in what order, under which parent record.

Each form lists its tables; a table's records are the subject's own (a
``subject_id`` column, or the subject itself) or hang off a record listed
before them in the same form (``parents``: the first foreign key that is set).
``title`` is a format string over the record's stored values (``{column}``).
A test checks that every table holding a subject's data is in a form
(TRIAL_DATA.md section 1.6 row 2: the casebook is the complete record).

Not in any form, because they belong to a protocol or the system, not to a
subject: sites, users and grants, protocol versions, enrolment holds, escalation
decisions, login sessions and API tokens; signatures appear beside the record
they sign.
"""

from __future__ import annotations

from dataclasses import dataclass

from cartrial.store.models import (
    AdverseEvent,
    AeObservation,
    Apheresis,
    AssayResult,
    ConMed,
    CustodyEvent,
    DataLock,
    DataQuery,
    Death,
    DltAdjudication,
    EligibilityDecision,
    Infusion,
    LabResult,
    LesionMeasurement,
    LymphodepletionDose,
    ProductLot,
    Record,
    Sample,
    ScreeningEntry,
    Subject,
    TumourAssessment,
    Visit,
    VitalSign,
    Withdrawal,
)

__all__ = ["FORMS", "FormSpec", "TableSpec"]


@dataclass(frozen=True)
class TableSpec:
    """One table of a form: its records' title, sort order and parent keys."""

    model: type[Record]
    title: str
    order: tuple[str, ...]
    parents: tuple[str, ...] = ()


@dataclass(frozen=True)
class FormSpec:
    key: str
    title: str
    tables: tuple[TableSpec, ...]


FORMS: tuple[FormSpec, ...] = (
    FormSpec(
        "subject",
        "Subject, status and enrolment",
        (TableSpec(Subject, "Subject {code}: {status}, dose level {dose_level}", ()),),
    ),
    FormSpec(
        "screening",
        "Screening and eligibility",
        (
            TableSpec(ScreeningEntry, "Screening record entered {entered_at}", ("entered_at",)),
            TableSpec(
                EligibilityDecision,
                "Eligibility decision: {decision}",
                ("decided_at",),
                ("screening_id",),
            ),
        ),
    ),
    FormSpec(
        "chain_of_identity",
        "Chain of identity: apheresis, product lots, custody",
        (
            TableSpec(
                Apheresis, "Apheresis {collection_id} ({chain_of_identity_id})", ("collected_at",)
            ),
            TableSpec(
                ProductLot, "Product lot {lot_number}: {status}", ("lot_number",), ("apheresis_id",)
            ),
            TableSpec(
                CustodyEvent,
                "Custody hand-off {from_party} to {to_party} at {at}",
                ("at",),
                ("lot_id", "apheresis_id"),
            ),
        ),
    ),
    FormSpec(
        "lymphodepletion",
        "Lymphodepletion",
        (
            TableSpec(
                LymphodepletionDose,
                "{agent} {dose_mg} mg on study day {study_day}",
                ("completed_at", "agent"),
            ),
        ),
    ),
    FormSpec(
        "infusion",
        "Infusion",
        (TableSpec(Infusion, "CAR-T infusion at {started_at}", ("started_at",)),),
    ),
    FormSpec(
        "visits",
        "Visits",
        (TableSpec(Visit, "Visit {visit_code}", ("planned_date", "visit_code")),),
    ),
    FormSpec(
        "vitals",
        "Vital signs",
        (TableSpec(VitalSign, "{test} {value} {unit} at {measured_at}", ("measured_at", "test")),),
    ),
    FormSpec(
        "labs",
        "Laboratory results",
        (
            TableSpec(
                LabResult,
                "{test} {value} {unit} at {collected_at}, grade {derived_grade}",
                ("collected_at", "test"),
            ),
        ),
    ),
    FormSpec(
        "adverse_events",
        "Adverse events, CRS and ICANS observations",
        (
            TableSpec(AdverseEvent, "{term} (onset {onset_date})", ("onset_date",)),
            TableSpec(
                AeObservation,
                "{kind} observation at {observed_at}",
                ("observed_at",),
                ("adverse_event_id",),
            ),
        ),
    ),
    FormSpec(
        "tumour",
        "Tumour assessments and lesions",
        (
            TableSpec(
                TumourAssessment,
                "{method} on {assessed_on}: {derived_response}",
                ("assessed_on",),
            ),
            TableSpec(
                LesionMeasurement,
                "Lesion {lesion_code} ({kind}, {location})",
                ("lesion_code",),
                ("assessment_id",),
            ),
        ),
    ),
    FormSpec(
        "samples",
        "Samples and assay results",
        (
            TableSpec(Sample, "Sample {sample_code} ({analyte})", ("collected_at",)),
            TableSpec(AssayResult, "{test}: {value} {unit}", ("test",), ("sample_id",)),
        ),
    ),
    FormSpec(
        "con_meds",
        "Concomitant medications",
        (TableSpec(ConMed, "{name} from {start_date}", ("start_date", "name")),),
    ),
    FormSpec(
        "dlt",
        "DLT adjudications",
        (TableSpec(DltAdjudication, "DLT adjudication: {outcome}", ("adjudicated_at",)),),
    ),
    FormSpec(
        "end_of_study",
        "Death and withdrawal",
        (
            TableSpec(Death, "Death on {died_on}", ("died_on",)),
            TableSpec(Withdrawal, "Withdrawal on {withdrawn_on}", ("withdrawn_on",)),
        ),
    ),
    FormSpec(
        "queries",
        "Data queries",
        (TableSpec(DataQuery, "Query on {table_name}.{field}: {status}", ("opened_at",)),),
    ),
    FormSpec(
        "locks",
        "Data locks",
        (TableSpec(DataLock, "Data lock placed {locked_at}", ("locked_at",)),),
    ),
)
