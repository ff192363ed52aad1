"""Helpers for engine tests: a minimal valid record and one-criterion protocols."""

from __future__ import annotations

from typing import Any

import pytest

from cartrial.eligibility.record import ScreeningRecord
from cartrial.protocol.criteria import Criterion
from cartrial.protocol.model import Protocol


def make_record(**fields: Any) -> ScreeningRecord:
    base: dict[str, Any] = {"subject_id": "S-001", "consent_date": "2026-03-10"}
    base.update(fields)
    return ScreeningRecord.model_validate(base)


def make_protocol(
    inclusion: list[dict[str, Any]], exclusion: list[dict[str, Any]] = ()
) -> Protocol:  # type: ignore[assignment]
    return Protocol.model_validate(
        {
            "id": "test-protocol",
            "version": "1",
            "title": "engine test",
            "phase": ["1"],
            "population": "adults",
            "sources": [{"id": "t", "file": "test", "description": "hand-written"}],
            "cell_dose": {},
            "eligibility": {
                "inclusion": [Criterion.model_validate(c).model_dump() for c in inclusion],
                "exclusion": [Criterion.model_validate(c).model_dump() for c in exclusion],
            },
        }
    )


@pytest.fixture
def record_factory() -> Any:
    return make_record
