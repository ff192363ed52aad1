"""Fixtures of the dosing tests: the hand-written protocols in tests/data/."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartrial.protocol.load import load_protocol_file
from cartrial.protocol.model import Protocol

DATA = Path(__file__).resolve().parent.parent / "data"
TEST_PROTOCOL = DATA / "dosing-test-protocol.yaml"
SPARSE_PROTOCOL = DATA / "dosing-sparse-protocol.yaml"


@pytest.fixture(scope="session")
def protocol() -> Protocol:
    return load_protocol_file(TEST_PROTOCOL).protocol
