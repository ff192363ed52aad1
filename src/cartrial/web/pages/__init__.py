"""The web app for site staff: server-rendered pages (FastAPI + Jinja2 + HTMX) at ``/``.

Every page reads and writes through :mod:`cartrial.services` with the signed-in
actor, the same role and site checks as the REST API under ``/api/v1``
(:mod:`cartrial.web.pages.deps`); security in :mod:`cartrial.web.pages.security`;
templates are ``cartrial/report/templates/web_*.html.j2`` in the one Jinja
environment; static files (the stylesheet and a vendored htmx 2.0.4, 0BSD, from
the npm package ``htmx.org``) under ``/static``. See docs/web.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from cartrial.web.pages import (
    account,
    dashboard,
    events,
    exports,
    labs,
    login,
    oversight,
    product,
    queries,
    samples,
    screening,
    subject,
    syndromes,
    treatment,
    tumour,
    visits,
    vitals,
)

__all__ = ["STATIC", "install_pages", "router"]

STATIC = Path(__file__).resolve().parent.parent / "static"

router = APIRouter()
for _module in (
    login,
    dashboard,
    events,
    subject,
    screening,
    treatment,
    syndromes,
    queries,
    oversight,
    product,
    labs,
    visits,
    tumour,
    vitals,
    samples,
    exports,
    account,
):
    router.include_router(_module.router)


def install_pages(app: FastAPI) -> None:
    """Mount the pages at ``/`` and their static files at ``/static``."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
