"""qPCR, cytokine and ADA renderings: the Stein 2019 formula, BLQ reporting, and the NCA engine."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pytest

from cartrial.kinetics.nca import compute_nca
from cartrial.kinetics.profiles import profiles_from_lists
from cartrial.protocol.load import load_bundled
from cartrial.sim.observations.kinetics import (
    ada_samples,
    car_level,
    cytokine_samples,
    qpcr_samples,
)
from tests.sim.factories import make_row

INFUSION = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
PROTOCOL = load_bundled("uclm802").protocol
# Cmax 2e4, Tmax 10 d, fold 500, alpha 0.35/d, FB 0.05, beta 0.012/d (the factory's defaults)
ROW = make_row()


def _hand(day: float) -> float:
    if day <= 10:
        return 2e4 / 500 * 500 ** (day / 10)
    return 2e4 * (0.95 * math.exp(-0.35 * (day - 10)) + 0.05 * math.exp(-0.012 * (day - 10)))


def test_car_level_is_the_multiphasic_formula() -> None:
    assert car_level(ROW, 4.0)[0] == pytest.approx(40 * 500**0.4)  # 480.45
    assert car_level(ROW, 14.0)[0] == pytest.approx(
        2e4 * (0.95 * math.exp(-1.4) + 0.05 * math.exp(-0.048))
    )  # 5638.5
    assert car_level(ROW, [0.0, 10.0]).tolist() == pytest.approx([40.0, 2e4])
    assert car_level(ROW, -1.0)[0] == 0.0


def test_noiseless_samples_are_the_formula_at_the_protocols_days() -> None:
    samples = qpcr_samples(
        ROW, PROTOCOL, "S1", INFUSION, np.random.default_rng(0), residual_sd_log=0
    )
    assert [s.study_day for s in samples] == [0, 1, 4, 7, 10, 14, 21, 28, 56, 90, 180, 365, 730]
    for s in samples:
        assert s.analyte == "car_transgene_qpcr"
        assert s.matrix == "blood"
        assert s.collected_at == INFUSION + dt.timedelta(days=s.study_day)
        (result,) = s.results
        assert result.unit == "copies/ug gDNA"
        if _hand(s.study_day) >= 50:
            assert result.value is not None
            assert float(result.value) == pytest.approx(_hand(s.study_day), rel=5e-3)


def test_results_below_the_lloq_carry_no_value_and_say_so() -> None:
    row = make_row(ck_cmax=800.0, ck_fraction_persisting=0.01)
    samples = qpcr_samples(
        ROW | row, PROTOCOL, "S1", INFUSION, np.random.default_rng(0), residual_sd_log=0
    )
    blq = [s.results[0] for s in samples if s.study_day >= 56]
    assert blq
    assert all(r.value is None for r in blq)
    assert all(r.result_text == "<50" and r.lloq == Decimal(50) for r in blq)
    quantified = samples[4].results[0]  # day 10, Cmax 800
    assert quantified.value == Decimal(800) and quantified.result_text is None


def test_residual_error_is_lognormal_with_sd_0_56() -> None:
    rng = np.random.default_rng(3)
    ratios = []
    for _ in range(400):
        s = qpcr_samples(ROW, PROTOCOL, "S1", INFUSION, rng, days=[10])[0]
        assert s.results[0].value is not None
        ratios.append(math.log(float(s.results[0].value) / 2e4))
    assert np.mean(ratios) == pytest.approx(0.0, abs=0.08)
    assert np.std(ratios) == pytest.approx(0.56, rel=0.1)


def test_nca_recovers_cmax_and_tmax_from_a_dense_noiseless_profile() -> None:
    days = list(range(0, 61))
    samples = qpcr_samples(
        ROW, PROTOCOL, "S1", INFUSION, np.random.default_rng(0), residual_sd_log=0, days=days
    )
    conc = [float(s.results[0].value or 0) for s in samples]
    nca = compute_nca(profiles_from_lists([days], [conc]))
    assert float(nca.values["cmax"][0]) == pytest.approx(2e4, rel=5e-3)
    assert float(nca.values["tmax"][0]) == 10.0


def test_cytokines_rise_with_the_crs_grade() -> None:
    peaks = []
    for grade in range(5):
        row = make_row(
            crs_grade=grade, crs_onset_day=2.0 if grade else math.inf, crs_duration_days=3.0
        )
        samples = cytokine_samples(row, PROTOCOL, "S1", INFUSION, np.random.default_rng(1))
        assert {r.test for r in samples[0].results} == {
            "IP-10",
            "IFN-γ",
            "IL-6",
            "IL-10",
            "TNF-α",
            "GM-CSF",
        }
        il6 = {
            s.study_day: float(r.value or 0) for s in samples for r in s.results if r.test == "IL-6"
        }
        assert all(r.unit == "pg/mL" for s in samples for r in s.results)
        peaks.append(il6[3] if grade else max(il6.values()))
    assert peaks == sorted(peaks)
    assert peaks[4] > 50 * peaks[0]


def test_ada_is_negative_before_the_infusion_and_qualitative() -> None:
    samples = ada_samples(
        ROW, PROTOCOL, "S1", INFUSION, np.random.default_rng(0), ada_positive_probability=1.0
    )
    assert [s.study_day for s in samples] == [0, 28, 90, 180, 365]
    assert [s.results[0].result_text for s in samples] == ["negative"] + ["positive"] * 4
    assert all(s.results[0].value is None for s in samples)
