"""JSON from files a user gives: one parser that refuses what ``json.loads`` lets through.

``json.loads`` keeps the last of two equal keys, accepts ``NaN`` and ``Infinity``, and ends
in a ``RecursionError`` traceback on deeply nested input; a clinical record must not be read
that way. :func:`parse_json_text` refuses each with an :class:`~cartrial.errors.InputError`
naming the place, and :func:`read_text_file` refuses a file that is not UTF-8 text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cartrial.errors import InputError

__all__ = ["MAX_JSON_DEPTH", "parse_json_text", "read_text_file"]

MAX_JSON_DEPTH = 64
"""Nesting deeper than this is refused (cartrial's deepest record is under 10 levels)."""


def read_text_file(path: Path, *, field: str = "file") -> str:
    """The UTF-8 text of ``path``; a missing, unreadable or binary file names itself."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            field, str(path), f"a UTF-8 text file (byte {exc.start} is not UTF-8)"
        ) from exc
    except OSError as exc:
        raise InputError(field, str(path), f"a readable file ({exc.strerror})") from exc


def _depth(text: str) -> int:
    """The deepest bracket nesting outside strings (a linear scan, no recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_constant(name: str) -> Any:
    raise _Constant(name)


class _Constant(ValueError):
    pass


def parse_json_text(text: str, source: str) -> Any:
    """Parse JSON ``text`` from ``source``; malformed JSON names its line and column.

    >>> parse_json_text('{"a": 1}', "x.json")
    {'a': 1}
    >>> parse_json_text('{"a": 1, "a": 2}', "x.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cartrial.errors.InputError: field 'x.json': got 'a', expected each key once in an object ...
    """
    depth = _depth(text)
    if depth > MAX_JSON_DEPTH:
        raise InputError(
            source, f"nesting {depth} deep", f"JSON nested at most {MAX_JSON_DEPTH} deep"
        )
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except _DuplicateKey as exc:
        raise InputError(source, exc.key, "each key once in an object (a duplicate key)") from exc
    except _Constant as exc:
        raise InputError(
            source, str(exc), "a finite number (NaN and Infinity are not JSON)"
        ) from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source} (line {exc.lineno}, column {exc.colno})",
            exc.doc[exc.pos : exc.pos + 20],
            f"valid JSON ({exc.msg})",
        ) from exc
