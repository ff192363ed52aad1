"""The one Jinja environment of every page, table and report cartrial renders.

Templates live in ``cartrial/report/templates``; autoescaping is on (whatever a template's
name) and an undefined name is an error (a template never prints an empty cell for a value
it did not get). Filters shared by templates are registered here, in one place:

- ``site_time``: a stored UTC time on the site's clock with the UTC time beside it
  (:func:`cartrial.services.casebook.model.format_site_time`);
- ``css_string``: text for a double-quoted CSS string (the casebook's ``@page`` header);
- ``pretty_json``: stored JSON text indented for reading;
- ``verdict_label``: an eligibility verdict in a person's words
  (:func:`cartrial.eligibility.screen.verdict_label`).

Hand-written only where Jinja has no filter of its own; the two that need a domain or
service module import it when first used, so importing this module costs Jinja alone.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["ENVIRONMENT", "css_string", "pretty_json", "render"]

_CSS_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;-_()#/@")


def css_string(text: str) -> str:
    """``text`` for a double-quoted CSS string: anything but plain characters as a hex escape.

    CSS Syntax Level 3, section 4.3.7 (an escape is a backslash, hex digits and one space).

    >>> css_string('S-001 "</style>')
    'S-001 \\\\22 \\\\3c /style\\\\3e '
    """
    return "".join(c if c in _CSS_SAFE else f"\\{ord(c):x} " for c in text)


def pretty_json(text: str | None) -> str:
    """Stored JSON text indented for reading; anything else unchanged.

    >>> print(pretty_json('{"b": 1, "a": [2]}'))
    {
      "b": 1,
      "a": [
        2
      ]
    }
    """
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError:
        return text


def _site_time(moment: dt.datetime | str, time_zone: str) -> str:
    from cartrial.services.casebook.model import format_site_time

    return format_site_time(moment, time_zone)


def _verdict_label(verdict: str, kind: str) -> str:
    from cartrial.eligibility.screen import verdict_label

    return verdict_label(kind, verdict)


ENVIRONMENT = Environment(
    loader=PackageLoader("cartrial.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ENVIRONMENT.filters["site_time"] = _site_time
ENVIRONMENT.filters["css_string"] = css_string
ENVIRONMENT.filters["pretty_json"] = pretty_json
ENVIRONMENT.filters["verdict_label"] = _verdict_label


def render(template: str, **context: Any) -> str:
    """``template`` (a file under ``report/templates``) rendered with ``context``."""
    return ENVIRONMENT.get_template(template).render(**context)
