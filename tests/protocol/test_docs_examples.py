"""The one-line rule examples in docs/protocols.md are valid rules naming real record fields."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import TypeAdapter

from cartrial.eligibility.paths import field_type
from cartrial.eligibility.record import ScreeningRecord
from cartrial.protocol.criteria import FieldRule, Rule, WithinRule

DOC = Path(__file__).parents[2] / "docs/protocols.md"


def test_every_inline_rule_example_validates() -> None:
    adapter: TypeAdapter[Rule] = TypeAdapter(Rule)
    examples = [
        line.strip().removeprefix("rule: ")
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("rule: {kind:")
    ]
    kinds = set()
    for example in examples:
        rule = adapter.validate_python(yaml.safe_load(example))
        kinds.add(rule.kind)
        if isinstance(rule, FieldRule | WithinRule):
            field_type(ScreeningRecord, rule.field)
    assert {"age", "lab", "creatinine_clearance", "field", "within", "washout", "not"} <= kinds
    assert {"prior_therapy", "review"} <= kinds
