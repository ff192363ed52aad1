"""Migrations on a database that holds a trial, on SQLite (foreign keys on) and PostgreSQL.

Revision 0005 rebuilds ``adverse_event``, ``tumour_assessment`` and four more
tables on SQLite (batch mode) while ``ae_observation``, ``lesion_measurement``,
``con_med`` and ``dlt_adjudication`` refer to them; with foreign keys on, SQLite
refused the rebuild ("FOREIGN KEY constraint failed"). The migration
environment now follows https://www.sqlite.org/lang_altertable.html (foreign
keys off outside the transaction, ``PRAGMA foreign_key_check`` before commit).

The trial is entered through the services at the head revision and taken down
to 0004: a database at 0004 populated through the services (the services write
the head schema, so this is how such a database is made). It then goes up to
the head, down to 0004 and up again.
"""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, MetaData, select, text
from typer.testing import CliRunner

from cartrial import __version__
from cartrial.cli.main import app
from cartrial.errors import InputError, MigrationError
from cartrial.services import followup, safety, treatment, tumour
from cartrial.services.syndromes import record_syndrome_observation
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.audit import canonical_text, verify_chain
from cartrial.store.migrate import current_revision, downgrade, head_revision, upgrade
from cartrial.store.schema_change import schema_change
from tests.store.trial import (
    INFUSION_AT,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    screened,
    with_lot,
)

Contents = dict[str, list[tuple[str | None, ...]]]


def _contents(engine: Engine) -> Contents:
    """Every row of every table of the schema as it is now (reflected), in a stable order."""
    meta = MetaData()
    meta.reflect(engine)
    out: Contents = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            rows = [tuple(canonical_text(v) for v in row) for row in conn.execute(select(table))]
            out[table.name] = sorted(rows, key=repr)
    return out


def _counts(contents: Contents) -> dict[str, int]:
    return {name: len(rows) for name, rows in contents.items() if name != "alembic_version"}


def _chain(engine: Engine) -> str:
    with make_sessionmaker(engine)() as session:
        return verify_chain(session).describe()


def _cli_verify(engine: Engine) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["audit", "verify", "--url", url])
    return result.exit_code, result.output


def _infused_with_events(world: World) -> str:
    """S-001 enrolled and infused, with two pre-infusion CT assessments, two AEs, a CRS series."""
    coord = world.actors["coordinator"]
    subject_id = enrolled(world)
    for day, t1 in ((10, "42.0"), (20, "40.0")):
        tumour.record_tumour_assessment(
            world.sessions,
            actor=coord,
            subject_id=subject_id,
            assessed_on=dt.date(2026, 2, day),
            method="CT",
            lesions=[
                tumour.LesionInput("T1", "target", "pleura", Decimal(t1)),
                tumour.LesionInput("N1", "target", "node", Decimal("16.0"), is_nodal=True),
            ],
        )
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    treatment.record_infusion(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Pneumonitis",
        onset_date=dt.date(2026, 3, 12),
        grading_scale="ctcae_v5",
        reported_grade=2,
        relatedness="possible",
    )
    crs = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    for payload in (
        {"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "39.2"},
        {"kind": "temperature", "time": "2026-03-07T20:00", "celsius": "38.4"},
    ):
        record_syndrome_observation(world.sessions, actor=coord, ae_id=crs.id, payload=payload)
    followup.record_lab(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        collected_at=INFUSION_AT,
        test="platelets",
        value=Decimal(20),
        unit="x10^9/L",
        ctcae_term="Platelet count decreased",
        lln=Decimal(150),
    )
    return subject_id


def test_a_populated_database_goes_down_to_0004_and_up_twice_with_every_row_and_the_chain(
    engine: Engine,
) -> None:
    world = build_world(make_sessionmaker(engine))
    _infused_with_events(world)
    screened(world, "S-002")
    at_head = _counts(_contents(engine))
    entries = at_head["audit_entry"]
    intact = f"audit trail intact: {entries} entries, hash chain verified"

    assert downgrade(engine, "0004") == "0004"
    at_0004 = _contents(engine)
    # The world as built: 2 sites, 6 users, S-001 infused and S-002 screened, 2 CT
    # time points of 2 lesions, 2 AEs, 2 CRS observations, 3 days x 2 agents.
    assert {
        name: _counts(at_0004)[name]
        for name in (
            "site",
            "user_account",
            "subject",
            "screening",
            "infusion",
            "lymphodepletion_dose",
            "adverse_event",
            "ae_observation",
            "lab_result",
            "tumour_assessment",
            "lesion_measurement",
        )
    } == {
        "site": 2,
        "user_account": 6,
        "subject": 2,
        "screening": 2,
        "infusion": 1,
        "lymphodepletion_dose": 6,
        "adverse_event": 2,
        "ae_observation": 2,
        "lab_result": 1,
        "tumour_assessment": 2,
        "lesion_measurement": 4,
    }
    later = set(at_head) - set(_counts(at_0004))
    assert later == {"idempotency_key"}  # made by a later revision, dropped with its keys
    assert _counts(at_0004) == {name: n for name, n in at_head.items() if name not in later}
    assert _chain(engine) == intact

    assert upgrade(engine) == head_revision()
    assert _counts(_contents(engine)) == at_head
    assert _chain(engine) == intact

    assert downgrade(engine, "0004") == "0004"
    assert _contents(engine) == at_0004
    assert upgrade(engine) == head_revision()
    assert _counts(_contents(engine)) == at_head
    # The chain is intact; replaying the trail shows what the downgrade lost, as documented
    # (docs/store.md: below 0007 a lab's CTCAE term and limits, below 0005 nodal flags).
    status, output = _cli_verify(engine)
    assert status == 1 and output.startswith(intact + "\n")
    lost = {tuple(line.split()[i] for i in (0, 2)) for line in output.splitlines()[2:]}
    assert lost == {
        ("lab_result", "ctcae_term:"), ("lab_result", "lln:"), ("lesion_measurement", "is_nodal:"),
    }  # fmt: skip
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_downgrade_that_would_cut_a_stored_engine_version_is_refused_and_changes_nothing(
    engine: Engine,
) -> None:
    world = build_world(make_sessionmaker(engine))
    subject_id = _infused_with_events(world)
    week8 = tumour.record_tumour_assessment(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        assessed_on=dt.date(2026, 5, 1),
        method="CT",
        lesions=[
            tumour.LesionInput("T1", "target", "pleura", Decimal("26.0")),
            tumour.LesionInput("N1", "target", "node", Decimal("9.0"), is_nodal=True),
        ],
    )
    assert week8.engine_version == f"cartrial.response {__version__} RECIST 1.1"
    before = _contents(engine)
    with pytest.raises(InputError) as refused:
        downgrade(engine, "0004")
    assert str(refused.value) == (
        f"field 'tumour_assessment.engine_version': got 'cartrial.response {__version__} "
        "RECIST 1.1', expected at most 32 characters, the column's size at revision 0004 "
        f"(1 record(s) longer, first {week8.id}): downgrade refused, nothing changed"
    )
    assert current_revision(engine) == head_revision()
    assert _contents(engine) == before
    entries = len(before["audit_entry"])
    assert _chain(engine) == f"audit trail intact: {entries} entries, hash chain verified"


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Engine:
    path = tmp_path / "fk.db"
    shutil.copy(sqlite_template, path)
    return make_engine(f"sqlite:///{path}")


def test_a_row_left_without_its_parent_fails_the_change_naming_table_and_column(
    sqlite_engine: Engine,
) -> None:
    with sqlite_engine.connect() as conn:
        with pytest.raises(MigrationError) as failed, schema_change(conn, target="test"):
            conn.execute(
                text(
                    "INSERT INTO role_grant (id, version, user_id, role, granted_at) "
                    "VALUES ('g1', 1, 'nobody', 'monitor', '2026-01-05 09:00:00')"
                )
            )
        assert str(failed.value) == (
            "migration to revision test refused: PRAGMA foreign_key_check found table "
            "'role_grant': 1 row(s) whose user_id refers to a missing row of 'user_account' "
            "(rowid 1); the migration was rolled back, nothing was changed"
        )
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM role_grant").scalar() == 0
        conn.rollback()


def test_sqlite_migrations_refuse_a_connection_with_an_open_transaction(
    sqlite_engine: Engine,
) -> None:
    from alembic import command

    from cartrial.store.migrate import alembic_config

    config = alembic_config()
    refused = pytest.raises(MigrationError, match="needs a connection with no transaction begun")
    with refused, sqlite_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert current_revision(sqlite_engine) == head_revision()
