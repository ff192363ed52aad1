"""Screening records go through the real eligibility engine and fail for their latent reason."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cartrial.eligibility.screen import ScreeningResult, screen_subject
from cartrial.protocol.criteria import AllOf, AnyOf, FieldRule, Not, Rule
from cartrial.protocol.load import load_bundled
from cartrial.protocol.model import Protocol
from cartrial.sim.observations.screening import screening_record
from cartrial.sim.patients import SCREEN_FAILURE_REASONS
from tests.sim.factories import make_row

CONSENT = dt.date(2026, 4, 1)

#: The criterion each protocol refuses each reason with, read by hand from the bundled YAML
#: (None: the protocol has no criterion for it, so the patient passes).
EXPECTED: dict[str, dict[str, str | None]] = {
    "uclm802": {
        "msln_negative": "inc04",
        "ecog": "inc05",
        "anc_low": "inc07",
        "platelets_low": "inc07",
        "hemoglobin_low": "inc07",
        "creatinine_high": "inc07",
        "liver_tests_high": "inc07",
        "washout_incomplete": "exc01",
        "hbv_positive": "exc03",
        "brain_metastases": "exc08",
    },
    "szugh-msln-2024": {
        "msln_negative": "inc05",
        "ecog": "inc09",
        "anc_low": "exc02",
        "platelets_low": "exc02",
        "hemoglobin_low": None,
        "creatinine_high": "exc03",
        "liver_tests_high": "exc03",
        "washout_incomplete": "inc08",
        "hbv_positive": "exc13",
        "brain_metastases": None,
    },
    "msk-m28z1xxpd1dnr": {
        **dict.fromkeys([r for r in SCREEN_FAILURE_REASONS if r and r != "investigator_review"]),
        "msln_negative": "inc02",
    },
}
PROTOCOLS = list(EXPECTED)


def _protocol(pid: str) -> Protocol:
    return load_bundled(pid).protocol


def _screen(pid: str, reason: str, seed: int, **latent: object) -> ScreeningResult:
    protocol = _protocol(pid)
    row = make_row(screen_failure=reason, **latent)
    record = screening_record(row, protocol, "SIM-001", CONSENT, np.random.default_rng(seed))
    return screen_subject(record, protocol)


def _assert_passes(result: ScreeningResult, protocol: Protocol) -> None:
    not_met = [c.id for c in result.criteria if c.verdict == "not_met"]
    assert not_met == [], result.reason
    if protocol.eligibility.complete:
        assert result.decision == "eligible", result.reason
    else:  # the protocol's own review items remain, nothing else
        review = {c.id for c in result.criteria if c.verdict == "needs_review"}
        assert review == {"inc01"}, result.reason


@pytest.mark.parametrize("pid", PROTOCOLS)
@pytest.mark.parametrize("seed", range(8))
def test_a_patient_without_a_reason_passes(pid: str, seed: int) -> None:
    tumour = (
        "gastric" if pid.startswith("msk") else ["mesothelioma", "ovarian", "gastric"][seed % 3]
    )
    sex = "F" if seed % 2 else "M"
    _assert_passes(_screen(pid, "", seed, tumour_type=tumour, sex=sex), _protocol(pid))


def test_a_passing_patient_outside_the_age_and_ecog_limits_is_written_inside_them() -> None:
    result = _screen("szugh-msln-2024", "", 1, age_years=81.0, ecog=3)
    _assert_passes(result, _protocol("szugh-msln-2024"))


@pytest.mark.parametrize("pid", PROTOCOLS)
@pytest.mark.parametrize(
    "reason", [r for r in SCREEN_FAILURE_REASONS if r and r != "investigator_review"]
)
@pytest.mark.parametrize("seed", range(3))
def test_a_failing_patient_is_refused_by_the_protocols_criterion_for_its_reason(
    pid: str, reason: str, seed: int
) -> None:
    result = _screen(
        pid, reason, seed, weight_kg=95.0 if seed else 63.5, age_years=30.0 + 20 * seed
    )
    expected = EXPECTED[pid][reason]
    if expected is None:
        _assert_passes(result, _protocol(pid))
        return
    assert result.decision == "not_eligible"
    assert [c.id for c in result.criteria if c.verdict == "not_met"] == [expected], result.reason
    review = {c.id for c in result.criteria if c.verdict == "needs_review"}
    assert review == (set() if _protocol(pid).eligibility.complete else {"inc01"}), result.reason


def _judgement(rule: Rule) -> bool:
    match rule:
        case FieldRule():
            return rule.judgement
        case AllOf() | AnyOf():
            return any(_judgement(r) for r in rule.rules)
        case Not():
            return _judgement(rule.rule)
    return False


@pytest.mark.parametrize("pid", ["uclm802", "szugh-msln-2024"])
def test_an_item_left_for_the_investigator_leaves_the_screening_incomplete(pid: str) -> None:
    protocol = _protocol(pid)
    result = _screen(pid, "investigator_review", 4)
    assert result.decision == "incomplete"
    criteria = {
        c.id: c.rule for c in [*protocol.eligibility.inclusion, *protocol.eligibility.exclusion]
    }
    review = [c.id for c in result.criteria if c.verdict == "needs_review"]
    assert review
    assert all(_judgement(criteria[cid]) for cid in review), review


def test_an_unknown_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown screen-failure reason"):
        screening_record(
            make_row(screen_failure="tired"),
            _protocol("uclm802"),
            "S",
            CONSENT,
            np.random.default_rng(0),
        )
