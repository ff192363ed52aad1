"""Validation of safety input files at the boundary, once.

Every safety command reads a JSON document into a pydantic model. A failure
becomes one :class:`~cartrial.errors.InputError` naming the field (as a dotted
path with list indices, without pydantic's union tags), the value received and
what was expected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from cartrial.errors import InputError, format_location

__all__ = ["InputModel", "Timestamp", "parse_input"]

M = TypeVar("M", bound=BaseModel)


class InputModel(BaseModel):
    """Base of every safety input record: unknown keys are errors, instances immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_EXPECTED = "an ISO date-time with a time of day and no UTC offset, e.g. 2026-03-03T08:00"


def _require_local_time_of_day(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError(_EXPECTED)
        return value
    if not isinstance(value, str) or len(value.strip()) <= 10:
        raise ValueError(_EXPECTED)
    return value


def _naive(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError(_EXPECTED)
    return value


Timestamp = Annotated[datetime, BeforeValidator(_require_local_time_of_day), AfterValidator(_naive)]
"""A site-local date-time with a time of day (a bare date, a number or a UTC offset is refused).

Study days are calendar days of the site's clock, so times are kept as the
site wrote them; refusing offsets keeps every comparison on one clock.
"""


def _clean(loc: tuple[int | str, ...], tags: set[str]) -> tuple[int | str, ...]:
    return tuple(
        p
        for p in loc
        if isinstance(p, int) or not (p in tags or p.startswith("function-") or "[" in p)
    )


def parse_input(
    model: type[M], data: Any, *, source: str | None = None, tags: set[str] | None = None
) -> M:
    """Validate ``data`` as ``model``; the first problem becomes an :class:`InputError`.

    ``tags`` are the discriminator values of tagged unions in the model, dropped
    from the reported field path.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = format_location(_clean(tuple(first["loc"]), tags or set())) or "(record)"
        value = first.get("input")
        if isinstance(value, dict):
            value = "{...}"
        if first["type"] == "missing":
            raise InputError(field, None, "a value (the field is required)", source=source) from exc
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InputError(field, value, message, source=source) from exc
