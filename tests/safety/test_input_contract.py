"""Contract: every safety input model answers bad input with one InputError, never a crash.

Each valid fixture is mutated (one value replaced by generated JSON) and fed to
its loader and grader; they must return a result or raise ``InputError`` naming a field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartrial.errors import InputError
from cartrial.protocol.load import load_protocol
from cartrial.safety.astct import grade_crs, grade_icans
from cartrial.safety.astct_input import load_crs_file, load_icans_file
from cartrial.safety.ctcae import LabFile, grade_lab_records
from cartrial.safety.dlt import assess_dlts
from cartrial.safety.events import SafetyFile
from cartrial.safety.inputs import parse_input

DATA = Path(__file__).parent.parent / "data" / "safety"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip

SPEC = load_protocol(str(DATA / "protocol_safety_test.yaml")).protocol.dlt
assert SPEC is not None


def crs(d: Any) -> Any:
    r = load_crs_file(d)
    return grade_crs(observations=r.observations, infusion=r.infusion)


def icans(d: Any) -> Any:
    r = load_icans_file(d)
    return grade_icans(assessments=r.assessments, infusion=r.infusion)


def labs(d: Any) -> Any:
    return grade_lab_records(parse_input(LabFile, d).labs)


def dlt(d: Any) -> Any:
    assert SPEC is not None
    return assess_dlts(patients=parse_input(SafetyFile, d).patients, spec=SPEC)


LOADERS: dict[str, Callable[[Any], Any]] = {
    "crs_p01.json": crs,
    "icans_p01.json": icans,
    "labs_p01.json": labs,
    "patients.json": dlt,
}


def leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [p for k, v in data.items() for p in leaves(v, (*path, k))] or [path]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in leaves(v, (*path, i))] or [path]
    return [path]


def replace(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize("name", sorted(LOADERS))
@settings(max_examples=40, deadline=None)
@given(data=st.data(), value=json_values)
def test_mutated_input_is_graded_or_an_input_error(name: str, data: Any, value: Any) -> None:
    valid = json.loads((DATA / name).read_text())
    path = data.draw(st.sampled_from(leaves(valid)))
    try:
        LOADERS[name](replace(valid, path, value))
    except InputError as exc:
        assert exc.field
