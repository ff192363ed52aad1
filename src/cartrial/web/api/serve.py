"""The application factory ``cartrial serve`` hands to uvicorn (one per worker process)."""

from __future__ import annotations

from fastapi import FastAPI

from cartrial.store import make_engine, make_sessionmaker
from cartrial.web.api.app import create_app


def app() -> FastAPI:
    """The API on ``$CARTRIAL_DATABASE_URL`` (default ``cartrial.db``)."""
    return create_app(make_sessionmaker(make_engine()))
