"""Follow-up records (tumour assessments, samples, con-meds, deaths, withdrawals), sessions, tokens.

The new trial tables refuse DELETE like the others (21 CFR 11.10(c)).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


NO_DELETE = (
    "assay_result",
    "con_med",
    "death",
    "lesion_measurement",
    "sample",
    "tumour_assessment",
    "withdrawal",
)


def _create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in NO_DELETE:
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cartrial_refuse_change()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'cartrial: DELETE on {table} is refused: "
                "records are kept (21 CFR 11.10(c), (e))'); END"
            )


def _drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    for table in NO_DELETE:
        suffix = f" ON {table}" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete{suffix}")


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_api_token_site_id_site")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_api_token_token_sha256")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_auth_session_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_auth_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_auth_session_token_sha256")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"], unique=False)
    op.create_table(
        "death",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("died_on", sa.Date(), nullable=False),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_death_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_death")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_death_subject_id")),
    )
    op.create_table(
        "sample",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("sample_code", sa.String(length=40), nullable=False),
        sa.Column("analyte", sa.String(length=32), nullable=False),
        sa.Column("matrix", sa.String(length=16), nullable=False),
        sa.Column("study_day", sa.Integer(), nullable=True),
        sa.Column("collected_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "analyte IN ('car_transgene_qpcr', 'car_t_flow', 'cytokines', 'anti_drug_antibody')",
            name=op.f("ck_sample_analyte"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_sample_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sample")),
        sa.UniqueConstraint("sample_code", name=op.f("uq_sample_sample_code")),
    )
    op.create_index(op.f("ix_sample_subject_id"), "sample", ["subject_id"], unique=False)
    op.create_table(
        "tumour_assessment",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("criteria", sa.String(length=16), nullable=False),
        sa.Column("derived_response", sa.String(length=16), nullable=True),
        sa.Column("derivation_reason", sa.Text(), nullable=True),
        sa.Column("engine_version", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_tumour_assessment_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tumour_assessment")),
    )
    op.create_index(
        op.f("ix_tumour_assessment_subject_id"), "tumour_assessment", ["subject_id"], unique=False
    )
    op.create_table(
        "withdrawal",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=False),
        sa.Column("initiated_by", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_withdrawal_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_withdrawal_subject_id")),
    )
    op.create_table(
        "assay_result",
        sa.Column("sample_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("test", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("result_text", sa.String(length=64), nullable=True),
        sa.Column("lloq", sa.Numeric(precision=18, scale=6), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sample_id"], ["sample.id"], name=op.f("fk_assay_result_sample_id_sample")
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_assay_result_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assay_result")),
    )
    op.create_index(op.f("ix_assay_result_sample_id"), "assay_result", ["sample_id"], unique=False)
    op.create_index(
        op.f("ix_assay_result_subject_id"), "assay_result", ["subject_id"], unique=False
    )
    op.create_table(
        "con_med",
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("indication", sa.String(length=200), nullable=True),
        sa.Column("dose", sa.String(length=100), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("adverse_event_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_event.id"],
            name=op.f("fk_con_med_adverse_event_id_adverse_event"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_con_med_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_con_med")),
    )
    op.create_index(op.f("ix_con_med_subject_id"), "con_med", ["subject_id"], unique=False)
    op.create_table(
        "lesion_measurement",
        sa.Column("assessment_id", sa.String(length=36), nullable=False),
        sa.Column("subject_id", sa.String(length=36), nullable=False),
        sa.Column("lesion_code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=100), nullable=False),
        sa.Column("diameter_mm", sa.Numeric(precision=7, scale=1), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('target', 'non_target', 'new')", name=op.f("ck_lesion_measurement_kind")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["tumour_assessment.id"],
            name=op.f("fk_lesion_measurement_assessment_id_tumour_assessment"),
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subject.id"], name=op.f("fk_lesion_measurement_subject_id_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lesion_measurement")),
    )
    op.create_index(
        op.f("ix_lesion_measurement_assessment_id"),
        "lesion_measurement",
        ["assessment_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_lesion_measurement_subject_id"), "lesion_measurement", ["subject_id"], unique=False
    )
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    op.drop_index(op.f("ix_lesion_measurement_subject_id"), table_name="lesion_measurement")
    op.drop_index(op.f("ix_lesion_measurement_assessment_id"), table_name="lesion_measurement")
    op.drop_table("lesion_measurement")
    op.drop_index(op.f("ix_con_med_subject_id"), table_name="con_med")
    op.drop_table("con_med")
    op.drop_index(op.f("ix_assay_result_subject_id"), table_name="assay_result")
    op.drop_index(op.f("ix_assay_result_sample_id"), table_name="assay_result")
    op.drop_table("assay_result")
    op.drop_table("withdrawal")
    op.drop_index(op.f("ix_tumour_assessment_subject_id"), table_name="tumour_assessment")
    op.drop_table("tumour_assessment")
    op.drop_index(op.f("ix_sample_subject_id"), table_name="sample")
    op.drop_table("sample")
    op.drop_table("death")
    op.drop_index(op.f("ix_auth_session_user_id"), table_name="auth_session")
    op.drop_table("auth_session")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
