"""Idempotency keys: a POST's reply stored in the transaction of what the POST wrote.

A client that never got a reply (the server crashed after COMMIT, the connection
dropped) cannot tell whether its write landed; retried, it recorded a second AE or
lab (issue 14). The IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header-06, sections 2.5-2.7) lets the client
name the request with a key, so that the server can recognise a retry and answer it
with the first reply instead of doing it again.

The guarantee rests on one transaction. A request sent with a key runs all its
database work on one connection in one transaction (:class:`RequestUnit`): each
use case's own transaction (:func:`cartrial.services.context.transaction`, a read
session, the conflict explanation) becomes a SAVEPOINT of it (SQLAlchemy's
``join_transaction_mode="create_savepoint"``), and the reply is inserted into
``idempotency_key`` before the one COMMIT. A crash therefore keeps both the records
and the reply, or neither: never an AE without the reply that a retry would replay.

- Scope: a key belongs to the signed-in user (the same key of another user is
  another key). It is taken (:meth:`RequestUnit.claim`) before the use case runs: a
  stored reply with the same request fingerprint is replayed, one with another
  fingerprint (another body, URL or method) is refused, 409 (the draft's section 2.7
  suggests 422; in this API 422 means a field's value is invalid, and issue 14 asks
  409).
- A concurrent duplicate: on PostgreSQL the key is held by a transaction-scoped
  advisory lock taken without waiting; a second request with the key while the
  first is still running is a 409 (draft section 2.7: "still being processed").
  On SQLite every transaction holds the one write lock (``BEGIN IMMEDIATE``), so
  the second waits for the first and then gets its reply.
- Only a 2xx reply is stored; a refusal (4xx) or a failure is not, and a retry is
  validated again (what the refused use case committed of its own, such as the
  audit entry of a refused interlock, is committed as without a key).
- Kept for :data:`KEEP_FOR` (24 hours, the retry window the draft's section 2.3
  leaves to the server to publish); an expired key is a new key, and expired rows
  are deleted (:func:`purge_expired`) at most every :data:`PURGE_EVERY`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, text
from sqlalchemy.orm import sessionmaker

from cartrial.actor import Actor
from cartrial.errors import CartrialError
from cartrial.store.db import TrialSession
from cartrial.store.models import IdempotencyKey, utcnow

__all__ = [
    "HEADER",
    "KEEP_FOR",
    "MAX_KEY_LENGTH",
    "PURGE_EVERY",
    "KeyInFlight",
    "KeyReused",
    "Replay",
    "RequestSessions",
    "RequestUnit",
    "StoredReply",
    "purge_expired",
]

#: The request header (draft-ietf-httpapi-idempotency-key-header-06, section 2).
HEADER = "Idempotency-Key"
#: How long a stored reply is replayed (draft section 2.3: the server publishes its expiry).
KEEP_FOR = dt.timedelta(hours=24)
#: The longest key accepted (the column's size); the draft recommends a UUID (36).
MAX_KEY_LENGTH = 255
#: Expired keys are deleted at most this often per process.
PURGE_EVERY = dt.timedelta(minutes=10)

logger = logging.getLogger("cartrial.store")

_TABLE = cast(Table, IdempotencyKey.__table__)
# Built once: SQLAlchemy reuses the compiled form and its result layout (as store.audit does).
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(:a, :b)")
_THIS_KEY = (_TABLE.c.user_id == bindparam("user_id"), _TABLE.c.key == bindparam("key"))
_FIND = select(_TABLE).where(*_THIS_KEY)
_FORGET = delete(_TABLE).where(*_THIS_KEY)
_STORE = insert(_TABLE)


class KeyReused(CartrialError):
    """The key was used for another request (409): a new request needs a new key."""

    def __init__(self, key: str, method: str, path: str, at: dt.datetime):
        self.field = HEADER
        super().__init__(
            f"{HEADER} {key!r} was used at {at.isoformat(timespec='seconds')} for another "
            f"request ({method} {path}, or a different body); send a new key for a new request"
        )


class KeyInFlight(CartrialError):
    """A request with the key is still running (409): retry once it has answered."""

    def __init__(self, key: str):
        self.field = HEADER
        super().__init__(
            f"a request with {HEADER} {key!r} is still being processed; "
            "retry after it has answered to get its reply"
        )


@dataclass(frozen=True)
class StoredReply:
    """What a successful request answered: status, media type and the body's bytes."""

    status_code: int
    media_type: str | None
    body: bytes


class Replay(Exception):
    """Raised by :meth:`RequestUnit.claim` when the key's stored reply answers the request."""

    def __init__(self, reply: StoredReply):
        self.reply = reply
        super().__init__("replayed")


class RequestSessions(sessionmaker[TrialSession]):
    """The session factory of a request sent with a key.

    Until the key is claimed it makes ordinary sessions (authentication reads on its
    own connection); afterwards every session joins the request's transaction as a
    SAVEPOINT, so each use case's commit or rollback stays its own and the COMMIT is
    the request's (module doc). ``kw["bind"]`` stays the engine.
    """

    def __init__(self, base: sessionmaker[TrialSession], unit: RequestUnit):
        # sessionmaker.__init__ would make a new Session subclass per request; the base's
        # class (with the audit listeners of its parent) and settings are reused as they are.
        self.kw = dict(base.kw)
        self.class_ = base.class_
        self.unit = unit

    def __call__(self, **local_kw: Any) -> TrialSession:
        connection = self.unit.connection
        if connection is not None:
            local_kw.setdefault("bind", connection)
            local_kw.setdefault("join_transaction_mode", "create_savepoint")
        return super().__call__(**local_kw)


def _lock_keys(user_id: str, key: str) -> tuple[int, int]:
    """Two signed 32-bit advisory lock keys from the user and key (a space apart from the
    audit chain's single 64-bit key)."""
    digest = hashlib.sha256(f"{user_id}\x00{key}".encode()).digest()
    return (
        int.from_bytes(digest[:4], "big", signed=True),
        int.from_bytes(digest[4:8], "big", signed=True),
    )


class RequestUnit:
    """One keyed request's database work: one connection, one transaction (module doc)."""

    def __init__(
        self,
        base: sessionmaker[TrialSession],
        *,
        key: str,
        fingerprint: str,
        method: str,
        path: str,
    ):
        self.base = base
        self.key = key
        self.fingerprint = fingerprint
        self.method = method
        self.path = path
        self.user_id: str | None = None
        self.connection: Connection | None = None
        self.sessions = RequestSessions(base, self)

    def claim(self, actor: Actor) -> None:
        """Begin the request's transaction and take the key for ``actor``.

        Raises :class:`Replay` with the stored reply, :class:`KeyReused` or
        :class:`KeyInFlight`; returns when the request is new (or its key expired).
        """
        if actor.user_id is None:
            raise CartrialError(f"{HEADER} needs a request signed in as a user")
        self.user_id = actor.user_id
        self.connection = connection = self.base.kw["bind"].connect()
        connection.begin()  # SQLite: BEGIN IMMEDIATE (store.db), the one write lock
        if connection.dialect.name == "postgresql":
            first, second = _lock_keys(actor.user_id, self.key)
            if not connection.execute(_TRY_LOCK, {"a": first, "b": second}).scalar():
                raise KeyInFlight(self.key)
        this = {"user_id": actor.user_id, "key": self.key}
        row = connection.execute(_FIND, this).first()
        if row is None:
            return
        if row.expires_at <= utcnow():
            connection.execute(_FORGET, this)
            return
        if row.request_sha256 != self.fingerprint:
            raise KeyReused(self.key, row.method, row.path, row.created_at)
        raise Replay(StoredReply(row.status_code, row.media_type, bytes(row.body)))

    def store(self, reply: StoredReply) -> None:
        """Insert the reply and COMMIT it with everything the request wrote."""
        connection = self.connection
        if connection is None or self.user_id is None:
            raise RuntimeError("store() before claim()")
        now = utcnow()
        connection.execute(
            _STORE,
            {
                "user_id": self.user_id,
                "key": self.key,
                "request_sha256": self.fingerprint,
                "method": self.method,
                "path": self.path,
                "status_code": reply.status_code,
                "media_type": reply.media_type,
                "body": reply.body,
                "created_at": now,
                "expires_at": now + KEEP_FOR,
            },
        )
        connection.commit()
        self.close()
        try:
            _purge_now_and_then(self.base)
        except Exception:  # the reply is committed; a failed purge is retried later
            logger.exception("purging expired idempotency keys failed")

    def close(self) -> None:
        """Commit what the request's use cases committed (no reply stored) and let go.

        Called on every way out: after :meth:`store` it has nothing left to do; after a
        refusal it keeps what the use case committed before refusing, as without a key.
        """
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            if connection.in_transaction():
                connection.commit()
        except Exception:
            connection.rollback()
            raise
        finally:
            connection.close()

    def rollback(self) -> None:
        """Roll back everything the request wrote and let go."""
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.rollback()
        finally:
            connection.close()


def purge_expired(base: sessionmaker[TrialSession], *, now: dt.datetime | None = None) -> int:
    """Delete every expired key in a transaction of its own; returns how many."""
    with base() as session, session.begin():
        result = session.connection().execute(
            delete(_TABLE).where(_TABLE.c.expires_at <= (now or utcnow()))
        )
        return int(result.rowcount or 0)


_last_purge = {"at": float("-inf")}
_purge_lock = threading.Lock()


def _purge_now_and_then(base: sessionmaker[TrialSession]) -> None:
    with _purge_lock:
        if time.monotonic() - _last_purge["at"] < PURGE_EVERY.total_seconds():
            return
        _last_purge["at"] = time.monotonic()
    purge_expired(base)
