"""Query parameters shared by every list route: a page is ``limit`` items from ``offset``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from cartrial.services import read

__all__ = ["Limit", "Offset"]

Limit = Annotated[int, Query(ge=1, le=read.MAX_LIMIT)]
Offset = Annotated[int, Query(ge=0, le=10**9)]
