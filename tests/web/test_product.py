"""Apheresis, lot, release and custody through the product page: a bag label that is not
the subject's chain-of-identity id is refused by its field (ISBT 128 practice: one
identity from collection to bedside), then the lot reaches the infusion page released."""

from __future__ import annotations

from sqlalchemy import select

from cartrial.store.models import CustodyEvent, ProductLot
from tests.store.trial import World, coi_of, enrolled
from tests.web.site import sign_in


def test_collection_lot_release_and_custody(world: World) -> None:
    subject_id = enrolled(world, "S-001")
    coi = coi_of(world, subject_id)
    cora = sign_in(world, "coordinator")
    base = f"/subjects/{subject_id}/product"
    assert coi in cora.get(base).text
    wrong = cora.post(
        f"{base}/apheresis",
        {"collection_id": "APH-1", "label": "SOMEONE-ELSE", "at": "2026-02-01T09:00"},
    )
    assert wrong.status_code == 422 and "SOMEONE-ELSE" in wrong.text
    ok = cora.post(
        f"{base}/apheresis", {"collection_id": "APH-1", "label": coi, "at": "2026-02-01T09:00"}
    )
    assert ok.status_code == 303
    again = cora.post(
        f"{base}/apheresis", {"collection_id": "APH-1", "label": coi, "at": "2026-02-01T09:00"}
    )
    assert again.status_code == 409 and "APH-1" in again.text
    page = cora.get(base).text
    aph = page.split('name="apheresis_id"><option value="')[1].split('"')[0]
    assert cora.post(f"{base}/lot", {"apheresis_id": aph, "lot_number": "L-1"}).status_code == 303
    with world.sessions() as s:
        lot_id = s.scalars(select(ProductLot.id)).one()
    bad = cora.post(
        f"{base}/release", {"lot_id": lot_id, "viable_car_cells": "many", "decision": "release"}
    )
    assert bad.status_code == 422 and "viable_car_cells" in bad.text
    assert (
        cora.post(
            f"{base}/release",
            {
                "lot_id": lot_id,
                "viable_car_cells": "50000000",
                "decision": "release",
                "note": "passed",
            },
        ).status_code
        == 303
    )
    assert (
        cora.post(
            f"{base}/custody",
            {
                "lot_id": lot_id,
                "at": "2026-02-20T08:00",
                "from_party": "manufacturer",
                "to_party": "cell therapy lab",
                "location": "Site A",
                "condition": "LN2 dry shipper intact",
            },
        ).status_code
        == 303
    )
    with world.sessions() as s:
        assert s.scalars(select(ProductLot.status)).one() == "released"
        assert s.scalars(select(CustodyEvent.condition)).one() == "LN2 dry shipper intact"
    assert "L-1 (released)" in cora.get(f"/subjects/{subject_id}/infusion").text
    assert (
        sign_in(world, "monitor")
        .post(f"{base}/lot", {"apheresis_id": aph, "lot_number": "L-2"})
        .status_code
        == 403
    )
