"""The audit trail (21 CFR 11.10(e), Annex 11 section 9) and record keeping, on both backends."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from cartrial.errors import CartrialError, InputError, InvalidTransition
from cartrial.store.audit import verify_chain
from cartrial.store.db import TrialSession
from cartrial.store.migrate import head_revision, schema_differences
from cartrial.store.models import AuditEntry, ProtocolVersion, Site, Subject
from tests.store.conftest import ADMIN

Sessions = sessionmaker[TrialSession]


def _site(sessions: Sessions, code: str = "A") -> str:
    with sessions() as s, s.begin():
        s.info["actor"] = ADMIN
        site = Site(code=code, name=f"Site {code}")
        s.add(site)
    return site.id


def _subject(sessions: Sessions) -> str:
    site_id = _site(sessions)
    with sessions() as s, s.begin():
        s.info["actor"] = ADMIN
        pv = ProtocolVersion(protocol_id="p", label="1", yaml_text="id: p", sha256="0" * 64)
        s.add(pv)
        s.flush()
        subject = Subject(code="S-001", site_id=site_id, protocol_version_id=pv.id)
        s.add(subject)
    return subject.id


def _entries(sessions: Sessions) -> list[AuditEntry]:
    with sessions() as s:
        return list(s.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_head_migration_creates_exactly_the_models_schema(engine: Engine) -> None:
    assert head_revision() == "0010"
    assert schema_differences(engine) == []


def test_insert_writes_one_entry_with_every_value_user_role_and_utc_time(
    sessions: Sessions,
) -> None:
    site_id = _site(sessions)
    [entry] = _entries(sessions)
    assert (entry.seq, entry.action, entry.table_name, entry.record_id) == (
        1,
        "insert",
        "site",
        site_id,
    )
    assert (entry.username, entry.role, entry.field, entry.old_value) == (
        "setup",
        "admin",
        None,
        None,
    )
    values = json.loads(entry.new_value or "")
    assert (values["code"], values["name"]) == ("A", "Site A")
    assert entry.at.tzinfo is not None and entry.at.utcoffset() is not None


def test_change_after_first_entry_without_reason_is_refused(sessions: Sessions) -> None:
    _site(sessions)
    with sessions() as s, s.begin():
        s.info["actor"] = ADMIN
        site = s.scalars(select(Site)).one()
        site.name = "Renamed"
        with pytest.raises(InputError, match=r"field 'reason'.*Annex 11 section 9"):
            s.flush()
        s.rollback()
    assert len(_entries(sessions)) == 1


def test_update_records_old_and_new_value_and_reason_per_field(sessions: Sessions) -> None:
    _site(sessions)
    with sessions() as s, s.begin():
        s.info.update(actor=ADMIN, reason="typo in site name")
        site = s.scalars(select(Site)).one()
        site.name = "Site A (North)"
    update = _entries(sessions)[1]
    assert (update.action, update.field, update.old_value, update.new_value, update.reason) == (
        "update",
        "name",
        "Site A",
        "Site A (North)",
        "typo in site name",
    )


def test_database_refuses_update_and_delete_of_audit_entries(
    engine: Engine, sessions: Sessions
) -> None:
    _site(sessions)
    for sql in ("UPDATE audit_entry SET reason = 'x'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="refused"), engine.begin() as conn:
            conn.execute(text(sql))
    assert len(_entries(sessions)) == 1


def test_trial_data_are_never_deleted_through_the_orm_or_sql(
    engine: Engine, sessions: Sessions
) -> None:
    _site(sessions)
    with sessions() as s, s.begin():
        s.info["actor"] = ADMIN
        s.delete(s.scalars(select(Site)).one())
        with pytest.raises(CartrialError, match="never deleted"):
            s.flush()
        s.rollback()
    with pytest.raises(DBAPIError, match="DELETE on site is refused"), engine.begin() as conn:
        conn.execute(text("DELETE FROM site"))


def _drop_trigger(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"DROP TRIGGER {name} ON audit_entry"))
        else:
            conn.execute(text(f"DROP TRIGGER {name}"))


def test_verify_names_the_first_entry_edited_behind_the_triggers_back(
    engine: Engine, sessions: Sessions
) -> None:
    _site(sessions, "A")
    _site(sessions, "B")
    _site(sessions, "C")
    with sessions() as s:
        assert verify_chain(s).describe() == "audit trail intact: 3 entries, hash chain verified"
    _drop_trigger(engine, "audit_entry_no_update")
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET username = 'mallory' WHERE seq = 2"))
    with sessions() as s:
        report = verify_chain(s)
    assert report.describe() == (
        "audit trail broken at entry 2: its content does not match its hash"
    )


def test_verify_names_a_removed_entry(engine: Engine, sessions: Sessions) -> None:
    for code in ("A", "B", "C"):
        _site(sessions, code)
    _drop_trigger(engine, "audit_entry_no_delete")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    with sessions() as s:
        assert verify_chain(s).describe() == "audit trail broken at entry 2: entry 2 is missing"


def test_second_writer_of_a_stale_version_touches_nothing(sessions: Sessions) -> None:
    _site(sessions)
    first, second = sessions(), sessions()
    a = first.scalars(select(Site)).one()
    first.commit()  # sessions keep what they read (expire_on_commit=False)
    b = second.scalars(select(Site)).one()
    second.commit()
    first.info.update(actor=ADMIN, reason="first")
    second.info.update(actor=ADMIN, reason="second")
    a.name = "first writer"
    first.commit()
    b.name = "second writer"
    with pytest.raises(StaleDataError):
        second.commit()
    second.close()
    first.close()
    with sessions() as s:
        assert s.scalars(select(Site.name)).one() == "first writer"
        assert verify_chain(s).is_intact


def test_subject_status_cannot_jump_from_screening_to_infused(sessions: Sessions) -> None:
    _subject(sessions)
    with sessions() as s, s.begin():
        s.info.update(actor=ADMIN, reason="test")
        subject = s.scalars(select(Subject)).one()
        subject.status = "infused"
        with pytest.raises(InvalidTransition) as err:
            s.flush()
        s.rollback()
    assert str(err.value) == (
        "subject S-001: status 'screening' cannot become 'infused'; "
        "allowed: died, enrolled, screen_failed, withdrawn"
    )


def test_every_trial_table_has_a_delete_refusing_trigger(engine: Engine) -> None:
    from cartrial.store.models import Base, Record

    tables = {m.local_table.name for m in Base.registry.mappers if issubclass(m.class_, Record)}
    assert len(tables) == 30  # every Record subclass, signature included
    if engine.dialect.name == "postgresql":
        sql = (
            "SELECT event_object_table FROM information_schema.triggers "
            "WHERE event_manipulation = 'DELETE' AND trigger_schema = current_schema()"
        )
    else:
        sql = (
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_no_delete'"
        )
    with engine.connect() as conn:
        guarded = {row[0] for row in conn.execute(text(sql))}
    assert tables - guarded == set()


def test_migrations_go_down_to_nothing_and_back_up(engine: Engine) -> None:
    from cartrial.store.migrate import current_revision, downgrade, upgrade

    assert downgrade(engine, "base") is None
    assert current_revision(engine) is None
    assert upgrade(engine) == "0010"
    assert schema_differences(engine) == []


def test_entries_of_a_rolled_back_savepoint_leave_no_gap_in_the_chain(sessions: Sessions) -> None:
    with sessions() as s, s.begin():
        s.info["actor"] = ADMIN
        s.add(Site(code="A", name="Site A"))
        s.flush()
        savepoint = s.begin_nested()
        s.add(Site(code="B", name="Site B"))
        s.flush()
        savepoint.rollback()
        s.add(Site(code="C", name="Site C"))
    with sessions() as s:
        assert verify_chain(s).describe() == "audit trail intact: 2 entries, hash chain verified"


def test_concurrent_writers_leave_a_gapless_verifiable_chain(sessions: Sessions) -> None:
    # Each transaction flushes twice and appends an explicit entry; every third one
    # rolls back after taking the chain lock, and its numbers must be reused.
    from concurrent.futures import ThreadPoolExecutor

    from cartrial.store.audit import record_event

    def write(n: int) -> str | None:
        try:
            with sessions() as s, s.begin():
                s.info["actor"] = ADMIN
                first = Site(code=f"T{n}", name=f"Site {n}")
                s.add(first)
                s.flush()
                s.add(Site(code=f"U{n}", name=f"Site {n}b"))
                s.flush()
                record_event(s, action="note", table_name="site", record_id=first.id)
                if n % 3 == 0:
                    raise RuntimeError("roll back after the chain lock")
                return first.id
        except RuntimeError:
            return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        committed = [site_id for site_id in pool.map(write, range(60)) if site_id is not None]
    assert len(committed) == 40
    entries = _entries(sessions)
    assert [e.seq for e in entries] == list(range(1, 3 * 40 + 1))
    with sessions() as s:
        assert verify_chain(s).describe() == "audit trail intact: 120 entries, hash chain verified"
    inserted = {e.record_id for e in entries if e.action == "insert"}
    assert set(committed) <= inserted
    # A transaction's entries are contiguous: nobody else's entry lands between them.
    by_txn = [e.seq for e in entries if e.action == "note"]
    assert all(entries[seq - 2].action == "insert" for seq in by_txn)
    assert all(entries[seq - 3].action == "insert" for seq in by_txn)


def test_entries_follow_the_records_flushed_before_them(sessions: Sessions) -> None:
    # Audit rows are written after the flush's own INSERTs, in the same transaction.
    with sessions() as s, s.begin():
        s.info["actor"] = ADMIN
        site = Site(code="A", name="Site A")
        s.add(site)
        s.flush()
        [entry] = s.scalars(select(AuditEntry)).all()
        assert entry.record_id == site.id
        assert s.get(Site, site.id) is site
        s.rollback()
    with sessions() as s:
        assert s.scalars(select(AuditEntry)).all() == []
        assert s.scalars(select(Site)).all() == []
