"""Optional dependencies: each is an extra of the package, named when it is missing.

``pip install cartrial`` installs what screening, dosing, escalation, safety, response and
kinetics need. These come with an extra (``pip install 'cartrial[all]'`` for every one):

- ``plots``: matplotlib (figures in the pages, ``kinetics plot``, ``escalation sweep --plot``);
- ``server``: uvicorn (``cartrial serve``);
- ``postgres``: the psycopg driver (a ``postgresql://`` database URL);
- ``parquet``: pyarrow (parquet sample tables);
- ``interop``: odmlib and lxml (CDISC ODM 1.3.2 export and import);
- ``cdisc``: pyreadstat, lxml, jsonschema (XPORT files, define.xml, Dataset-JSON validation).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from cartrial.errors import CartrialError

__all__ = ["EXTRAS", "MissingExtraError", "require"]

# module -> (extra, what it is needed for)
EXTRAS: dict[str, tuple[str, str]] = {
    "matplotlib": ("plots", "to draw figures"),
    "uvicorn": ("server", "to serve the REST API"),
    "psycopg": ("postgres", "to use a PostgreSQL database"),
    "pyarrow": ("parquet", "to read parquet tables"),
    "odmlib": ("interop", "to write and read CDISC ODM 1.3.2"),
    "pyreadstat": ("cdisc", "to write SAS XPORT files"),
    "lxml": ("cdisc", "to write define.xml and read CDISC ODM (also in [interop])"),
    "jsonschema": ("cdisc", "to validate Dataset-JSON files"),
}


class MissingExtraError(CartrialError, ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""

    def __init__(self, module: str) -> None:
        extra, purpose = EXTRAS[module]
        super().__init__(
            f"{module} is needed {purpose} but is not installed: "
            f"pip install 'cartrial[{extra}]' (or 'cartrial[all]')"
        )
        self.name = module


def require(module: str) -> ModuleType:
    """Import the optional ``module`` or raise :class:`MissingExtraError` naming its extra.

    >>> require("json").__name__
    'json'
    """
    top = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if top in EXTRAS and (exc.name or top).split(".")[0] == top:
            raise MissingExtraError(top) from exc
        raise
