"""The application factory ``cartrial serve`` hands to uvicorn (one per worker process).

``$CARTRIAL_API_THREADS`` (default :data:`DEFAULT_THREADS`) caps the threads that
run requests in each worker, and sizes the worker's connection pool to match.
``$CARTRIAL_API_KEEP_ALIVE_REQUESTS`` (default
:data:`~cartrial.web.api.keep_alive.DEFAULT_KEEP_ALIVE_REQUESTS`) closes each
client connection after that many requests, so that clients spread evenly over
the workers (:mod:`cartrial.web.api.keep_alive`).
``$CARTRIAL_API_MAX_BODY_BYTES`` (default
:data:`~cartrial.web.api.body_limit.DEFAULT_MAX_BODY_BYTES`, 1 MiB) refuses a larger
request body with a 413 before it is read (:mod:`cartrial.web.api.body_limit`).
Few threads per process, more processes: a thread that holds the audit chain's
lock gets the interpreter back at once after each database round trip instead
of queueing behind dozens of others (docs/store.md, "Load").
"""

from __future__ import annotations

import gc
import os

from fastapi import FastAPI

from cartrial.report.environment import ENVIRONMENT
from cartrial.store import make_engine, make_sessionmaker
from cartrial.web.api.app import create_app
from cartrial.web.api.body_limit import DEFAULT_MAX_BODY_BYTES
from cartrial.web.api.keep_alive import DEFAULT_KEEP_ALIVE_REQUESTS

__all__ = [
    "DEFAULT_THREADS",
    "app",
    "keep_alive_requests",
    "max_body_bytes",
    "threads_per_worker",
    "tune_garbage_collector",
]

DEFAULT_THREADS = 2


def _positive_int_setting(name: str, default: int) -> int:
    """``$name`` as a positive integer, else ``default``."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def threads_per_worker() -> int:
    """``$CARTRIAL_API_THREADS`` as a positive integer, else :data:`DEFAULT_THREADS`."""
    return _positive_int_setting("CARTRIAL_API_THREADS", DEFAULT_THREADS)


def keep_alive_requests() -> int:
    """``$CARTRIAL_API_KEEP_ALIVE_REQUESTS`` as a positive integer, else the default."""
    return _positive_int_setting("CARTRIAL_API_KEEP_ALIVE_REQUESTS", DEFAULT_KEEP_ALIVE_REQUESTS)


def max_body_bytes() -> int:
    """``$CARTRIAL_API_MAX_BODY_BYTES`` as a positive integer, else 1 MiB."""
    return _positive_int_setting("CARTRIAL_API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)


def app() -> FastAPI:
    """The API on ``$CARTRIAL_DATABASE_URL`` (default ``cartrial.db``), in a serving worker."""
    threads = threads_per_worker()
    engine = make_engine(pool_size=threads + 1)
    served = create_app(
        make_sessionmaker(engine),
        threads=threads,
        keep_alive_requests=keep_alive_requests(),
        max_body_bytes=max_body_bytes(),
    )
    # The templates are the installed package's files: no stat of each one per render.
    ENVIRONMENT.auto_reload = False
    tune_garbage_collector()
    return served


def tune_garbage_collector() -> None:
    """Keep the worker's garbage collector off the requests' path.

    What start-up made (modules, the app, compiled statements) lives as long as the
    process: :func:`gc.freeze` leaves it out of every later full collection, which
    otherwise walks it all and stalls the worker's requests (measured: full passes
    of 43-140 ms). A request allocates thousands of short-lived objects; collecting
    the youngest generation every 50,000 net allocations instead of 700 takes the
    collector off most requests (p99 at 1 worker x 3 threads: 92-93 ms against
    96-101 ms; docs/store.md, Load).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
