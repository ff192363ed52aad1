"""Text longer than its column is refused before it reaches the database, on every backend.

PostgreSQL refuses a value longer than ``varchar(n)`` inside the flush (a
``DataError``: a 500 at the API, a traceback at the CLI) and SQLite keeps it whole,
so the same input gave two outcomes. Every entry path (API, web pages, CLI, import
of records) goes through a flush: this listener checks each new or changed text
value against its column's length first and raises an :class:`InputError` naming
the field, the value and the limit; nothing of the flush is written. The API's
request models refuse the same lengths earlier, naming the request field
(:mod:`cartrial.web.api.columns`); this is the store's own guarantee (issue 14).
"""

from __future__ import annotations

from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session, UOWTransaction

from cartrial.errors import InputError
from cartrial.store.db import TrialSession
from cartrial.store.models import Base

__all__ = ["check_lengths"]


def check_lengths(obj: Base, *, changed_only: bool) -> None:
    """Raise :class:`InputError` when a text value of ``obj`` is longer than its column."""
    state = inspect(obj)
    for column in obj.__table__.columns:
        kind = column.type
        if not isinstance(kind, String) or kind.length is None:
            continue
        attr = state.mapper.get_property_by_column(column).key
        if changed_only:  # only what the flush writes: an expired attribute is not loaded
            values = list(state.attrs[attr].history.added or ())
        else:
            values = [state.dict.get(attr)]
        for value in values:
            if isinstance(value, str) and len(value) > kind.length:
                raise InputError(
                    attr,
                    value,
                    f"text of at most {kind.length} characters ({column.table.name}.{column.name})",
                )


@event.listens_for(TrialSession, "before_flush")
def _refuse_overlong_text(session: Session, _ctx: UOWTransaction, _instances: object) -> None:
    for obj in session.new:
        if isinstance(obj, Base):
            check_lengths(obj, changed_only=False)
    for obj in session.dirty:
        if isinstance(obj, Base):
            check_lengths(obj, changed_only=True)
