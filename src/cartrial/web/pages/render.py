"""A page rendered with the one Jinja environment (:mod:`cartrial.report.environment`).

Templates are ``report/templates/web_*.html.j2``. Every page gets the security
headers of :mod:`cartrial.web.pages.security`, the signed-in user (or None) and
the navigation for the user's role. A page about a site's subject or work names
the site and its time zone in the header (``site``, :func:`site_label`): times on
the page are that site's clock.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from cartrial.report.environment import render
from cartrial.web.pages.security import CSP, security_headers

__all__ = ["fragment", "page", "site_label"]


def site_label(code: str, time_zone: str) -> str:
    """The header's words for a site: its code and the IANA zone of its clock.

    >>> site_label("S01", "Europe/Madrid")
    'S01 · Europe/Madrid'
    """
    return f"{code} · {time_zone}"


def page(
    request: Request,
    template: str,
    *,
    status_code: int = 200,
    csp: str = CSP,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered as a whole page with the security headers."""
    html = render(template, request_path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code, headers=security_headers(csp))


def fragment(template: str, **context: Any) -> HTMLResponse:
    """A piece of a page swapped in by HTMX (same headers, no layout)."""
    return HTMLResponse(render(template, **context), headers=security_headers())
