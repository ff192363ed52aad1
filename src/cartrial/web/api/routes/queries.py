"""Data queries: open (monitor, data manager), answer (site staff), close; data locks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from cartrial.services import data, read
from cartrial.vocabulary import QUERY_STATUSES
from cartrial.web.api.deps import CurrentActor, SessionsDep
from cartrial.web.api.idempotency import ApiRoute
from cartrial.web.api.routes.paging import Limit, Offset, page_of
from cartrial.web.api.schemas import (
    DataLockIn,
    DataLockLiftIn,
    DataLockOut,
    Page,
    QueryIn,
    QueryOut,
    QueryReplyIn,
)

router = APIRouter(tags=["data queries"], route_class=ApiRoute)

QueryStatus = Annotated[
    str | None, Query(alias="status", pattern="^(" + "|".join(QUERY_STATUSES) + ")$")
]


@router.get("/queries", response_model=Page[QueryOut])
def list_queries(
    sessions: SessionsDep,
    actor: CurrentActor,
    status_: QueryStatus = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[QueryOut]:
    """Queries on the subjects you may see (a site sees its own), oldest first."""
    items, total = read.list_queries(
        sessions, actor=actor, status=status_, limit=limit, offset=offset
    )
    return page_of(QueryOut, items, total, limit, offset)


@router.get("/subjects/{subject_id}/queries", response_model=Page[QueryOut])
def list_subject_queries(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    status_: QueryStatus = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[QueryOut]:
    """A subject's queries, oldest first, optionally one status."""
    items, total = read.list_subject_queries(
        sessions, actor=actor, subject_id=subject_id, status=status_, limit=limit, offset=offset
    )
    return page_of(QueryOut, items, total, limit, offset)


@router.post(
    "/subjects/{subject_id}/queries", response_model=QueryOut, status_code=status.HTTP_201_CREATED
)
def open_query(
    subject_id: str, body: QueryIn, sessions: SessionsDep, actor: CurrentActor
) -> QueryOut:
    """Question one field of one record."""
    query = data.open_query(sessions, actor=actor, subject_id=subject_id, **body.model_dump())
    return QueryOut.model_validate(query)


@router.post("/queries/{query_id}/answer", response_model=QueryOut)
def answer_query(
    query_id: str, body: QueryReplyIn, sessions: SessionsDep, actor: CurrentActor
) -> QueryOut:
    """Answer an open query."""
    return QueryOut.model_validate(
        data.answer_query(sessions, actor=actor, query_id=query_id, answer=body.text)
    )


@router.post("/queries/{query_id}/close", response_model=QueryOut)
def close_query(
    query_id: str, body: QueryReplyIn, sessions: SessionsDep, actor: CurrentActor
) -> QueryOut:
    """Close an answered query."""
    return QueryOut.model_validate(
        data.close_query(sessions, actor=actor, query_id=query_id, note=body.text)
    )


@router.post(
    "/subjects/{subject_id}/data-locks",
    response_model=DataLockOut,
    status_code=status.HTTP_201_CREATED,
)
def lock_subject(
    subject_id: str, body: DataLockIn, sessions: SessionsDep, actor: CurrentActor
) -> DataLockOut:
    """Lock a subject's data, signed with the data manager's password re-entered."""
    lock = data.lock_subject(
        sessions, actor=actor, subject_id=subject_id, reason=body.reason, password=body.password
    )
    return DataLockOut.model_validate(lock)


@router.post("/data-locks/{lock_id}/lift", response_model=DataLockOut)
def lift_data_lock(
    lock_id: str, body: DataLockLiftIn, sessions: SessionsDep, actor: CurrentActor
) -> DataLockOut:
    """Lift a lock; it stays on record with the time lifted and the reason in the trail."""
    lock = data.unlock_subject(sessions, actor=actor, lock_id=lock_id, reason=body.reason)
    return DataLockOut.model_validate(lock)


@router.get("/subjects/{subject_id}/data-locks", response_model=Page[DataLockOut])
def list_data_locks(
    subject_id: str,
    sessions: SessionsDep,
    actor: CurrentActor,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[DataLockOut]:
    """A subject's data locks, lifted ones included, oldest first."""
    items, total = read.list_data_locks(
        sessions, actor=actor, subject_id=subject_id, limit=limit, offset=offset
    )
    return page_of(DataLockOut, items, total, limit, offset)
