"""Labs after lymphodepletion: the CTCAE v5.0 engine grades the nadirs as their values imply."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from cartrial.protocol.load import load_bundled
from cartrial.safety.ctcae import grade_lab
from cartrial.sim.observations.labs import post_infusion_labs, screening_labs
from cartrial.sim.observations.screening import screening_record
from tests.sim.factories import make_row

INFUSION = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)

# CTCAE v5.0 by hand: neutrophils < LLN(1.8) / < 1.5 / < 1.0 / < 0.5 x10^9/L for grades 1-4;
# platelets < LLN(150) / < 75 / < 50 / < 25 x10^9/L.
CASES = [
    (1.6, 1, 120.0, 1),
    (1.2, 2, 60.0, 2),
    (0.7, 3, 30.0, 3),
    (0.05, 4, 10.0, 4),
    (0.5, 3, 25.0, 3),
    (0.49, 4, 24.0, 4),
]


@pytest.mark.parametrize(("anc", "anc_grade", "plt", "plt_grade"), CASES)
def test_the_nadirs_grade_as_their_values_imply(
    anc: float, anc_grade: int, plt: float, plt_grade: int
) -> None:
    row = make_row(anc_nadir_10e9_per_l=anc, platelet_nadir_10e9_per_l=plt, cytopenia_nadir_day=9.0)
    labs = post_infusion_labs(row, INFUSION, np.random.default_rng(0))
    day9 = INFUSION.date() + dt.timedelta(days=9)
    nadir = {lab.test: lab for lab in labs if lab.collected_at.date() == day9}
    assert nadir["anc"].value == Decimal(str(anc)).quantize(Decimal("0.01"))
    assert nadir["platelets"].value == Decimal(str(plt)).quantize(Decimal(1))
    for test, grade in (("anc", anc_grade), ("platelets", plt_grade)):
        lab = nadir[test]
        assert lab.ctcae_term is not None
        graded = grade_lab(
            term=lab.ctcae_term, value=lab.value, unit=lab.unit, uln=lab.uln, lln=lab.lln
        )
        assert graded.grade == grade, graded.reason
    lows = [lab.value for lab in labs if lab.test == "anc"]
    assert min(lows) == nadir["anc"].value  # the nadir is the lowest count


def test_counts_fall_after_lymphodepletion_and_recover() -> None:
    row = make_row(anc_nadir_10e9_per_l=0.2, cytopenia_nadir_day=8.0, cytopenia_recovery_day=20.0)
    labs = post_infusion_labs(row, INFUSION, np.random.default_rng(2), days=[-5, 8, 28])
    anc = {
        (lab.collected_at.date() - INFUSION.date()).days: float(lab.value)
        for lab in labs
        if lab.test == "anc"
    }
    assert anc[-5] == pytest.approx(3.6, rel=0.2)
    assert anc[8] == 0.2
    assert anc[28] == pytest.approx(0.8 * 3.6, rel=0.2)
    assert all(lab.unit for lab in labs)


def test_screening_labs_are_the_screening_records_values_and_start_the_course() -> None:
    protocol = load_bundled("uclm802").protocol
    record = screening_record(
        make_row(), protocol, "S1", dt.date(2026, 3, 20), np.random.default_rng(5)
    )
    labs = screening_labs(record)
    assert [(lab.test, lab.value, lab.unit) for lab in labs] == [
        (x.test, x.value, x.unit) for x in record.labs
    ]
    course = post_infusion_labs(
        make_row(), INFUSION, np.random.default_rng(5), baseline=record, days=[-5]
    )
    anc = record.latest_lab("anc")
    assert anc is not None
    start = next(lab for lab in course if lab.test == "anc")
    factor = Decimal("0.001") if anc.unit == "/uL" else Decimal(1)
    assert float(start.value) == pytest.approx(float(anc.value * factor), rel=0.2)


def test_crp_and_ferritin_rise_with_crs() -> None:
    row = make_row(crs_grade=3, crs_onset_day=3.0, crs_duration_days=4.0)
    labs = post_infusion_labs(row, INFUSION, np.random.default_rng(0))
    crp = {
        (lab.collected_at.date() - INFUSION.date()).days: float(lab.value)
        for lab in labs
        if lab.test == "crp"
    }
    assert crp[4] > 10 * crp[-5]
