"""The one-line rule examples in docs/protocols.md are valid rules naming real record fields.

DLT rules (``kind: crs`` ...) validate against the DLT union instead.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import TypeAdapter

from cartrial.eligibility.paths import field_type
from cartrial.eligibility.record import ScreeningRecord
from cartrial.protocol.criteria import FieldRule, Rule, WithinRule
from cartrial.protocol.dlt import DltRule

DOC = Path(__file__).parents[2] / "docs/protocols.md"


def test_every_inline_rule_example_validates() -> None:
    adapter: TypeAdapter[Rule] = TypeAdapter(Rule)
    dlt_adapter: TypeAdapter[DltRule] = TypeAdapter(DltRule)
    dlt_kinds = {"any_grade5", "crs", "icans", "term_grade", "persistent_cytopenia"}
    examples = [
        line.strip().removeprefix("rule: ")
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.strip().startswith("rule: {kind:")
    ]
    kinds = set()
    for example in examples:
        data = yaml.safe_load(example)
        if data["kind"] in dlt_kinds | {"non_haematological"}:
            kinds.add(dlt_adapter.validate_python(data).kind)
            continue
        rule = adapter.validate_python(data)
        kinds.add(rule.kind)
        if isinstance(rule, FieldRule | WithinRule):
            field_type(ScreeningRecord, rule.field)
    assert {"age", "lab", "creatinine_clearance", "field", "within", "washout", "not"} <= kinds
    assert {"prior_therapy", "review", "crs"} <= kinds
