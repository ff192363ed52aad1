"""Rendered scans through the real RECIST 1.1 engine: response and progression at the right scan."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pytest

from cartrial.protocol.load import load_bundled
from cartrial.response.assess import SubjectRecist, assess_recist
from cartrial.response.lesions import SubjectAssessments
from cartrial.response.settings import settings_from_protocol
from cartrial.sim.observations.tumour import TumourScan, sld_ratio, tumour_assessments
from tests.sim.factories import make_row

PROTOCOL = load_bundled("uclm802").protocol
DAY0 = dt.date(2026, 5, 4)


def _recist(scans: list[TumourScan]) -> SubjectRecist:
    """The engine's input built as services.tumour.derive_responses builds it."""

    def size(lesion: Any) -> dict[str, Any]:
        return {"value": lesion.diameter_mm, "unit": "mm"} if lesion.diameter_mm is not None else {}

    baseline, *follow = scans
    data = {
        "subject_id": "S1",
        "baseline_date": baseline.assessed_on,
        "reference_date": DAY0,
        "lesions": [
            {
                "id": m.lesion_code,
                "organ": m.location,
                "role": m.kind,
                "nodal": m.is_nodal,
                **size(m),
            }
            for m in baseline.lesions
        ],
        "assessments": [
            {
                "date": s.assessed_on,
                "lesions": [
                    {"lesion_id": m.lesion_code, "value": m.diameter_mm, "unit": "mm"}
                    if m.diameter_mm is not None
                    else {"lesion_id": m.lesion_code, "status": m.status}
                    for m in s.lesions
                    if m.kind != "new"
                ],
                "new_lesions": [
                    {"id": m.lesion_code, "organ": m.location, "nodal": m.is_nodal, **size(m)}
                    for m in s.lesions
                    if m.kind == "new"
                ],
            }
            for s in follow
        ],
    }
    subject = SubjectAssessments.model_validate(data)
    return assess_recist(subject, settings=settings_from_protocol(PROTOCOL.response))


def _noiseless(seed: int = 0, **latent: Any) -> list[TumourScan]:
    row = make_row(**latent)
    return tumour_assessments(
        row, PROTOCOL, DAY0, np.random.default_rng(seed), measurement_sd_mm=0, lesion_scatter_sd=0
    )


def _overall(result: SubjectRecist) -> dict[int, str]:
    return {(t.date - DAY0).days: t.overall for t in result.timepoints}


@pytest.mark.parametrize("seed", range(5))
def test_the_baseline_follows_recist_selection(seed: int) -> None:
    scans = tumour_assessments(
        make_row(n_target_lesions=5, baseline_sld_mm=70.0),
        PROTOCOL,
        DAY0,
        np.random.default_rng(seed),
    )
    targets = [m for m in scans[0].lesions if m.kind == "target"]
    assert len(targets) == 5
    organs = [m.location for m in targets]
    assert all(organs.count(o) <= 2 for o in organs)
    for m in targets:
        assert m.diameter_mm is not None
        assert m.diameter_mm >= (15 if m.is_nodal else 10)
    assert scans[0].assessed_on == DAY0 - dt.timedelta(days=14)
    assert [(s.assessed_on - DAY0).days for s in scans[1:]] == [42, 56, 90, 180, 270, 365, 545, 730]


def test_fast_shrinkage_gives_pr_at_the_first_scan() -> None:
    # d = 0.05/day: SLD ratio at day 42 = e^-2.1 + e^0.00042 - 1 = 0.123 (-88 % >= -30 %)
    assert sld_ratio(
        make_row(tumour_decay_per_day=0.05, tumour_growth_per_day=1e-5), 42
    ) == pytest.approx(math.exp(-2.1) + math.exp(1e-5 * 42) - 1)
    result = _recist(_noiseless(tumour_decay_per_day=0.05, tumour_growth_per_day=1e-5))
    overall = _overall(result)
    assert overall[42] == "PR"  # targets of about 30 mm at 3.7 mm: too small, 5 mm each
    # day 90: e^-4.5 = 0.011, every target under 1 mm: CR, confirmed at day 180
    assert overall[90] == "CR"
    assert result.best_overall_response.response == "CR"


def test_complete_disappearance_gives_cr() -> None:
    # d = 0.3/day: ratio at day 42 = e^-12.6 (about 3e-6): every target under 1 mm
    result = _recist(_noiseless(tumour_decay_per_day=0.3, tumour_growth_per_day=1e-6))
    assert _overall(result)[42] == "CR"
    assert result.best_overall_response.response == "CR"


def test_growth_gives_pd_at_the_first_scan_20_percent_and_5_mm_over_the_nadir() -> None:
    # g = 0.003, d = 0.001: ratio = e^-0.001t + e^0.003t - 1
    # day 42: 0.95887 + 1.13428 - 1 = 1.093 (+9 %); day 56: 0.94554 + 1.18294 - 1 = 1.128 (+13 %);
    # day 90: 0.91393 + 1.30996 - 1 = 1.224 (+22 %, 90 mm -> 110 mm, +20 mm): PD at day 90.
    scans = _noiseless(
        tumour_growth_per_day=0.003, tumour_decay_per_day=0.001, baseline_sld_mm=90.0
    )
    result = _recist(scans)
    overall = _overall(result)
    assert overall[42] == "SD" and overall[56] == "SD"
    assert overall[90] == "PD"


def test_a_new_lesion_gives_pd() -> None:
    scans = _noiseless(new_lesion_day=50.0)
    overall = _overall(_recist(scans))
    assert overall[42] == "SD"
    assert overall[56] == "PD"
    assert [m.lesion_code for m in scans[2].lesions if m.kind == "new"] == ["N1"]


def test_measurements_are_whole_mm_never_negative_and_stop_at_death() -> None:
    row = make_row(tumour_decay_per_day=0.02, death_day=200.0)
    scans = tumour_assessments(row, PROTOCOL, DAY0, np.random.default_rng(9), measurement_sd_mm=4.0)
    assert [(s.assessed_on - DAY0).days for s in scans[1:]] == [42, 56, 90, 180]
    for s in scans:
        for m in s.lesions:
            if m.diameter_mm is not None:
                assert m.diameter_mm >= 0 and m.diameter_mm == m.diameter_mm.to_integral_value()
