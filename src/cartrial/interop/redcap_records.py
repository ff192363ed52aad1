"""A REDCap record export (flat CSV) read as cartrial form records, by a declared field map.

REDCap's "CSV / Microsoft Excel (raw data)" export has one row per record and repeat instance:
``record_id``, the system columns (``redcap_event_name`` in longitudinal projects,
``redcap_repeat_instrument``, ``redcap_repeat_instance``, ``redcap_data_access_group``), then
one column per field (checkbox fields as ``field___code``). A repeating instrument's row
names the instrument in ``redcap_repeat_instrument``.

The field map (YAML) says which REDCap instrument holds each cartrial form and which REDCap
variable holds each item; without one, the names of cartrial's own data dictionary are used
(a project built from ``cartrial redcap dictionary``). Every column the dictionary does not
know is a problem; every field with a value that the map does not import is reported by
record and field, so nothing is dropped silently.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cartrial.errors import InputError
from cartrial.interop.forms import FORMS, Form
from cartrial.interop.records import FormRecord, ImportProblem
from cartrial.interop.redcap_dictionary import COLUMNS, RECORD_ID

__all__ = ["FieldMap", "read_dictionary", "read_field_map", "read_redcap_records"]

SYSTEM_COLUMNS = frozenset(
    {"redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
     "redcap_data_access_group", "redcap_survey_identifier"}
)  # fmt: skip


@dataclass(frozen=True)
class FormMap:
    form: Form
    instrument: str
    items: dict[str, str]
    """cartrial item -> REDCap variable."""


@dataclass(frozen=True)
class FieldMap:
    record_id: str
    forms: tuple[FormMap, ...]
    source: str = "cartrial's own dictionary names"

    @classmethod
    def identity(cls) -> FieldMap:
        return cls(
            RECORD_ID,
            tuple(FormMap(f, f.name, {i.name: i.name for i in f.items}) for f in FORMS),
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"byte {exc.start}", "a UTF-8 text file") from exc
    except OSError as exc:
        raise InputError(str(path), str(path), f"a readable file ({exc.strerror})") from exc


def read_dictionary(path: Path) -> dict[str, str]:
    """The data dictionary's variables and their form names (REDCap's 18 columns)."""
    rows = list(csv.DictReader(io.StringIO(_read_text(path))))
    if not rows:
        raise InputError(str(path), "empty", "a REDCap data dictionary with one row per field")
    missing = [c for c in COLUMNS[:4] if c not in rows[0]]
    if missing:
        raise InputError(
            f"{path}:row 1", ", ".join(rows[0]), f"the columns {', '.join(COLUMNS[:4])}"
        )
    out: dict[str, str] = {}
    for number, row in enumerate(rows, start=2):
        name = (row["Variable / Field Name"] or "").strip()
        if not name:
            raise InputError(f"{path}:row {number}", "", "a variable name")
        out[name] = (row["Form Name"] or "").strip()
        if row["Field Type"] == "checkbox":
            for choice in (row.get("Choices, Calculations, OR Slider Labels") or "").split("|"):
                code = choice.split(",")[0].strip()
                if code:
                    out[f"{name}___{code}"] = out[name]
    return out


def read_field_map(path: Path) -> FieldMap:
    """A declared field map; unknown forms or items are errors naming the YAML path."""
    try:
        doc = yaml.safe_load(_read_text(path))
    except yaml.YAMLError as exc:
        raise InputError(str(path), "invalid YAML", str(exc).splitlines()[0]) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("forms"), dict):
        raise InputError(f"{path}:forms", doc, "a mapping of cartrial form -> {instrument, items}")
    known = {f.name: f for f in FORMS}
    maps = []
    for name, spec in doc["forms"].items():
        if name not in known:
            raise InputError(f"{path}:forms.{name}", name, f"one of {', '.join(known)}")
        if not isinstance(spec, dict) or not isinstance(spec.get("items"), dict):
            raise InputError(
                f"{path}:forms.{name}", spec, "{instrument: NAME, items: {item: variable}}"
            )
        form = known[name]
        items: dict[str, Any] = spec["items"]
        for item in items:
            if item not in {i.name for i in form.items}:
                raise InputError(f"{path}:forms.{name}.items.{item}", item, f"an item of {name}: "
                                 + ", ".join(i.name for i in form.items))  # fmt: skip
        maps.append(
            FormMap(form, str(spec.get("instrument", name)), {k: str(v) for k, v in items.items()})
        )
    return FieldMap(str(doc.get("record_id", RECORD_ID)), tuple(maps), str(path))


@dataclass
class RedcapRead:
    records: list[FormRecord] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    not_imported: list[ImportProblem] = field(default_factory=list)
    """Fields with a value that the map does not import (reported, not an error)."""


def read_redcap_records(path: Path, dictionary: dict[str, str], field_map: FieldMap) -> RedcapRead:
    """The export's rows as form records; unknown columns and unmapped values reported."""
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    header = reader.fieldnames or []
    out = RedcapRead()
    if field_map.record_id not in header:
        raise InputError(f"{path}:row 1", ", ".join(header[:5]), f"a {field_map.record_id} column")
    for column in header:
        if (
            column not in dictionary
            and column not in SYSTEM_COLUMNS
            and column != field_map.record_id
        ):
            out.problems.append(
                ImportProblem(
                    "row 1", "", "(export)", column, column, "a field of the data dictionary"
                )
            )
    by_instrument: dict[str, list[FormMap]] = {}
    present = [m for m in field_map.forms if any(v in header for v in m.items.values())]
    for form_map in present:  # a form none of whose fields the export holds is not in it
        by_instrument.setdefault(form_map.instrument, []).append(form_map)
        for item, variable in form_map.items.items():
            if variable not in header and form_map.form.item(item).required:
                out.problems.append(
                    ImportProblem(
                        "row 1", "", form_map.form.name, item, variable, "a column of the export"
                    )
                )
    mapped = {v for m in present for v in m.items.values()}
    for number, row in enumerate(reader, start=2):
        origin = f"{path.name} row {number}"
        subject = (row.get(field_map.record_id) or "").strip()
        instrument = (row.get("redcap_repeat_instrument") or "").strip()
        instance_text = (row.get("redcap_repeat_instance") or "").strip()
        instance = int(instance_text) if instance_text.isdigit() else None
        for form_map in by_instrument.get(instrument, []):
            values = {item: row.get(variable) or "" for item, variable in form_map.items.items()}
            if any(v.strip() for v in values.values()):
                out.records.append(FormRecord(subject, form_map.form, values, origin, instance))
        for column, value in row.items():
            if column in mapped or column in SYSTEM_COLUMNS or column == field_map.record_id:
                continue
            if value and value.strip() and column in dictionary:
                out.not_imported.append(
                    ImportProblem(
                        origin,
                        subject,
                        dictionary[column],
                        column,
                        value,
                        "nothing: no cartrial form imports this field",
                    )
                )
    return out
