"""The exports page: who may take which copy, and that each copy is an audited export.

The expected rights are written out by hand (docs/store.md "Roles"): every role takes a
casebook; the investigator, data manager and statistician export follow-up records; the
data manager and statistician produce the study report and CDISC packages (commands).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from cartrial.services import followup, screening
from cartrial.store.models import AuditEntry
from tests.store.trial import World, infused, screening_record
from tests.web.site import sign_in

#: role -> (may export the follow-up records, sees the report commands)
RIGHTS = {
    "coordinator": (False, False),
    "investigator": (True, False),
    "monitor": (False, False),
    "data_manager": (True, True),
    "safety_committee": (False, False),
}


def _two_sites(world: World) -> tuple[str, str]:
    a = infused(world, "S-001")
    b, _decision = screening.screen(
        world.sessions,
        actor=world.actors["coordinator_b"],
        site_id=world.site_b,
        protocol_version_id=world.protocol_version,
        record=screening_record("B-001"),
    )
    for actor, subject_id in (
        (world.actors["coordinator"], a),
        (world.actors["coordinator_b"], b.id),
    ):
        followup.record_vital(
            world.sessions,
            actor=actor,
            subject_id=subject_id,
            measured_at=dt.datetime(2026, 3, 8, 8, tzinfo=dt.UTC),
            test="pulse",
            value=Decimal(88),
            unit="/min",
        )
    return a, b.id


def _exports(world: World) -> list[str]:
    with world.sessions() as s:
        return list(s.scalars(select(AuditEntry.new_value).where(AuditEntry.action == "export")))


def test_the_role_x_export_matrix(world: World) -> None:
    _two_sites(world)
    for role, (may_export, sees_commands) in RIGHTS.items():
        who = sign_in(world, role)
        page = who.get("/exports")
        assert page.status_code == 200, role
        assert ('action="/exports/odm"' in page.text) is may_export, role
        assert ("cartrial cdisc sdtm" in page.text) is sees_commands, role
        taken = who.post("/exports/odm", {"protocol_version_id": world.protocol_version})
        assert taken.status_code == (200 if may_export else 403), (role, taken.status_code)


def test_the_site_export_holds_only_the_sites_records_and_is_audited(world: World) -> None:
    _two_sites(world)
    ada = sign_in(world, "investigator")
    before = len(_exports(world))
    taken = ada.post("/exports/odm", {"protocol_version_id": world.protocol_version})
    assert taken.status_code == 200
    assert taken.headers["content-type"].startswith("application/xml")
    assert 'filename="' in taken.headers["content-disposition"]
    assert b'SubjectKey="S-001"' in taken.content
    assert b"B-001" not in taken.content
    entries = _exports(world)
    assert len(entries) == before + 1
    assert entries[-1].startswith("ODM 1.3.2 follow-up records of protocol")
    assert "site A" in entries[-1] and entries[-1].endswith("source: web")
    dana = sign_in(world, "data_manager")  # sponsor-wide: every site
    both = dana.post("/exports/odm", {"protocol_version_id": world.protocol_version})
    assert b'SubjectKey="S-001"' in both.content and b'SubjectKey="B-001"' in both.content
    assert "all sites" in _exports(world)[-1]


def test_a_casebook_by_code_is_an_audited_export_and_another_sites_is_404(world: World) -> None:
    subject_id, _b = _two_sites(world)
    cora = sign_in(world, "coordinator")
    found = cora.get("/exports/casebook?code=S-001")
    assert found.status_code == 303
    assert found.headers["location"] == f"/subjects/{subject_id}/casebook"
    book = cora.get(found.headers["location"])
    assert book.status_code == 200
    assert _exports(world)[-1].endswith("source: web")
    ben = sign_in(world, "coordinator_b")
    assert ben.get("/exports/casebook?code=S-001").status_code == 404
    assert ben.post("/exports/odm", {"protocol_version_id": "nope"}).status_code == 403
