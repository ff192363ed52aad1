"""The screening record as an HTML form, built from the record's own model.

Every scalar field of :class:`cartrial.eligibility.record.ScreeningRecord` (and of
its sections) becomes one labelled input named by its path (``diagnosis.tumour_type``,
``labs[0].value``: :func:`cartrial.errors.format_location`, the path the engine's
errors name), so an error lands next to its field. Conventions of the record
(its module doc): an empty input is *not collected* (the criterion needing it
becomes "needs investigator review"); yes/no questions have a third answer,
not collected; event dates take ``never``; lists of histories (prior therapies,
cardiac events, prior malignancies) can be stated empty (history taken, nothing
to report) or left not collected. Laboratory results are rows of test, value,
unit and date (units as the laboratory writes them; an unknown unit is refused
naming the test).

Written here because the form follows our own record model; a generic form
library would still need this mapping from the model's types to inputs.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from cartrial.eligibility.record import Lab, ScreeningRecord
from cartrial.errors import _clean_loc, format_location
from cartrial.units import ANALYTES

__all__ = [
    "LAB_ROWS",
    "FormField",
    "FormSection",
    "parse_record",
    "record_sections",
]

#: Laboratory rows offered on the form, prefilled with the tests most criteria name.
LAB_ROWS = ("anc", "platelets", "hemoglobin", "creatinine", "alt", "ast", "total_bilirubin", "")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: Literal["text", "date", "number", "bool", "choice", "event_date", "history_list"]
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def input_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("[", "-").replace("]", "")


@dataclass(frozen=True)
class FormSection:
    key: str
    title: str
    fields: tuple[FormField, ...]


def _label(name: str) -> str:
    text = name.replace("_", " ")
    for unit in (" kg", " cm", " percent", " mmhg", " ms", " months", " mg per day"):
        if text.endswith(unit):
            text = f"{text[: -len(unit)]} ({unit.strip().replace('percent', '%')})"
            break
    return text[0].upper() + text[1:]


def _plain(annotation: Any) -> Any:
    """The type under ``Annotated`` (a date with its range check is still a date)."""
    if typing.get_origin(annotation) is typing.Annotated:
        return typing.get_args(annotation)[0]
    return annotation


def _without_none(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [_plain(a) for a in typing.get_args(annotation) if a is not type(None)]
    return [_plain(annotation)]


def _field(path: str, name: str, annotation: Any, description: str | None) -> FormField | None:
    parts = _without_none(annotation)
    help_text = description or ""
    if dt.date in parts and any(typing.get_origin(p) is Literal for p in parts):
        return FormField(path, _label(name), "event_date", help="YYYY-MM-DD, or never")
    if len(parts) != 1:
        return None
    kind = parts[0]
    if typing.get_origin(kind) is list:
        return FormField(path, _label(name), "history_list", help=help_text)
    if typing.get_origin(kind) is Literal:
        return FormField(path, _label(name), "choice", tuple(map(str, typing.get_args(kind))))
    if isinstance(kind, type) and issubclass(kind, Enum):
        return FormField(path, _label(name), "choice", tuple(str(e.value) for e in kind))
    if kind is bool:
        return FormField(path, _label(name), "bool", help=help_text)
    if kind is dt.date:
        return FormField(path, _label(name), "date", help=help_text)
    if kind in (int, Decimal):
        return FormField(path, _label(name), "number", help=help_text)
    if kind is str:
        return FormField(path, _label(name), "text", help=help_text)
    return None


def _section_of(key: str, title: str, model: type[BaseModel], prefix: str) -> FormSection:
    fields = []
    for name, info in model.model_fields.items():
        made = _field(prefix + name, name, info.annotation, info.description)
        if made is not None:
            fields.append(made)
    return FormSection(key, title, tuple(fields))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for part in _without_none(annotation):
        if isinstance(part, type) and issubclass(part, BaseModel):
            return part
    return None


def record_sections() -> tuple[FormSection, ...]:
    """The form's sections: the record's own fields, then one per section model."""
    top: list[FormField] = []
    sections: list[FormSection] = []
    for name, info in ScreeningRecord.model_fields.items():
        if name == "labs":
            continue
        model = _model_of(info.annotation)
        if model is not None:
            sections.append(_section_of(name, _label(name), model, name + "."))
            continue
        made = _field(name, name, info.annotation, info.description)
        if made is not None:
            top.append(made)
    return (FormSection("subject", "Subject and consent", tuple(top)), *sections)


SECTIONS = record_sections()
_KINDS = {f.name: f.kind for s in SECTIONS for f in s.fields}
LAB_TESTS = tuple(ANALYTES)
LAB_UNITS = {name: tuple(a.factors) for name, a in ANALYTES.items()}


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def _value(kind: str, raw: str) -> Any:
    if kind == "bool":
        return {"yes": True, "no": False}.get(raw, raw)
    if kind == "history_list":
        return [] if raw == "none" else raw
    return raw


def parse_record(form: dict[str, str]) -> tuple[ScreeningRecord | None, dict[str, str]]:
    """The record from the form's fields, or the errors by field name (the engine's words).

    Empty inputs are left out (not collected); a lab row counts when its value is given.
    """
    tree: dict[str, Any] = {}
    for name, kind in _KINDS.items():
        raw = form.get(name, "").strip()
        if raw:
            _set(tree, name, _value(kind, raw))
    labs = []
    for i in range(len(LAB_ROWS)):
        value = form.get(f"labs[{i}].value", "").strip()
        if not value:
            continue
        lab: dict[str, Any] = {
            "test": form.get(f"labs[{i}].test", "").strip(),
            "value": value,
            "unit": form.get(f"labs[{i}].unit", "").strip(),
        }
        if when := form.get(f"labs[{i}].date", "").strip():
            lab["date"] = when
        labs.append((i, lab))
    tree["labs"] = [lab for _i, lab in labs]
    try:
        return ScreeningRecord.model_validate(tree), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        rows = [i for i, _lab in labs]
        for problem in exc.errors(include_url=False):
            loc = list(_clean_loc(problem["loc"]))
            if len(loc) >= 2 and loc[0] == "labs" and isinstance(loc[1], int):
                loc[1] = rows[loc[1]]
            name = format_location(loc) or "record"
            message = str(problem["msg"]).removeprefix("Value error, ")
            got = problem.get("input")
            text = f"got {got!r}, expected {message}"
            if problem["type"] == "missing":
                text = "got nothing, expected a value (required once its section is filled in)"
            errors.setdefault(name, text)
        return None, errors


__all__ += ["LAB_TESTS", "LAB_UNITS", "SECTIONS", "Lab"]
