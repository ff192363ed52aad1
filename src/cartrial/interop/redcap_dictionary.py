"""A protocol's forms as a REDCap data dictionary (the CSV REDCap's Data Dictionary upload reads).

The 18 columns in REDCap's order; the first row is the record id; choices as
``code, label | code, label``; text validation ``date_ymd``, ``datetime_ymd``, ``number`` and
``integer``; required fields marked ``y``. Variable names are lower case letters, digits and
underscores, as REDCap requires. (REDCap's data dictionary format, the "Data Dictionary"
page of a REDCap project; repeating instruments are a project setting, so the repeating forms
are listed in :func:`repeating_forms` for the administrator to enable.)
"""

from __future__ import annotations

import csv
import io
import re

from cartrial.errors import InputError
from cartrial.interop.forms import Form, Item

__all__ = ["COLUMNS", "RECORD_ID", "data_dictionary_csv", "repeating_forms"]

COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name", "Matrix Ranking?",
    "Field Annotation",
)  # fmt: skip

RECORD_ID = "record_id"
_VALIDATION = {
    "date": "date_ymd",
    "datetime": "datetime_ymd",
    "float": "number",
    "integer": "integer",
}
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _row(form: Form, item: Item) -> dict[str, str]:
    if not _NAME.match(item.name):
        raise InputError(f"{form.name}.{item.name}", item.name, "a REDCap variable name")
    field_type = {"choice": "dropdown", "boolean": "yesno"}.get(item.type, "text")
    note = " ".join(x for x in (f"unit: {item.unit}" if item.unit else "", item.note) if x)
    return {
        "Variable / Field Name": item.name,
        "Form Name": form.name,
        "Field Type": field_type,
        "Field Label": item.label,
        "Choices, Calculations, OR Slider Labels": " | ".join(
            f"{c}, {lab}" for c, lab in item.choices
        ),
        "Field Note": note,
        "Text Validation Type OR Show Slider Number": _VALIDATION.get(item.type, ""),
        "Required Field?": "y" if item.required else "",
        "Field Annotation": f"@CARTRIAL-ARGUMENT={item.argument}" if item.argument else "",
    }


def data_dictionary_csv(forms: tuple[Form, ...]) -> str:
    """The data dictionary of ``forms`` as CSV text (record id first, in the first form)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerow(
        {
            "Variable / Field Name": RECORD_ID,
            "Form Name": forms[0].name,
            "Field Type": "text",
            "Field Label": "Subject code (cartrial subject, e.g. S01-0001)",
            "Identifier?": "y",
        }
    )
    seen = {RECORD_ID}
    for form in forms:
        for item in form.items:
            if item.name in seen:
                raise InputError(f"{form.name}.{item.name}", item.name, "a variable name used once")
            seen.add(item.name)
            writer.writerow(_row(form, item))
    return out.getvalue()


def repeating_forms(forms: tuple[Form, ...]) -> list[str]:
    """The forms to enable as repeating instruments in the REDCap project."""
    return [f.name for f in forms if f.repeating]
