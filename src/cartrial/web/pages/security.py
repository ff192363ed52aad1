"""The pages' session cookie, CSRF tokens and response headers.

- **Session**: the login session of :mod:`cartrial.services.auth` (the API's own:
  same idle timeout, 21 CFR 11.300(d); same lockout), its token kept in a cookie
  that scripts cannot read (``HttpOnly``), sent only to this site
  (``SameSite=Strict``) and only over TLS when the page was served over TLS
  (``Secure``); OWASP Session Management Cheat Sheet, "Cookies".
- **CSRF**: every form carries a token bound to the session (OWASP CSRF Prevention
  Cheat Sheet, "Synchronizer token pattern", the stateless HMAC variant): the
  HMAC-SHA256 of a fixed label keyed by the session's secret, so a page of
  another site, which cannot read the HttpOnly cookie, cannot make one. The login
  form, before any session exists, uses the double-submit cookie pattern (a
  random value in a cookie and in the form, which must match).
- **Headers**: a Content-Security-Policy without ``'unsafe-inline'`` (CSP Level 3,
  W3C: scripts and styles only from this origin, no framing, forms post only
  here), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` and
  ``Cache-Control: no-store`` (pages hold patient data: OWASP, "Cache control").

Written here rather than taken from a library because it is three functions over
the session service that already exists; Starlette's ``SessionMiddleware`` would
keep a second, signed client-side session beside the audited server one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from cartrial.errors import PermissionDenied

__all__ = [
    "CASEBOOK_CSP",
    "CSP",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "check_csrf",
    "check_login_csrf",
    "clear_session_cookie",
    "csrf_token",
    "new_login_csrf",
    "security_headers",
    "set_session_cookie",
]

SESSION_COOKIE = "cartrial_session"
LOGIN_CSRF_COOKIE = "cartrial_login_csrf"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
#: The casebook is the printable report's own HTML (:mod:`cartrial.report.casebook`),
#: styled inline for printing; it runs no script at all.
CASEBOOK_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def security_headers(csp: str = CSP) -> dict[str, str]:
    """The headers of every page (module doc)."""
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
    }


def csrf_token(session_token: str) -> str:
    """The CSRF token of a session: HMAC-SHA256("csrf", key = the session's secret)."""
    key = session_token.encode("utf-8")
    return hmac.new(key, b"cartrial csrf v1", hashlib.sha256).hexdigest()


def check_csrf(session_token: str, sent: str | None) -> None:
    """Refuse a form whose CSRF token is missing or not this session's."""
    if not sent or not hmac.compare_digest(csrf_token(session_token), sent):
        raise PermissionDenied(action="submit this form (missing or stale CSRF token)", role=None)


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def check_login_csrf(request: Request, sent: str | None) -> None:
    """The login form's double-submit check: the cookie and the field must match."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise PermissionDenied(action="sign in (missing or stale CSRF token: reload)", role=None)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="strict", secure=_secure(request), path="/"
    )
