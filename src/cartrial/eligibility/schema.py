"""The published JSON Schema of the screening record.

``python -m cartrial.eligibility.schema > docs/screening-record.schema.json``
regenerates the file; a test fails when the published copy is out of date.
"""

from __future__ import annotations

import json

from cartrial.eligibility.record import ScreeningRecord

__all__ = ["screening_record_schema"]


def screening_record_schema() -> str:
    """The JSON Schema of :class:`ScreeningRecord` as indented JSON text."""
    schema = ScreeningRecord.model_json_schema()
    schema["$id"] = "https://cartrial.example/schemas/screening-record.schema.json"
    return json.dumps(schema, indent=2, sort_keys=True, allow_nan=False) + "\n"


if __name__ == "__main__":
    print(screening_record_schema(), end="")
