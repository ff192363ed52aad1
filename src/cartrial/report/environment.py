"""The one Jinja environment of every page, table and report cartrial renders.

Templates live in ``cartrial/report/templates``; autoescaping is on and an undefined name is
an error (a template never prints an empty cell for a value it did not get). Filters shared by
templates are registered here, in one place.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

__all__ = ["ENVIRONMENT", "render"]

ENVIRONMENT = Environment(
    loader=PackageLoader("cartrial.report", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def render(template: str, **context: Any) -> str:
    """``template`` (a file under ``report/templates``) rendered with ``context``."""
    return ENVIRONMENT.get_template(template).render(**context)
