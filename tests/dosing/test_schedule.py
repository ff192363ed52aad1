"""The composed schedule: dose-level defaults, open protocol items, warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cartrial.dosing.schedule import (
    OpenProtocolItemsError,
    ScheduleRequest,
    compute_schedule,
    select_dose_level,
)
from cartrial.errors import InputError
from cartrial.protocol.model import EscalationSpec, InfusionRule, Protocol

D = Decimal
REQUEST = ScheduleRequest(infusion_date=date(2026, 3, 2), weight_kg=D(70), height_cm=D(170))


def test_investigator_assigned_design_needs_an_explicit_dose_level(protocol: Protocol) -> None:
    assigned = protocol.model_copy(
        update={"escalation": EscalationSpec(design="investigator_assigned")}
    )
    with pytest.raises(InputError) as info:
        select_dose_level(assigned, None)
    assert info.value.field == "dose_level"
    assert "(1, 2, 3, 4)" in str(info.value)


def test_single_dose_level_is_used_without_a_warning(protocol: Protocol) -> None:
    single = protocol.model_copy(
        update={"escalation": None, "dose_levels": protocol.dose_levels[:1]}
    )
    level, warnings = select_dose_level(single, None)
    assert (level.level, warnings) == (1, [])


def test_open_infusion_rule_is_named(protocol: Protocol) -> None:
    sparse = protocol.model_copy(update={"infusion": None})
    with pytest.raises(OpenProtocolItemsError) as info:
        compute_schedule(protocol=sparse, request=REQUEST)
    assert info.value.items == ["the infusion rule (infusion.min_hours_after_lymphodepletion)"]


def test_bad_input_is_refused_before_anything_is_computed(protocol: Protocol) -> None:
    bad = REQUEST.model_copy(update={"height_cm": D(0), "dose_level": 9})
    with pytest.raises(InputError) as info:
        compute_schedule(protocol=protocol, request=bad)
    assert info.value.field == "height_cm"


def test_schedule_without_visits_or_samples_says_so(protocol: Protocol) -> None:
    bare = protocol.model_copy(update={"visits": [], "samples": []})
    result = compute_schedule(protocol=bare, request=REQUEST.model_copy(update={"dose_level": 1}))
    assert "the protocol gives no visit schedule" in result.warnings
    assert "the protocol gives no sampling schedule" in result.warnings


def test_too_early_infusion_is_warned(protocol: Protocol) -> None:
    # A 96 h rule after day -3: earliest day +1 at the soonest, so day 0 is too early.
    strict = protocol.model_copy(
        update={"infusion": InfusionRule(min_hours_after_lymphodepletion=96)}
    )
    result = compute_schedule(protocol=strict, request=REQUEST.model_copy(update={"dose_level": 1}))
    assert result.calendar.infusion is not None
    assert result.calendar.infusion.status == "not_satisfied"
    assert (
        "the planned infusion on 2026-03-02 is too early: the earliest date 96 h after the last "
        "lymphodepletion dose is 2026-03-03" in result.warnings
    )


def test_assumed_regimen_and_infusion_rule_are_warned(protocol: Protocol) -> None:
    assert protocol.lymphodepletion is not None and protocol.infusion is not None
    regimen = protocol.lymphodepletion.model_copy(
        update={"assumed": True, "reason": "BSA formula not stated"}
    )
    infusion = protocol.infusion.model_copy(update={"assumed": True, "reason": "72 h not stated"})
    assumed = protocol.model_copy(update={"lymphodepletion": regimen, "infusion": infusion})
    result = compute_schedule(
        protocol=assumed, request=REQUEST.model_copy(update={"dose_level": 1})
    )
    assert (
        "lymphodepletion regimen partly assumed by the protocol file: BSA formula not stated"
        in result.warnings
    )
    assert "infusion rule assumed by the protocol file: 72 h not stated" in result.warnings
