"""The application factory ``cartrial serve`` hands to uvicorn (one per worker process).

``$CARTRIAL_API_THREADS`` (default :data:`DEFAULT_THREADS`) caps the threads that
run requests in each worker, and sizes the worker's connection pool to match.
``$CARTRIAL_API_KEEP_ALIVE_REQUESTS`` (default
:data:`~cartrial.web.api.keep_alive.DEFAULT_KEEP_ALIVE_REQUESTS`) closes each
client connection after that many requests, so that clients spread evenly over
the workers (:mod:`cartrial.web.api.keep_alive`).
Few threads per process, more processes: a thread that holds the audit chain's
lock gets the interpreter back at once after each database round trip instead
of queueing behind dozens of others (docs/store.md, "Load").
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from cartrial.store import make_engine, make_sessionmaker
from cartrial.web.api.app import create_app
from cartrial.web.api.keep_alive import DEFAULT_KEEP_ALIVE_REQUESTS

__all__ = ["DEFAULT_THREADS", "app", "keep_alive_requests", "threads_per_worker"]

DEFAULT_THREADS = 2


def threads_per_worker() -> int:
    """``$CARTRIAL_API_THREADS`` as a positive integer, else :data:`DEFAULT_THREADS`."""
    raw = os.environ.get("CARTRIAL_API_THREADS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_THREADS


def keep_alive_requests() -> int:
    """``$CARTRIAL_API_KEEP_ALIVE_REQUESTS`` as a positive integer, else the default."""
    raw = os.environ.get("CARTRIAL_API_KEEP_ALIVE_REQUESTS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_KEEP_ALIVE_REQUESTS


def app() -> FastAPI:
    """The API on ``$CARTRIAL_DATABASE_URL`` (default ``cartrial.db``)."""
    threads = threads_per_worker()
    engine = make_engine(pool_size=threads + 1)
    return create_app(
        make_sessionmaker(engine), threads=threads, keep_alive_requests=keep_alive_requests()
    )
