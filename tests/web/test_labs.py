"""The lab form's live CTCAE v5.0 grade (CTCAE v5.0, "Platelet count decreased": grade 2
<75.0-50.0 x 10e9/L, grade 4 <25.0 x 10e9/L), an unknown unit refused by its field, and
the result saved with the grade shown on the subject page."""

from __future__ import annotations

from sqlalchemy import select

from cartrial.store.models import LabResult
from tests.store.trial import World, infused
from tests.web.site import sign_in

TERM = "Platelet count decreased"


def test_the_grade_follows_the_value_and_the_result_is_saved(world: World) -> None:
    subject_id = infused(world, "S-001")
    cora = sign_in(world, "coordinator")
    form = cora.get(f"/subjects/{subject_id}/labs")
    assert form.status_code == 200 and TERM in form.text
    base = {"test": "platelets", "unit": "x10^9/L", "ctcae_term": TERM}
    two = cora.post(f"/subjects/{subject_id}/labs/preview", {**base, "value": "60"})
    assert "CTCAE v5.0 grade 2" in two.text
    four = cora.post(f"/subjects/{subject_id}/labs/preview", {**base, "value": "20"})
    assert "CTCAE v5.0 grade 4" in four.text
    unit = cora.post(f"/subjects/{subject_id}/labs/preview", {**base, "value": "20", "unit": "g/L"})
    assert "one of the units of platelets" in unit.text
    saved = cora.post(
        f"/subjects/{subject_id}/labs",
        {**base, "value": "20", "collected_at": "2026-03-08T07:30"},
    )
    assert saved.status_code == 303
    with world.sessions() as s:
        lab = s.scalars(select(LabResult)).one()
        assert (lab.derived_grade, str(lab.collected_at)[:16]) == (4, "2026-03-08 07:30")
    assert ">4<" in cora.get(f"/subjects/{subject_id}").text.replace(" ", "")
    ben = sign_in(world, "coordinator_b")
    assert ben.get(f"/subjects/{subject_id}/labs").status_code == 404
    assert sign_in(world, "monitor").get(f"/subjects/{subject_id}/labs").status_code == 403


def test_an_adverse_event_as_reported(world: World) -> None:
    from cartrial.store.models import AdverseEvent

    subject_id = infused(world, "S-002")
    cora = sign_in(world, "coordinator")
    url = f"/subjects/{subject_id}/adverse-events"
    assert cora.get(url).status_code == 200
    base = {"term": "Pneumonitis", "onset_date": "2026-03-10", "reported_grade": "3"}
    bad = cora.post(url, {**base, "relatedness": "maybe"})
    assert (
        bad.status_code == 422 and "unrelated, unlikely, possible, probable, definite" in bad.text
    )
    assert (
        cora.post(url, {**base, "relatedness": "probable", "is_serious": "yes"}).status_code == 303
    )
    with world.sessions() as s:
        event = s.scalars(select(AdverseEvent)).one()
        assert (event.term, event.reported_grade, event.is_serious) == ("Pneumonitis", 3, True)
    assert "Pneumonitis" in cora.get(f"/subjects/{subject_id}").text


def test_a_set_of_vital_signs_is_saved_whole_or_refused_by_its_field(world: World) -> None:
    from cartrial.store.models import VitalSign

    subject_id = infused(world, "S-003")
    cora = sign_in(world, "coordinator")
    url = f"/subjects/{subject_id}/vitals"
    assert cora.get(url).status_code == 200
    implausible = cora.post(
        url, {"measured_at": "2026-03-07T08:00", "temperature": "38.4", "pulse": "400"}
    )
    assert implausible.status_code == 422 and 'id="pulse-err"' in implausible.text
    with world.sessions() as s:
        assert s.scalars(select(VitalSign)).first() is None  # nothing of the set stored
    ok = cora.post(url, {"measured_at": "2026-03-07T08:00", "temperature": "38.4", "pulse": "104"})
    assert ok.status_code == 303
    with world.sessions() as s:
        assert sorted(v.test for v in s.scalars(select(VitalSign))) == ["pulse", "temperature"]
