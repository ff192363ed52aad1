"""The samples and assay results page: a sample drawn, a result with its unit checked
against the engines' tables (kinetics: copies/ug gDNA; cytokines: pg/mL), LLOQ and BLQ.

Expected values are written out from the sources the rules cite (the kinetics engine's
qPCR units, the cytokine panel), not read from the code under test.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from cartrial.store.models import AssayResult, AuditEntry, Sample
from tests.store.trial import World, infused
from tests.web.site import Staff, sign_in

SAMPLE = {
    "analyte": "car_transgene_qpcr",
    "matrix": "blood",
    "sample_code": "S-001-D7-Q",
    "collected_at": "2026-03-14T09:00",
    "study_day": "7",
}


def _sample(world: World, subject_id: str) -> str:
    cora = sign_in(world, "coordinator")
    answer = cora.post(f"/subjects/{subject_id}/samples", SAMPLE)
    assert answer.status_code == 303, answer.text
    with world.sessions() as s:
        return s.scalars(select(Sample.id).where(Sample.sample_code == "S-001-D7-Q")).one()


def _drawn(world: World) -> tuple[str, str, Staff, str]:
    """An infused subject with one qPCR sample, the coordinator, the results' URL."""
    subject_id = infused(world, "S-001")
    sample_id = _sample(world, subject_id)
    return (
        subject_id,
        sample_id,
        sign_in(world, "coordinator"),
        f"/subjects/{subject_id}/samples/results",
    )


def test_a_sample_is_recorded_with_its_nominal_day_on_the_sites_clock(world: World) -> None:
    subject_id = infused(world, "S-001")
    cora = sign_in(world, "coordinator")
    page = cora.get(f"/subjects/{subject_id}/samples")
    assert page.status_code == 200
    assert 'for="collected_at"' in page.text and "Nominal time point" in page.text
    sample_id = _sample(world, subject_id)
    with world.sessions() as s:
        sample = s.get(Sample, sample_id)
        assert sample is not None
        assert (sample.analyte, sample.matrix, sample.study_day) == (
            "car_transgene_qpcr",
            "blood",
            7,
        )
        # Site A keeps UTC in the page tests (tests/store/trial.py build_world).
        assert sample.collected_at.strftime("%Y-%m-%d %H:%M") == "2026-03-14 09:00"
    listed = cora.get(f"/subjects/{subject_id}/samples").text
    assert "S-001-D7-Q" in listed


def test_a_qpcr_result_in_a_unit_the_kinetics_cannot_read_is_refused_by_its_field(
    world: World,
) -> None:
    _subject_id, sample_id, cora, url = _drawn(world)
    wrong = cora.post(
        url, {"sample_id": sample_id, "test": "CAR copies", "value": "15400", "unit": "copies/mL"}
    )
    assert wrong.status_code == 422
    assert 'id="unit-err"' in wrong.text
    assert "got &#39;copies/mL&#39;, expected a unit of car_transgene_qpcr results" in wrong.text
    assert "copies/ug gDNA" in wrong.text
    assert 'value="15400"' in wrong.text  # what was typed is kept
    missing = cora.post(url, {"sample_id": sample_id, "test": "CAR copies", "value": "15400"})
    assert missing.status_code == 422 and "units are never assumed" in missing.text
    qpcr = {"sample_id": sample_id, "test": "CAR copies", "lloq": "50"}
    ok = cora.post(url, {**qpcr, "value": "15400", "unit": "copies/µg gDNA"})
    assert ok.status_code == 303, ok.text
    with world.sessions() as s:
        stored = s.scalars(select(AssayResult).where(AssayResult.sample_id == sample_id)).one()
        assert (stored.value, stored.unit, stored.lloq) == (
            Decimal(15400),
            "copies/µg gDNA",
            Decimal(50),
        )


def test_below_the_lloq_is_stored_as_the_laboratory_writes_it_and_shown_as_blq(
    world: World,
) -> None:
    subject_id, sample_id, cora, url = _drawn(world)
    ticked = {
        "sample_id": sample_id,
        "test": "CAR copies",
        "unit": "copies/ug gDNA",
        "lloq": "50",
        "blq": "yes",
    }
    both = cora.post(url, {**ticked, "value": "20"})
    assert both.status_code == 422 and 'id="value-err"' in both.text
    blq = cora.post(url, ticked)
    assert blq.status_code == 303, blq.text
    with world.sessions() as s:
        stored = s.scalars(select(AssayResult).where(AssayResult.sample_id == sample_id)).one()
        assert (stored.value, stored.result_text, stored.lloq) == (None, "<50", Decimal(50))
    assert "<strong>BLQ</strong>" in cora.get(f"/subjects/{subject_id}/samples").text


def test_a_cytokine_in_a_unit_written_in_the_wrong_case_or_without_its_test_is_refused(
    world: World,
) -> None:
    subject_id = infused(world, "S-001")
    cora = sign_in(world, "coordinator")
    drawn = cora.post(
        f"/subjects/{subject_id}/samples",
        {**SAMPLE, "analyte": "cytokines", "matrix": "serum", "sample_code": "S-001-D7-C"},
    )
    assert drawn.status_code == 303
    with world.sessions() as s:
        sample_id = s.scalars(select(Sample.id).where(Sample.sample_code == "S-001-D7-C")).one()
    url = f"/subjects/{subject_id}/samples/results"
    wrong_unit = cora.post(
        url, {"sample_id": sample_id, "test": "IL-6", "value": "40", "unit": "PG/ML"}
    )
    assert wrong_unit.status_code == 422 and "pg/mL, ng/L, ng/mL" in wrong_unit.text
    no_test = cora.post(url, {"sample_id": sample_id, "value": "40", "unit": "pg/mL"})
    assert no_test.status_code == 422 and 'id="test-err"' in no_test.text
    assert (
        cora.post(
            url, {"sample_id": sample_id, "test": "IL-6", "value": "40", "unit": "pg/mL"}
        ).status_code
        == 303
    )


def test_a_duplicate_sample_code_is_shown_by_its_field(world: World) -> None:
    subject_id = infused(world, "S-001")
    _sample(world, subject_id)
    cora = sign_in(world, "coordinator")
    again = cora.post(f"/subjects/{subject_id}/samples", SAMPLE)
    assert again.status_code == 409
    assert 'id="sample_code-err"' in again.text and "already recorded" in again.text


def test_reading_roles_see_the_samples_without_the_forms_and_may_not_post(world: World) -> None:
    subject_id = infused(world, "S-001")
    _sample(world, subject_id)
    mon = sign_in(world, "monitor")
    page = mon.get(f"/subjects/{subject_id}/samples")
    assert page.status_code == 200 and "S-001-D7-Q" in page.text
    assert 'id="sample-form"' not in page.text
    assert (
        mon.post(f"/subjects/{subject_id}/samples", {**SAMPLE, "sample_code": "X"}).status_code
        == 403
    )
    ben = sign_in(world, "coordinator_b")
    assert ben.get(f"/subjects/{subject_id}/samples").status_code == 404
    with world.sessions() as s:
        assert s.scalars(select(AuditEntry).where(AuditEntry.new_value == "X")).first() is None
