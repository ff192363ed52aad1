"""The role x action matrix through the pages, and another site's subject as a 404.

The expected table is written out by hand from the roles of the trial (TRIAL_DATA.md
roles; docs/store.md "Who may do what"), not read from ``PERMISSIONS``: site staff
screen, enrol, treat and answer queries; only the investigator signs eligibility; the
monitor and data manager open and close queries; sponsor-wide roles read every site.
"""

from __future__ import annotations

from sqlalchemy import select

from cartrial.store.models import Visit
from tests.store.trial import World, enrolled, infused, screened
from tests.web.site import Staff, sign_in

ROLES = ("coordinator", "investigator", "monitor", "data_manager", "safety_committee")

#: page action -> roles that may take it (the others get the 403 page)
MAY = {
    "screen": {"coordinator", "investigator"},
    "sign eligibility": {"investigator"},
    "enrol": {"coordinator", "investigator"},
    "record infusion": {"coordinator", "investigator"},
    "daily CRS form": {"coordinator", "investigator"},
    "open query": {"monitor", "data_manager"},
    "record sample": {"coordinator", "investigator"},
    "record assay result": {"coordinator", "investigator"},
    "export follow-up records": {"investigator", "data_manager"},
    "read samples": set(ROLES),
    "read exports": set(ROLES),
    "read dashboard": set(ROLES),
    "read subject": set(ROLES),
}


def _act(who: Staff, action: str, s: dict[str, str]) -> int:
    if action == "screen":
        return who.get("/screen").status_code
    if action == "sign eligibility":
        return who.post(f"/subjects/{s['screened']}/eligibility", {"password": "x"}).status_code
    if action == "enrol":
        return who.get(f"/subjects/{s['screened']}/enrol").status_code
    if action == "record infusion":
        return who.post(f"/subjects/{s['enrolled']}/infusion", {}).status_code
    if action == "daily CRS form":
        return who.get(f"/subjects/{s['infused']}/crs").status_code
    if action == "open query":
        return who.get(f"/subjects/{s['infused']}/queries/new?table=visit&field=x").status_code
    if action == "record sample":
        return who.post(f"/subjects/{s['infused']}/samples", {"analyte": "x"}).status_code
    if action == "record assay result":
        return who.post(f"/subjects/{s['infused']}/samples/results", {}).status_code
    if action == "export follow-up records":
        return who.post("/exports/odm", {"protocol_version_id": s["version"]}).status_code
    if action == "read samples":
        return who.get(f"/subjects/{s['infused']}/samples").status_code
    if action == "read exports":
        return who.get("/exports").status_code
    if action == "read dashboard":
        return who.get("/dashboard").status_code
    return who.get(f"/subjects/{s['infused']}").status_code


def test_each_role_may_take_only_its_actions(world: World) -> None:
    ids = {
        "screened": screened(world, "S-001"),
        "enrolled": enrolled(world, "S-002"),
        "infused": infused(world, "S-003"),
        "version": world.protocol_version,
    }
    for role in ROLES:
        who = sign_in(world, role)
        for action, allowed in MAY.items():
            status = _act(who, action, ids)
            if role in allowed:
                assert status != 403, (role, action)
            else:
                assert status == 403, (role, action, status)


def test_another_sites_subject_is_the_404_page_everywhere(world: World) -> None:
    subject_id = infused(world, "S-001")
    with world.sessions() as s:
        visit_id = s.scalars(select(Visit.id).where(Visit.subject_id == subject_id)).first()
    ben = sign_in(world, "coordinator_b")
    for url in (
        f"/subjects/{subject_id}",
        f"/subjects/{subject_id}/casebook",
        f"/subjects/{subject_id}/enrol",
        f"/subjects/{subject_id}/infusion",
        f"/subjects/{subject_id}/crs",
        f"/subjects/{subject_id}/eligibility",
        f"/subjects/{subject_id}/history/{visit_id}",
        f"/subjects/{subject_id}/samples",
        f"/subjects/{subject_id}/vitals",
        f"/subjects/{subject_id}/labs",
        f"/subjects/{subject_id}/adverse-events",
        f"/subjects/{subject_id}/tumour",
    ):
        answer = ben.get(url)
        assert answer.status_code == 404, url
        assert "belongs to a site you do not work at" in answer.text
        assert "S-001" not in answer.text
    crs = ben.post(f"/subjects/{subject_id}/crs", {"temperature": "39", "time": "2026-03-07T08:00"})
    assert crs.status_code == 404
    assert "S-001" not in ben.get("/dashboard").text
    cora = sign_in(world, "coordinator")
    assert "S-001" in cora.get("/dashboard").text
