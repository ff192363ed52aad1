"""ResponseSettings: the protocol's ``response`` section maps onto it by field name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cartrial.response.settings import ResponseSettings, settings_from_protocol


def test_protocol_response_section_maps_by_name_and_drops_provenance() -> None:
    # the fields of the protocol model's ResponseAssessment (with its provenance keys)
    section = {
        "source": "seed 001, outcome measures",
        "assumed": True,
        "reason": "the registry record does not state a confirmation interval",
        "default_criteria": "recist11",
        "criteria_by_tumour_type": {"mesothelioma": "mrecist11"},
        "confirmation_required": True,
        "confirmation_min_days": 35,
        "sd_min_days": 56,
    }
    settings = settings_from_protocol(section)
    assert settings.criteria_for("mesothelioma") == "mrecist11"
    assert settings.criteria_for("pancreatic") == "recist11"
    assert (settings.confirmation_min_days, settings.sd_min_days) == (35, 56)
    assert settings.too_small_default_mm == 5  # not in the protocol: the default


def test_unknown_setting_is_refused() -> None:
    with pytest.raises(ValidationError):
        settings_from_protocol({"confirmation_days": 28})


def test_settings_are_immutable() -> None:
    settings = ResponseSettings()
    with pytest.raises(ValidationError):
        settings.sd_min_days = 10  # type: ignore[misc]
