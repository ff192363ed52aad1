"""The tumour assessment form's live RECIST 1.1 time-point response (Eisenhauer et al. 2009,
section 4.3.1: PR is at least a 30% decrease in the sum of target diameters from baseline;
PD at least 20% and 5 mm over the smallest sum, or a new lesion)."""

from __future__ import annotations

from sqlalchemy import select

from cartrial.store.models import TumourAssessment
from tests.store.trial import World, infused
from tests.web.site import sign_in


def _lesions(*rows: tuple[str, str, str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, (code, kind, mm, status) in enumerate(rows):
        out |= {
            f"lesions[{i}].lesion_code": code,
            f"lesions[{i}].kind": kind,
            f"lesions[{i}].location": "lung",
            f"lesions[{i}].diameter_mm": mm,
            f"lesions[{i}].status": status,
        }
    return out


def test_the_time_point_response_follows_the_lesions(world: World) -> None:
    subject_id = infused(world, "S-001")  # day 0 = 2026-03-06
    cora = sign_in(world, "coordinator")
    url = f"/subjects/{subject_id}/tumour"
    baseline = {
        "assessed_on": "2026-03-01",
        "method": "CT",
        **_lesions(("T1", "target", "40", ""), ("T2", "target", "20", "")),
    }
    hint = cora.post(f"{url}/preview", baseline)
    assert "a baseline assessment" in hint.text
    assert cora.post(url, baseline).status_code == 303  # sum 60 mm
    week8 = {"assessed_on": "2026-05-01", "method": "CT"}
    pr = cora.post(
        f"{url}/preview",
        {**week8, **_lesions(("T1", "target", "25", ""), ("T2", "target", "15", ""))},
    )
    assert "time-point response PR" in pr.text  # 40 mm: -33%
    sd = cora.post(
        f"{url}/preview",
        {**week8, **_lesions(("T1", "target", "35", ""), ("T2", "target", "20", ""))},
    )
    assert "time-point response SD" in sd.text  # 55 mm: -8%
    new = cora.post(
        f"{url}/preview",
        {
            **week8,
            **_lesions(
                ("T1", "target", "35", ""), ("T2", "target", "20", ""), ("N1", "new", "", "present")
            ),
        },
    )
    assert "time-point response PD" in new.text
    with world.sessions() as s:
        assert len(s.scalars(select(TumourAssessment)).all()) == 1  # previews store nothing


def test_a_refused_assessment_is_the_form_again_with_the_reason_once(world: World) -> None:
    subject_id = infused(world, "S-001")
    cora = sign_in(world, "coordinator")
    url = f"/subjects/{subject_id}/tumour"
    typed = {
        "assessed_on": "2026-05-04",
        "lesions[0].lesion_code": "T1",
        "lesions[0].diameter_mm": "twenty",
    }
    refused = cora.post(url, typed)
    assert refused.status_code == 422
    reason = "expected a diameter in mm such as 23"
    assert refused.text.count(reason) == 1
    assert 'value="twenty"' in refused.text  # what was typed is kept
