"""Query parameters shared by every list route: a page is ``limit`` items from ``offset``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel

from cartrial.services import read
from cartrial.web.api.schemas import Page

__all__ = ["Limit", "Offset", "page_of"]

M = TypeVar("M", bound=BaseModel)

Limit = Annotated[int, Query(ge=1, le=read.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10**9)]


def page_of(model: type[M], items: Iterable[Any], total: int, limit: int, offset: int) -> Page[M]:
    """One page of ``items`` (stored records) rendered as ``model``."""
    return Page[model](  # type: ignore[valid-type]
        items=[model.model_validate(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )
