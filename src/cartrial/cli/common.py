"""What every command shares: reading input files, printing JSON, mapping errors to exit 2.

Commands call the domain and render; every :class:`~cartrial.errors.CartrialError`
becomes one message on stderr and exit code 2, and nothing partial is printed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.table import Column, Table

from cartrial.errors import CartrialError, input_error_from_validation

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
error_console = Console(stderr=True)

EXIT_BAD_INPUT = 2

Url = Annotated[
    str | None,
    typer.Option("--url", help="database URL (default: $CARTRIAL_DATABASE_URL or cartrial.db)"),
]


def fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise (code 2)."""
    error_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: turn cartrial and validation errors into one message and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CartrialError as exc:
            raise fail(str(exc)) from exc
        except ValidationError as exc:
            raise fail(str(input_error_from_validation(exc))) from exc
        except Exception as exc:
            # A database that cannot be opened (a missing directory or file, a PostgreSQL
            # database that does not exist, a refused connection) is bad input, not a crash.
            # Matched by name so that the CLI's startup does not import SQLAlchemy.
            if type(exc).__name__ == "OperationalError" and type(exc).__module__.startswith(
                "sqlalchemy"
            ):
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
                raise fail(f"cannot open the database: {reason}") from exc
            raise

    return wrapper


def read_json_file(path: Path) -> Any:
    """Parse a JSON file; malformed JSON is an :class:`InputError` naming line and column."""
    from cartrial.jsontext import parse_json_text, read_text_file

    return parse_json_text(read_text_file(path), str(path))


def print_json(payload: BaseModel | list[BaseModel] | dict[str, Any] | list[Any]) -> None:
    """Print a model (or list of models) as JSON on stdout, unformatted by rich.

    JSON has no NaN or infinity (RFC 8259 section 6): a payload holding one is refused
    with exit 2 instead of printing ``Infinity``, which strict JSON parsers refuse.
    """
    try:
        if isinstance(payload, BaseModel):
            text = payload.model_dump_json(indent=2)  # pydantic writes NaN/inf as null
        elif isinstance(payload, list) and payload and isinstance(payload[0], BaseModel):
            text = json.dumps(
                [m.model_dump(mode="json") for m in payload], indent=2, allow_nan=False
            )
        else:
            text = json.dumps(payload, indent=2, default=str, allow_nan=False)
    except ValueError as exc:
        raise fail(
            f"the result holds a number JSON cannot write (infinite or NaN): {exc}; "
            "check the input's values"
        ) from exc
    typer.echo(text)


_TEXT_COLUMN = 40  # a column wider than this wraps its cells instead of taking a chunk alone


def print_table(table: Table, *, keys: int = 1, out: Console | None = None) -> None:
    """Print ``table``; when it is wider than the terminal, in several narrower tables.

    Each part repeats the first ``keys`` columns (the row's identity) and takes as many of
    the others as fit, so no header is squeezed into a column of a few letters and no
    number is cut short ("7.5…").
    """
    # A console made now reads the terminal width (or $COLUMNS) of this call; the module's
    # console keeps the width it found when it was first imported.
    target = out or Console()
    width = target.width
    columns = table.columns
    needed = [_column_width(target, table, c) for c in columns]
    if _table_width(needed) <= width or len(columns) <= keys + 1:
        target.print(table)
        return
    key_ids = list(range(keys))
    parts: list[list[int]] = []
    current: list[int] = []
    for index in range(keys, len(columns)):
        trial = [*current, index]
        if current and _table_width([needed[i] for i in key_ids + trial]) > width:
            parts.append(current)
            trial = [index]
        current = trial
    parts.append(current)
    for number, part in enumerate(parts, start=1):
        piece = Table(
            title=table.title if number == 1 else "(continued)",
            caption=table.caption if number == len(parts) else None,
            box=table.box,
            show_lines=table.show_lines,
        )
        for i in key_ids + part:
            column = columns[i]
            text = needed[i] >= _TEXT_COLUMN
            piece.add_column(
                column.header,
                justify=column.justify,
                style=column.style,
                no_wrap=not text,
                min_width=None if text else needed[i],
                max_width=_TEXT_COLUMN if text else None,
                overflow="fold",
            )
        cells = [list(columns[i].cells) for i in key_ids + part]
        for row in zip(*cells, strict=True):
            piece.add_row(*row)
        target.print(piece)


def _column_width(out: Console, table: Table, column: Column) -> int:
    widths = [Measurement.get(out, out.options, column.header).maximum]
    widths += [Measurement.get(out, out.options, cell).maximum for cell in column.cells]
    return min(max(widths), _TEXT_COLUMN)


def _table_width(columns: list[int]) -> int:
    # two spaces of padding and one rule per column, plus the closing rule
    return sum(columns) + 3 * len(columns) + 1
