"""What every command shares: reading input files, printing JSON, mapping errors to exit 2.

Commands call the domain and render; every :class:`~cartrial.errors.CartrialError`
becomes one message on stderr and exit code 2, and nothing partial is printed.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console

from cartrial.errors import CartrialError, InputError, input_error_from_validation

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
error_console = Console(stderr=True)

EXIT_BAD_INPUT = 2


def fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr and return the exit to raise (code 2)."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
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

    return wrapper


def read_json_file(path: Path) -> Any:
    """Parse a JSON file; malformed JSON is an :class:`InputError` naming line and column."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError("file", str(path), f"a readable file ({exc.strerror})") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"(JSON line {exc.lineno}, column {exc.colno})",
            str(path),
            f"valid JSON ({exc.msg})",
        ) from exc


def print_json(payload: BaseModel | list[BaseModel] | dict[str, Any] | list[Any]) -> None:
    """Print a model (or list of models) as JSON on stdout, unformatted by rich."""
    if isinstance(payload, BaseModel):
        text = payload.model_dump_json(indent=2)
    elif isinstance(payload, list) and payload and isinstance(payload[0], BaseModel):
        text = json.dumps([m.model_dump(mode="json") for m in payload], indent=2)
    else:
        text = json.dumps(payload, indent=2, default=str)
    typer.echo(text)
