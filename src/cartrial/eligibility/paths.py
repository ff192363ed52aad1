"""Dotted field paths into the screening record: resolution and protocol-time checks.

A protocol names record fields as dotted paths (``cardiac.lvef_percent``). Every
path, laboratory test, unit and therapy class a rule names is checked when the
protocol is loaded, so a typo fails at ``protocol validate`` with the YAML line,
never at screening time.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from decimal import Decimal
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from cartrial.eligibility.record import ScreeningRecord, TherapyClass
from cartrial.errors import CartrialError
from cartrial.protocol.criteria import (
    AllOf,
    AnyOf,
    FieldRule,
    LabRule,
    Not,
    PriorTherapyRule,
    Rule,
    WashoutRule,
    WithinRule,
)
from cartrial.protocol.model import Protocol
from cartrial.units import ANALYTES, convert

__all__ = ["allowed_values", "check_protocol_fields", "field_type", "resolve"]

_MISSING = object()


def resolve(record: BaseModel, path: str) -> Any:
    """Value at a dotted ``path`` of ``record``; ``None`` where any step is missing."""
    value: Any = record
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part, None)
    return value


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in _flatten(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _flatten(annotation: Any) -> Iterator[Any]:
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, typing.Annotated):
        for arg in get_args(annotation):
            yield from _flatten(arg)
    else:
        yield annotation


def field_type(model: type[BaseModel], path: str) -> Any:
    """The annotation of ``path`` in ``model``; raises ``KeyError`` naming the bad step."""
    current: type[BaseModel] | None = model
    annotation: Any = None
    for part in path.split("."):
        if current is None or part not in current.model_fields:
            raise KeyError(part)
        annotation = current.model_fields[part].annotation
        current = _model_in(annotation)
    return annotation


def allowed_values(annotation: Any) -> set[Any] | None:
    """The closed set of values a field admits (literals, enums, booleans), else ``None``."""
    allowed: set[Any] = set()
    for candidate in _flatten(annotation):
        if candidate is type(None):
            continue
        if get_origin(candidate) is Literal:
            allowed.update(get_args(candidate))
        elif isinstance(candidate, type) and issubclass(candidate, Enum):
            allowed.update(member.value for member in candidate)
        elif candidate is bool:
            allowed.update({True, False})
        else:
            return None
    return allowed or None


def _walk(rule: Rule, loc: tuple[int | str, ...]) -> Iterator[tuple[Rule, tuple[int | str, ...]]]:
    yield rule, loc
    if isinstance(rule, AllOf | AnyOf):
        for index, child in enumerate(rule.rules):
            yield from _walk(child, (*loc, "rules", index))
    elif isinstance(rule, Not):
        yield from _walk(rule.rule, (*loc, "rule"))


def _check_rule(rule: Rule) -> list[tuple[tuple[str, ...], str]]:
    problems: list[tuple[tuple[str, ...], str]] = []
    therapy_classes = {c.value for c in TherapyClass}
    if isinstance(rule, FieldRule):
        try:
            annotation = field_type(ScreeningRecord, rule.field)
        except KeyError as exc:
            problems.append((("field",), f"unknown screening-record field {rule.field!r} ({exc})"))
        else:
            allowed = allowed_values(annotation)
            values = rule.value if isinstance(rule.value, list) else [rule.value]
            if rule.op in ("==", "!=", "in", "not_in") and allowed is not None:
                for value in values:
                    if value not in allowed:
                        shown = ", ".join(sorted(str(a) for a in allowed))
                        problems.append(
                            (("value",), f"{value!r} is not a value of {rule.field} ({shown})")
                        )
    elif isinstance(rule, WithinRule):
        try:
            annotation = field_type(ScreeningRecord, rule.field)
        except KeyError as exc:
            problems.append((("field",), f"unknown screening-record field {rule.field!r} ({exc})"))
        else:
            item_model = _model_in(annotation)
            if rule.date_field is not None:
                if item_model is None or rule.date_field not in item_model.model_fields:
                    problems.append((("date_field",), f"{rule.date_field!r} is not in the items"))
                for key in rule.where:
                    if item_model is None or key not in item_model.model_fields:
                        problems.append((("where", key), f"{key!r} is not a field of the items"))
            elif rule.where:
                problems.append((("where",), "'where' needs a list field and 'date_field'"))
    elif isinstance(rule, LabRule):
        if rule.test not in ANALYTES:
            problems.append((("test",), f"unknown laboratory test {rule.test!r}"))
        elif rule.unit is not None:
            try:
                convert(rule.test, Decimal(1), rule.unit)
            except CartrialError as exc:
                problems.append((("unit",), str(exc)))
    elif isinstance(rule, PriorTherapyRule | WashoutRule):
        for index, name in enumerate(rule.classes):
            if name not in therapy_classes:
                problems.append((("classes", str(index)), f"unknown therapy class {name!r}"))
    return problems


def check_protocol_fields(protocol: Protocol) -> list[tuple[tuple[int | str, ...], str]]:
    """Every record field, test, unit and class named by the protocol's criteria exists."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    for section in ("inclusion", "exclusion"):
        for index, criterion in enumerate(getattr(protocol.eligibility, section)):
            base: tuple[int | str, ...] = ("eligibility", section, index, "rule")
            for rule, loc in _walk(criterion.rule, base):
                for sub, message in _check_rule(rule):
                    problems.append(((*loc, *(int(s) if s.isdigit() else s for s in sub)), message))
    return problems
