"""Cell dose: cells/kg x actual weight, the protocol's weight cap, the release tolerance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartrial.dosing.cell_dose import compute_cell_dose
from cartrial.errors import InputError
from cartrial.protocol.model import CellDoseRule, DoseLevel, Protocol

D = Decimal


def test_cells_are_level_times_actual_weight(protocol: Protocol) -> None:
    # level 3 = 1 x 10^6 /kg; 1e6 x 70 = 70,000,000; tolerance 20 %: 56,000,000-84,000,000
    dose = compute_cell_dose(rule=protocol.cell_dose, level=protocol.dose_level(3), weight_kg=D(70))
    assert dose.total_cells == 70_000_000
    assert (dose.min_cells, dose.max_cells) == (56_000_000, 84_000_000)
    assert dose.is_weight_capped is False
    assert dose.reason == (
        "dose level 3: 1 x 10^6 cells/kg x 70 kg (actual weight; cap 100 kg not reached) = "
        "7 x 10^7 cells; accepted 5.6 x 10^7-8.4 x 10^7 (+/-20 %)"
    )


def test_fractional_weight_hand_computed(protocol: Protocol) -> None:
    # level 2 = 3 x 10^5 /kg; 300,000 x 72.35 = 21,705,000
    dose = compute_cell_dose(
        rule=protocol.cell_dose, level=protocol.dose_level(2), weight_kg=D("72.35")
    )
    assert dose.total_cells == 21_705_000


def test_weight_above_the_cap_is_capped(protocol: Protocol) -> None:
    # cap 100 kg: level 4 = 2 x 10^6 /kg x 100 kg = 200,000,000 (not 2e6 x 120 = 240,000,000)
    dose = compute_cell_dose(
        rule=protocol.cell_dose, level=protocol.dose_level(4), weight_kg=D(120)
    )
    assert (dose.total_cells, dose.dosing_weight_kg, dose.is_weight_capped) == (
        200_000_000,
        D(100),
        True,
    )
    assert "(weight 120 kg capped at 100 kg)" in dose.reason


def test_weight_exactly_at_the_cap_is_not_capped(protocol: Protocol) -> None:
    dose = compute_cell_dose(
        rule=protocol.cell_dose, level=protocol.dose_level(1), weight_kg=D(100)
    )
    assert (dose.total_cells, dose.is_weight_capped) == (10_000_000, False)


def test_no_cap_in_protocol_uses_actual_weight() -> None:
    # 5 x 10^5 /kg x 150 kg = 75,000,000
    dose = compute_cell_dose(
        rule=CellDoseRule(), level=DoseLevel(level=1, cells_per_kg=D("5E5")), weight_kg=D(150)
    )
    assert (dose.total_cells, dose.is_weight_capped, dose.min_cells) == (75_000_000, False, None)
    assert "(actual weight)" in dose.reason


def test_cells_round_half_up_to_a_whole_cell() -> None:
    # 150,000 x 70.00001 = 10,500,001.5 -> 10,500,002
    dose = compute_cell_dose(
        rule=CellDoseRule(),
        level=DoseLevel(level=1, cells_per_kg=D("1.5E5")),
        weight_kg=D("70.00001"),
    )
    assert dose.total_cells == 10_500_002


@pytest.mark.parametrize("weight", ["-70", "0"])
def test_impossible_weight_names_the_field(protocol: Protocol, weight: str) -> None:
    with pytest.raises(InputError) as info:
        compute_cell_dose(
            rule=protocol.cell_dose, level=protocol.dose_level(1), weight_kg=D(weight)
        )
    assert info.value.field == "weight_kg"


def test_unknown_dose_level_names_the_field(protocol: Protocol) -> None:
    with pytest.raises(InputError) as info:
        protocol.dose_level(9)
    assert info.value.field == "dose_level"


@given(
    w1=st.decimals(min_value=D(2), max_value=D(400), places=2),
    w2=st.decimals(min_value=D(2), max_value=D(400), places=2),
    level=st.integers(min_value=1, max_value=4),
)
def test_cells_never_decrease_with_weight_and_respect_the_cap(
    protocol: Protocol, w1: Decimal, w2: Decimal, level: int
) -> None:
    low, high = sorted((w1, w2))
    rule, dl = protocol.cell_dose, protocol.dose_level(level)
    a = compute_cell_dose(rule=rule, level=dl, weight_kg=low)
    b = compute_cell_dose(rule=rule, level=dl, weight_kg=high)
    assert a.total_cells <= b.total_cells
    assert b.total_cells <= dl.cells_per_kg * 100  # the 100 kg cap
