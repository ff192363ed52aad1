"""Initial schema: every trial table, and the triggers that keep records (21 CFR 11.10(c), (e)).

The audit_entry and signature tables refuse UPDATE and DELETE; every trial table
refuses DELETE (trial data are never hard-deleted). The triggers exist on
SQLite and PostgreSQL alike.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


APPEND_ONLY = ("audit_entry", "signature")
NO_DELETE = (
    "adverse_event",
    "ae_observation",
    "apheresis",
    "custody_event",
    "data_lock",
    "data_query",
    "dlt_adjudication",
    "eligibility_decision",
    "enrolment_hold",
    "escalation_decision",
    "infusion",
    "lab_result",
    "lymphodepletion_dose",
    "product_lot",
    "protocol_version",
    "role_grant",
    "screening",
    "site",
    "subject",
    "user_account",
    "visit",
    "vital_sign",
)


def _refusals() -> list[tuple[str, str, str]]:
    """(trigger name, table, operation) for every refusal trigger."""
    out = []
    for table in APPEND_ONLY:
        out.append((f"{table}_no_update", table, "UPDATE"))
        out.append((f"{table}_no_delete", table, "DELETE"))
    for table in NO_DELETE:
        out.append((f"{table}_no_delete", table, "DELETE"))
    return out


def _create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION cartrial_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'cartrial: % on % is refused: records are kept "
            "(21 CFR 11.10(c), (e))', TG_OP, TG_TABLE_NAME; END $$"
        )
    for name, table, operation in _refusals():
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cartrial_refuse_change()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'cartrial: {operation} on {table} is refused: "
                "records are kept (21 CFR 11.10(c), (e))'); END"
            )
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cartrial_refuse_change()"
            )


def _drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _operation in _refusals():
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cartrial_refuse_change()")


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("role", sa.String(length=32), nullable=True),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("prev_sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_record_id"), "audit_entry", ["record_id"], unique=False)
    op.create_index(op.f("ix_audit_entry_table_name"), "audit_entry", ["table_name"], unique=False)
    op.create_table(
        "enrolment_hold",
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment_hold")),
    )
    op.create_index(
        op.f("ix_enrolment_hold_protocol_id"), "enrolment_hold", ["protocol_id"], unique=False
    )
    op.create_table(
        "escalation_decision",
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("current_level", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("next_level", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("engine_version", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "action IN ('escalate', 'stay', 'deescalate', 'wait', 'stop')",
            name=op.f("ck_escalation_decision_action"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_decision")),
    )
    op.create_index(
        op.f("ix_escalation_decision_protocol_id"),
        "escalation_decision",
        ["protocol_id"],
        unique=False,
    )
    op.create_table(
        "protocol_version",
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("yaml_text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protocol_version")),
        sa.UniqueConstraint("protocol_id", "sha256", name=op.f("uq_protocol_version_protocol_id")),
    )
    op.create_index(
        op.f("ix_protocol_version_protocol_id"), "protocol_version", ["protocol_id"], unique=False
    )
    op.create_table(
        "site",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("code", name=op.f("uq_site_code")),
    )
    op.create_table(
        "user_account",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("username", name=op.f("uq_user_account_username")),
    )
    op.create_table(
        "role_grant",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'investigator', 'coordinator', 'data_manager', 'monitor', 'statistician', 'safety_committee')",
            name=op.f("ck_role_grant_role"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_role_grant_site_id_site")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_role_grant_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant")),
    )
    op.create_index(op.f("ix_role_grant_user_id"), "role_grant", ["user_id"], unique=False)
    op.create_table(
        "signature",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("printed_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("meaning", sa.String(length=32), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "meaning IN ('eligibility', 'dlt', 'escalation', 'lock')",
            name=op.f("ck_signature_meaning"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_signature_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature")),
    )
    op.create_index(op.f("ix_signature_record_id"), "signature", ["record_id"], unique=False)
    op.create_table(
        "subject",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=False),
        sa.Column("protocol_version_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("weight_kg", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("dose_level", sa.Integer(), nullable=True),
        sa.Column("chain_of_identity_id", sa.String(length=20), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('screening', 'screen_failed', 'enrolled', 'apheresed', 'manufacturing', 'lymphodepleted', 'infused', 'follow_up', 'completed', 'withdrawn', 'died')",
            name=op.f("ck_subject_status"),
        ),
        sa.ForeignKeyConstraint(
            ["protocol_version_id"],
            ["protocol_version.id"],
            name=op.f("fk_subject_protocol_version_id_protocol_version"),
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_subject_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject")),
        sa.UniqueConstraint("chain_of_identity_id", name=op.f("uq_subject_chain_of_identity_id")),
        sa.UniqueConstraint(
            "protocol_version_id", "code", name=op.f("uq_subject_protocol_version_id")
        ),
    )
    op.create_index(op.f("ix_subject_site_id"), "subject", ["site_id"], unique=False)
    op.create_table(
        "adverse_event",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("term", sa.String(length=200), nullable=False),
        sa.Column("onset_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("grading_scale", sa.String(length=16), nullable=False),
        sa.Column("reported_grade", sa.Integer(), nullable=False),
        sa.Column("is_serious", sa.Boolean(), nullable=False),
        sa.Column("relatedness", sa.String(length=32), nullable=True),
        sa.Column("derived_grade", sa.Integer(), nullable=True),
        sa.Column("derivation_reason", sa.Text(), nullable=True),
        sa.Column("engine_version", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "grading_scale IN ('ctcae_v5', 'astct_2019')",
            name=op.f("ck_adverse_event_grading_scale"),
        ),
        sa.CheckConstraint(
            "reported_grade BETWEEN 1 AND 5", name=op.f("ck_adverse_event_reported_grade")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_adverse_event_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_event")),
    )
    op.create_index(
        op.f("ix_adverse_event_subject_id"), "adverse_event", ["subject_id"], unique=False
    )
    op.create_table(
        "apheresis",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("chain_of_identity_id", sa.String(length=20), nullable=False),
        sa.Column("collection_id", sa.String(length=32), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_apheresis_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_apheresis")),
        sa.UniqueConstraint("collection_id", name=op.f("uq_apheresis_collection_id")),
    )
    op.create_index(op.f("ix_apheresis_subject_id"), "apheresis", ["subject_id"], unique=False)
    op.create_table(
        "data_lock",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("locked_at", sa.DateTime(), nullable=False),
        sa.Column("lifted_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_data_lock_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_lock")),
    )
    op.create_index(op.f("ix_data_lock_subject_id"), "data_lock", ["subject_id"], unique=False)
    op.create_table(
        "data_query",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'closed')", name=op.f("ck_data_query_status")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_data_query_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_query")),
    )
    op.create_index(op.f("ix_data_query_subject_id"), "data_query", ["subject_id"], unique=False)
    op.create_table(
        "lab_result",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("test", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("derived_grade", sa.Integer(), nullable=True),
        sa.Column("derivation_reason", sa.Text(), nullable=True),
        sa.Column("engine_version", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_lab_result_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lab_result")),
    )
    op.create_index(op.f("ix_lab_result_subject_id"), "lab_result", ["subject_id"], unique=False)
    op.create_table(
        "lymphodepletion_dose",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("study_day", sa.Integer(), nullable=False),
        sa.Column("dose_mg", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_lymphodepletion_dose_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lymphodepletion_dose")),
    )
    op.create_index(
        op.f("ix_lymphodepletion_dose_subject_id"),
        "lymphodepletion_dose",
        ["subject_id"],
        unique=False,
    )
    op.create_table(
        "screening",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("record_json", sa.Text(), nullable=False),
        sa.Column("entered_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_screening_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening")),
    )
    op.create_index(op.f("ix_screening_subject_id"), "screening", ["subject_id"], unique=False)
    op.create_table(
        "visit",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("visit_code", sa.String(length=32), nullable=False),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("actual_date", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_visit_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    op.create_index(op.f("ix_visit_subject_id"), "visit", ["subject_id"], unique=False)
    op.create_table(
        "vital_sign",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("test", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Numeric(precision=12, scale=4), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_vital_sign_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vital_sign")),
    )
    op.create_index(op.f("ix_vital_sign_subject_id"), "vital_sign", ["subject_id"], unique=False)
    op.create_table(
        "ae_observation",
        sa.Column("adverse_event_id", sa.String(length=36), nullable=False),
        sa.Column("observed_at", sa.DateTime(), nullable=False),
        sa.Column("temperature_c", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("vasopressors", sa.Integer(), nullable=True),
        sa.Column("oxygen", sa.String(length=32), nullable=True),
        sa.Column("ice_score", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_event.id"],
            name=op.f("fk_ae_observation_adverse_event_id_adverse_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ae_observation")),
    )
    op.create_index(
        op.f("ix_ae_observation_adverse_event_id"),
        "ae_observation",
        ["adverse_event_id"],
        unique=False,
    )
    op.create_table(
        "dlt_adjudication",
        sa.Column("adverse_event_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("is_dlt", sa.Boolean(), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("engine_version", sa.String(length=32), nullable=False),
        sa.Column("adjudicated_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_event.id"],
            name=op.f("fk_dlt_adjudication_adverse_event_id_adverse_event"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_dlt_adjudication_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dlt_adjudication")),
    )
    op.create_index(
        op.f("ix_dlt_adjudication_adverse_event_id"),
        "dlt_adjudication",
        ["adverse_event_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_dlt_adjudication_subject_id"), "dlt_adjudication", ["subject_id"], unique=False
    )
    op.create_table(
        "eligibility_decision",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("screening_id", sa.String(length=36), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("verdicts_json", sa.Text(), nullable=False),
        sa.Column("engine_version", sa.String(length=32), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('eligible', 'not_eligible', 'incomplete')",
            name=op.f("ck_eligibility_decision_decision"),
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screening.id"],
            name=op.f("fk_eligibility_decision_screening_id_screening"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_eligibility_decision_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_decision")),
    )
    op.create_index(
        op.f("ix_eligibility_decision_subject_id"),
        "eligibility_decision",
        ["subject_id"],
        unique=False,
    )
    op.create_table(
        "product_lot",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("apheresis_id", sa.String(length=36), nullable=False),
        sa.Column("chain_of_identity_id", sa.String(length=20), nullable=False),
        sa.Column("lot_number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("viable_car_cells", sa.BigInteger(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("release_note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('manufacturing', 'released', 'rejected')",
            name=op.f("ck_product_lot_status"),
        ),
        sa.ForeignKeyConstraint(
            ["apheresis_id"], ["apheresis.id"], name=op.f("fk_product_lot_apheresis_id_apheresis")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_product_lot_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_lot")),
        sa.UniqueConstraint("lot_number", name=op.f("uq_product_lot_lot_number")),
    )
    op.create_index(op.f("ix_product_lot_subject_id"), "product_lot", ["subject_id"], unique=False)
    op.create_table(
        "custody_event",
        sa.Column("lot_id", sa.String(length=36), nullable=True),
        sa.Column("apheresis_id", sa.String(length=36), nullable=True),
        sa.Column("chain_of_identity_id", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("from_party", sa.String(length=200), nullable=False),
        sa.Column("to_party", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("condition", sa.String(length=200), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["apheresis_id"], ["apheresis.id"], name=op.f("fk_custody_event_apheresis_id_apheresis")
        ),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["product_lot.id"], name=op.f("fk_custody_event_lot_id_product_lot")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custody_event")),
    )
    op.create_index(op.f("ix_custody_event_lot_id"), "custody_event", ["lot_id"], unique=False)
    op.create_table(
        "infusion",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("lot_id", sa.String(length=36), nullable=False),
        sa.Column("scanned_chain_of_identity_id", sa.String(length=20), nullable=False),
        sa.Column("dose_level", sa.Integer(), nullable=False),
        sa.Column("cells_infused", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lot_id"], ["product_lot.id"], name=op.f("fk_infusion_lot_id_product_lot")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_infusion_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infusion")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_infusion_subject_id")),
    )
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_table("infusion")
    op.drop_index(op.f("ix_custody_event_lot_id"), table_name="custody_event")
    op.drop_table("custody_event")
    op.drop_index(op.f("ix_product_lot_subject_id"), table_name="product_lot")
    op.drop_table("product_lot")
    op.drop_index(op.f("ix_eligibility_decision_subject_id"), table_name="eligibility_decision")
    op.drop_table("eligibility_decision")
    op.drop_index(op.f("ix_dlt_adjudication_subject_id"), table_name="dlt_adjudication")
    op.drop_index(op.f("ix_dlt_adjudication_adverse_event_id"), table_name="dlt_adjudication")
    op.drop_table("dlt_adjudication")
    op.drop_index(op.f("ix_ae_observation_adverse_event_id"), table_name="ae_observation")
    op.drop_table("ae_observation")
    op.drop_index(op.f("ix_vital_sign_subject_id"), table_name="vital_sign")
    op.drop_table("vital_sign")
    op.drop_index(op.f("ix_visit_subject_id"), table_name="visit")
    op.drop_table("visit")
    op.drop_index(op.f("ix_screening_subject_id"), table_name="screening")
    op.drop_table("screening")
    op.drop_index(op.f("ix_lymphodepletion_dose_subject_id"), table_name="lymphodepletion_dose")
    op.drop_table("lymphodepletion_dose")
    op.drop_index(op.f("ix_lab_result_subject_id"), table_name="lab_result")
    op.drop_table("lab_result")
    op.drop_index(op.f("ix_data_query_subject_id"), table_name="data_query")
    op.drop_table("data_query")
    op.drop_index(op.f("ix_data_lock_subject_id"), table_name="data_lock")
    op.drop_table("data_lock")
    op.drop_index(op.f("ix_apheresis_subject_id"), table_name="apheresis")
    op.drop_table("apheresis")
    op.drop_index(op.f("ix_adverse_event_subject_id"), table_name="adverse_event")
    op.drop_table("adverse_event")
    op.drop_index(op.f("ix_subject_site_id"), table_name="subject")
    op.drop_table("subject")
    op.drop_index(op.f("ix_signature_record_id"), table_name="signature")
    op.drop_table("signature")
    op.drop_index(op.f("ix_role_grant_user_id"), table_name="role_grant")
    op.drop_table("role_grant")
    op.drop_table("user_account")
    op.drop_table("site")
    op.drop_index(op.f("ix_protocol_version_protocol_id"), table_name="protocol_version")
    op.drop_table("protocol_version")
    op.drop_index(op.f("ix_escalation_decision_protocol_id"), table_name="escalation_decision")
    op.drop_table("escalation_decision")
    op.drop_index(op.f("ix_enrolment_hold_protocol_id"), table_name="enrolment_hold")
    op.drop_table("enrolment_hold")
    op.drop_index(op.f("ix_audit_entry_table_name"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_record_id"), table_name="audit_entry")
    op.drop_table("audit_entry")
