"""Lymphodepletion doses: CLINICAL_RULES section 5 worked numbers, renal band boundaries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartrial.dosing.bsa import compute_bsa
from cartrial.dosing.lymphodepletion import (
    compute_agent_dose,
    compute_lymphodepletion,
    describe_band,
)
from cartrial.errors import InputError
from cartrial.protocol.model import AgentRegimen, Lymphodepletion, Protocol, RenalBand

D = Decimal
INFUSION = date(2026, 3, 2)
BSA_1818 = compute_bsa(weight_kg=D(70), height_cm=D(170))  # 1.818 m2 (CLINICAL_RULES)
BSA_1500 = compute_bsa(weight_kg=D(54), height_cm=D(150))  # sqrt(150 x 54 / 3600) = 1.5


def _regimen(protocol: Protocol) -> Lymphodepletion:
    assert protocol.lymphodepletion is not None
    return protocol.lymphodepletion


def _doses(protocol: Protocol, crcl: str | None, bsa: object = BSA_1818) -> dict[str, D]:
    plan = compute_lymphodepletion(
        regimen=_regimen(protocol),
        bsa=BSA_1818 if bsa is BSA_1818 else BSA_1500,
        infusion_date=INFUSION,
        crcl_ml_per_min=None if crcl is None else D(crcl),
    )
    return {a.agent: a.daily_dose_mg for a in plan.agents}


def test_full_doses_match_clinical_rules_worked_numbers(protocol: Protocol) -> None:
    # Flu 30 mg/m2 x 1.818 = 54.54 -> 54.5 mg/day; Cy 500 x 1.818 = 909 mg/day.
    assert _doses(protocol, "90") == {"fludarabine": D("54.5"), "cyclophosphamide": D("909.0")}


def test_crcl_45_reduces_fludarabine_to_24_mg_per_m2(protocol: Protocol) -> None:
    # CLINICAL_RULES: CrCl 45 -> 30 x 0.8 = 24 mg/m2 -> 24 x 1.818 = 43.632 -> 43.6 mg/day.
    plan = compute_lymphodepletion(
        regimen=_regimen(protocol), bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=D(45)
    )
    flu, cy = plan.agents
    assert flu.adjusted_mg_per_m2_per_day == D("24")
    assert flu.daily_dose_mg == D("43.6")
    assert flu.total_mg == D("130.8")  # 3 days x 43.6
    assert cy.daily_dose_mg == D("909.0")  # cyclophosphamide has no renal bands
    assert flu.reason == (
        "fludarabine 30 mg/m2/day x 1.818 m2 x 0.8 (CrCl 45 mL/min in 30 <= CrCl <= 70 mL/min)"
        " = 43.632 -> 43.6 mg/day (half-up to 0.1 mg) on days -5, -4, -3"
    )
    assert cy.reason == (
        "cyclophosphamide 500 mg/m2/day x 1.818 m2 (no renal adjustment in the protocol)"
        " = 909 -> 909.0 mg/day (half-up to 0.1 mg) on days -5, -4, -3"
    )
    assert plan.warnings == []


def test_hand_computed_doses_at_1_5_m2(protocol: Protocol) -> None:
    # 30 x 1.5 = 45.0; 30 x 0.8 x 1.5 = 36.0; 500 x 1.5 = 750.0
    assert _doses(protocol, "100", BSA_1500) == {
        "fludarabine": D("45.0"),
        "cyclophosphamide": D("750.0"),
    }
    assert _doses(protocol, "50", BSA_1500)["fludarabine"] == D("36.0")


def test_rounding_is_half_up_to_a_tenth_of_a_mg() -> None:
    # 25 mg/m2 x 1.818 m2 = 45.45 -> 45.5 half-up (half-even would give 45.4)
    agent = AgentRegimen(agent="fludarabine", dose_mg_per_m2_per_day=D(25), days=[-4])
    dose = compute_agent_dose(
        agent=agent, bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=None
    )
    assert (dose.unrounded_mg_per_day, dose.daily_dose_mg) == (D("45.450"), D("45.5"))


def test_rounding_step_is_configurable() -> None:
    # 500 x 1.818 = 909.0; to 10 mg: 910
    agent = AgentRegimen(agent="cyclophosphamide", dose_mg_per_m2_per_day=D(500), days=[-3])
    dose = compute_agent_dose(
        agent=agent, bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=None, rounding_mg=D(10)
    )
    assert dose.daily_dose_mg == D(910)
    assert dose.reason.endswith("= 909 -> 910 mg/day (half-up to 10 mg) on day -3")


@pytest.mark.parametrize(
    ("crcl", "flu_mg"),
    [
        ("29.9", "0.0"),  # below 30: factor 0, not given
        ("30", "43.6"),  # exactly 30 is inside 30-70 (inclusive in this protocol)
        ("30.1", "43.6"),
        ("69.9", "43.6"),
        ("70", "43.6"),  # exactly 70 is inside 30-70 (inclusive in this protocol)
        ("70.1", "54.5"),  # above 70: full dose
    ],
)
def test_renal_band_boundaries_inclusive_protocol(
    protocol: Protocol, crcl: str, flu_mg: str
) -> None:
    assert _doses(protocol, crcl)["fludarabine"] == D(flu_mg)


@pytest.mark.parametrize(
    ("crcl", "factor"),
    [("29.99", "0"), ("30", "0"), ("30.01", "0.8"), ("69.99", "0.8"), ("70", "1"), ("70.01", "1")],
)
def test_renal_band_boundaries_follow_the_protocols_wording(crcl: str, factor: str) -> None:
    # A protocol worded "> 30 and < 70 mL/min: 80 %; <= 30: not given; >= 70: full dose".
    agent = AgentRegimen(
        agent="fludarabine",
        dose_mg_per_m2_per_day=D(30),
        days=[-5, -4, -3],
        renal_adjustment=[
            RenalBand(max_ml_per_min=D(30), max_inclusive=True, factor=D(0)),
            RenalBand(
                min_ml_per_min=D(30), min_inclusive=False, max_ml_per_min=D(70), factor=D("0.8")
            ),
            RenalBand(min_ml_per_min=D(70), min_inclusive=True, factor=D(1)),
        ],
    )
    dose = compute_agent_dose(
        agent=agent, bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=D(crcl)
    )
    assert dose.renal_factor == D(factor)
    assert dose.is_given == (D(factor) > 0)


def test_factor_zero_means_not_given_and_says_so(protocol: Protocol) -> None:
    plan = compute_lymphodepletion(
        regimen=_regimen(protocol), bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=D(25)
    )
    flu = plan.agents[0]
    assert (flu.is_given, flu.daily_dose_mg, flu.total_mg) == (False, D("0.0"), D("0.0"))
    assert flu.reason == (
        "fludarabine NOT GIVEN: CrCl 25 mL/min in CrCl < 30 mL/min, "
        "where the protocol's factor is 0"
    )
    assert "fludarabine is not given at this creatinine clearance" in plan.warnings


def test_no_crcl_gives_full_dose_with_a_warning(protocol: Protocol) -> None:
    plan = compute_lymphodepletion(
        regimen=_regimen(protocol), bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=None
    )
    flu, cy = plan.agents
    assert (flu.daily_dose_mg, flu.renal_assessed) == (D("54.5"), False)
    assert cy.renal_assessed  # no bands: nothing to assess
    assert "renal adjustment NOT assessed" in flu.reason
    assert plan.warnings == [
        "renal adjustment of fludarabine NOT assessed (no --crcl given): full dose shown; the "
        "protocol adjusts it by creatinine clearance (CrCl < 30 mL/min; 30 <= CrCl <= 70 mL/min; "
        "CrCl > 70 mL/min)"
    ]


def test_crcl_outside_every_band_is_an_error_naming_crcl() -> None:
    agent = AgentRegimen(
        agent="fludarabine",
        dose_mg_per_m2_per_day=D(30),
        days=[-3],
        renal_adjustment=[RenalBand(min_ml_per_min=D(30), factor=D(1))],
    )
    with pytest.raises(InputError) as info:
        compute_agent_dose(agent=agent, bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=D(20))
    assert info.value.field == "crcl"
    assert "CrCl >= 30 mL/min" in str(info.value)


@pytest.mark.parametrize("crcl", ["-1", "501", "NaN"])
def test_impossible_crcl_is_an_error(protocol: Protocol, crcl: str) -> None:
    with pytest.raises(InputError) as info:
        _doses(protocol, crcl)
    assert info.value.field == "crcl"


def test_dose_dates_cross_the_month_end(protocol: Protocol) -> None:
    # Infusion 2 March 2026 (not a leap year): days -5, -4, -3 = 25, 26, 27 February.
    plan = compute_lymphodepletion(
        regimen=_regimen(protocol), bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=None
    )
    assert plan.agents[0].dates == [date(2026, 2, 25), date(2026, 2, 26), date(2026, 2, 27)]


def test_dose_dates_in_a_leap_year(protocol: Protocol) -> None:
    # Infusion 2 March 2028: day -3 = 28 February (29 February is day -2).
    plan = compute_lymphodepletion(
        regimen=_regimen(protocol),
        bsa=BSA_1818,
        infusion_date=date(2028, 3, 2),
        crcl_ml_per_min=None,
    )
    assert plan.agents[0].dates == [date(2028, 2, 26), date(2028, 2, 27), date(2028, 2, 28)]


def test_assumed_doses_are_warned() -> None:
    regimen = Lymphodepletion(
        agents=[
            AgentRegimen(
                agent="cyclophosphamide",
                dose_mg_per_m2_per_day=D(300),
                days=[-5, -4, -3],
                assumed=True,
                reason="the registry does not state the dose",
            )
        ]
    )
    plan = compute_lymphodepletion(
        regimen=regimen, bsa=BSA_1818, infusion_date=INFUSION, crcl_ml_per_min=None
    )
    assert plan.warnings == [
        "cyclophosphamide 300 mg/m2/day is an assumed value in the protocol file: the registry "
        "does not state the dose; confirm it against the full protocol"
    ]


def test_band_descriptions() -> None:
    assert describe_band(RenalBand(min_ml_per_min=D(70), min_inclusive=False, factor=D(1))) == (
        "CrCl > 70 mL/min"
    )
    assert describe_band(RenalBand(factor=D(1))) == "any CrCl"


@given(
    crcl=st.decimals(min_value=D(0), max_value=D(500), places=2),
    weight=st.decimals(min_value=D(30), max_value=D(200), places=1),
    height=st.decimals(min_value=D(120), max_value=D(220), places=1),
)
def test_adjusted_dose_never_exceeds_the_full_dose(
    protocol: Protocol, crcl: Decimal, weight: Decimal, height: Decimal
) -> None:
    bsa = compute_bsa(weight_kg=weight, height_cm=height)
    regimen = _regimen(protocol)
    full = compute_lymphodepletion(
        regimen=regimen, bsa=bsa, infusion_date=INFUSION, crcl_ml_per_min=None
    )
    adjusted = compute_lymphodepletion(
        regimen=regimen, bsa=bsa, infusion_date=INFUSION, crcl_ml_per_min=crcl
    )
    for f, a in zip(full.agents, adjusted.agents, strict=True):
        assert a.daily_dose_mg <= f.daily_dose_mg
        assert a.total_mg <= f.total_mg
        assert D(0) <= a.renal_factor <= D(1)
