"""Request text fields bound to a database column: the column's length is the field's limit.

A value longer than its column fails inside PostgreSQL (``value too long for type
character varying(32)``) as a 500, and SQLite keeps it whole; so each request field
that is stored in a ``String(n)`` column takes its ``max_length`` from the column
itself (:func:`column_text`), and the limit cannot drift from the schema. The field's
JSON schema names the column (``x-column``), which the tests read back.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlalchemy import String
from sqlalchemy.orm import InstrumentedAttribute

__all__ = ["column_length", "column_text"]


def column_length(attribute: InstrumentedAttribute[Any]) -> int:
    """The length of the ``String(n)`` column behind a mapped attribute.

    >>> from cartrial.store.models import Subject
    >>> column_length(Subject.code)
    32
    """
    column = attribute.property.columns[0]
    kind = column.type
    if not isinstance(kind, String) or kind.length is None:
        raise TypeError(f"{column.table.name}.{column.name} has no length ({kind!r})")
    return int(kind.length)


def column_text(
    attribute: InstrumentedAttribute[Any], default: Any = ..., *, min_length: int = 1, **kw: Any
) -> Any:
    """A pydantic ``Field`` for text stored in ``attribute``'s column: 1 to n characters."""
    column = attribute.property.columns[0]
    return Field(
        default,
        min_length=min_length,
        max_length=column_length(attribute),
        json_schema_extra={"x-column": f"{column.table.name}.{column.name}"},
        **kw,
    )
