"""Designs built from a protocol's escalation section (command-line values win)."""

from decimal import Decimal
from pathlib import Path

import pytest

from cartrial.errors import InputError
from cartrial.escalation.accelerated_titration import AcceleratedTitration
from cartrial.escalation.boin import Boin
from cartrial.escalation.crm import Crm
from cartrial.escalation.designs import design_from_protocol
from cartrial.protocol.load import load_protocol
from cartrial.protocol.model import CrmParameters, IntervalDesignParameters

PROTOCOL = load_protocol(
    str(Path(__file__).parent.parent / "data" / "escalation_small_protocol.yaml")
).protocol


def with_escalation(**update):
    spec = PROTOCOL.escalation.model_copy(update=update)
    return PROTOCOL.model_copy(update={"escalation": spec})


def test_protocol_accelerated_titration_options_are_used():
    design = design_from_protocol(PROTOCOL)
    assert isinstance(design, AcceleratedTitration)
    assert (design.n_levels, design.switch_on_nth_grade2_related, design.mtd_requires_six) == (
        4,
        2,
        True,
    )


def test_protocol_boin_parameters_are_used():
    protocol = with_escalation(
        design="boin",
        cohort_size=3,
        max_sample_size=24,
        interval_design=IntervalDesignParameters(extra_safe=True, n_earlystop=12),
    )
    design = design_from_protocol(protocol)
    assert isinstance(design, Boin)
    assert (design.target, design.max_sample_size, design.extra_safe, design.n_earlystop) == (
        0.3,
        24,
        True,
        12,
    )


def test_protocol_crm_skeleton_is_used_and_target_can_be_overridden():
    protocol = with_escalation(
        design="crm",
        max_sample_size=18,
        crm=CrmParameters(skeleton=[Decimal(v) for v in ("0.05", "0.1", "0.2", "0.35")]),
    )
    design = design_from_protocol(protocol, target=0.25)
    assert isinstance(design, Crm)
    assert (design.skeleton, design.target, design.max_sample_size) == (
        (0.05, 0.1, 0.2, 0.35),
        0.25,
        18,
    )


def test_design_needing_a_target_without_one_is_refused():
    protocol = with_escalation(target_dlt_rate=None)
    with pytest.raises(InputError, match="target"):
        design_from_protocol(protocol, design="boin", n_cohorts=10)
