"""One exception hierarchy for cartrial.

Every error a user can cause names the field, the value received and what was
expected, so the CLI (exit code 2), the web app and the reports can show it
without re-wording. Adapters map :class:`CartrialError` to their own error shape
in one place; domain code raises only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

__all__ = [
    "CartrialError",
    "InputError",
    "NotFoundError",
    "ProtocolError",
    "UnknownUnitError",
    "format_location",
    "input_error_from_validation",
]


class CartrialError(Exception):
    """Base class of every error cartrial raises on purpose."""


class InputError(CartrialError):
    """Bad input: names the field, the value received and what was expected."""

    def __init__(self, field: str, value: Any, expected: str, *, source: str | None = None):
        self.field = field
        self.value = value
        self.expected = expected
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}field '{field}': got {value!r}, expected {expected}")


class UnknownUnitError(InputError):
    """A unit cartrial does not know for this quantity: never guessed."""

    def __init__(self, field: str, unit: str, accepted: Iterable[str]):
        self.accepted = sorted(set(accepted))
        super().__init__(field, unit, "one of the units " + ", ".join(self.accepted))


class NotFoundError(CartrialError):
    """A named thing (protocol, dose level, subject) does not exist."""

    def __init__(self, what: str, name: str, known: Iterable[str] = ()):
        self.what = what
        self.name = name
        known_list = sorted(known)
        hint = f"; known: {', '.join(known_list)}" if known_list else ""
        super().__init__(f"unknown {what} {name!r}{hint}")


class ProtocolError(CartrialError):
    """A protocol file that does not validate; points at the YAML path and line."""

    def __init__(self, file: str, problems: Sequence[tuple[str, int | None, str]]):
        self.file = file
        self.problems = list(problems)
        lines = []
        for path, line, message in self.problems:
            at = f"{file}:{line}" if line is not None else file
            lines.append(f"{at}: {path or '(top level)'}: {message}")
        super().__init__("\n".join(lines))


def format_location(loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as a dotted path with list indices.

    >>> format_location(("labs", 2, "unit"))
    'labs[2].unit'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _clean_loc(loc: Sequence[int | str]) -> list[int | str]:
    # pydantic inserts the tag of a discriminated union ("age", "lab", ...) and
    # function-validator names into the location; they are not input fields.
    return [p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))]


def input_error_from_validation(exc: ValidationError, *, source: str | None = None) -> InputError:
    """Turn the first error of a pydantic ``ValidationError`` into an :class:`InputError`."""
    first = exc.errors(include_url=False)[0]
    field = format_location(_clean_loc(first["loc"])) or "(record)"
    value = first.get("input")
    if isinstance(value, dict):
        value = "{...}"
    message = str(first["msg"])
    if first["type"] == "missing":
        return InputError(field, None, "a value (the field is required)", source=source)
    message = message.removeprefix("Value error, ")
    return InputError(field, value, message, source=source)
