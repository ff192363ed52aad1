"""Hand-written screening records and small literal changes to them.

``tests/data/screening/<protocol>-eligible.json`` is a fully eligible subject
written by hand from the seed text. A *change* is a small dict applied to that
JSON before validation:

- ``"a.b.c": value`` sets a (nested) field; ``None`` means "not collected";
- ``"labs[anc]": {...}`` merges into the ANC result (added when absent);
  ``"labs[anc]": None`` removes the result;
- ``"prior_therapies+": {...}`` appends an item to a list field.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cartrial.eligibility.record import ScreeningRecord
from cartrial.eligibility.screen import ScreeningResult, screen_subject
from cartrial.protocol.load import load_bundled

DATA = Path(__file__).resolve().parents[1] / "data" / "screening"

DECISION_FOR = {"met": "eligible", "not_met": "not_eligible", "needs_review": "incomplete"}


@functools.cache
def _eligible_text(protocol_id: str) -> str:
    return (DATA / f"{protocol_id}-eligible.json").read_text(encoding="utf-8")


def eligible_data(protocol_id: str) -> dict[str, Any]:
    """A fresh copy of the hand-written eligible record of ``protocol_id``."""
    data: dict[str, Any] = json.loads(_eligible_text(protocol_id))
    return data


def _set_lab(labs: list[dict[str, Any]], test: str, value: Any) -> None:
    index = next((i for i, lab in enumerate(labs) if lab["test"] == test), None)
    if value is None:
        assert index is not None, f"no {test} result to remove"
        del labs[index]
    elif index is None:
        labs.append({"test": test, **value})
    else:
        labs[index] = {**labs[index], **value}


def apply_change(data: dict[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with ``change`` applied (``data`` itself is left alone)."""
    out = copy.deepcopy(data)
    for key, value in change.items():
        if key.startswith("labs["):
            _set_lab(out["labs"], key.removeprefix("labs[").removesuffix("]"), value)
            continue
        append = key.endswith("+")
        *parents, last = key.removesuffix("+").split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        if append:
            node.setdefault(last, []).append(value)
        else:
            node[last] = value
    return out


def record_with(protocol_id: str, change: Mapping[str, Any]) -> ScreeningRecord:
    """The eligible record of ``protocol_id`` with ``change`` applied, validated."""
    return ScreeningRecord.model_validate(apply_change(eligible_data(protocol_id), change))


def screen_with(protocol_id: str, change: Mapping[str, Any]) -> ScreeningResult:
    """Screen the changed record against the bundled protocol."""
    protocol = load_bundled(protocol_id).protocol
    return screen_subject(record_with(protocol_id, change), protocol)


def verdicts(result: ScreeningResult) -> dict[str, str]:
    """Criterion id -> verdict."""
    return {c.id: c.verdict for c in result.criteria}


def assert_only_target_changes(
    protocol_id: str,
    criterion_id: str,
    change: Mapping[str, Any],
    expected: str,
    also: Mapping[str, str] | None = None,
) -> None:
    """The targeted criterion gets ``expected``, every other stays met, and the decision follows.

    ``also`` lists other criteria the same change legitimately affects, with their verdicts.
    """
    result = screen_with(protocol_id, change)
    got = verdicts(result)
    target = next(c for c in result.criteria if c.id == criterion_id)
    assert target.verdict == expected, target.reason
    others = {**dict.fromkeys(got, "met"), **(also or {}), criterion_id: expected}
    assert got == others
    if also is None:
        assert result.decision == DECISION_FOR[expected]
    else:
        seen = set(others.values())
        worst = next(v for v in ("not_met", "needs_review", "met") if v in seen)
        assert result.decision == DECISION_FOR[worst]


def therapy(
    therapy_class: str,
    end: str | None,
    agent: str = "x",
    half_life_days: str | None = None,
    prednisone_mg: str | None = None,
) -> dict[str, Any]:
    """A prior-therapy item to append with ``"prior_therapies+"``."""
    item: dict[str, Any] = {"therapy_class": therapy_class, "agent": agent, "end_date": end}
    if half_life_days is not None:
        item["half_life_days"] = half_life_days
    if prednisone_mg is not None:
        item["prednisone_equivalent_mg_per_day"] = prednisone_mg
    return item
