"""Controlled terminology of cartrial's CDISC datasets, shipped as data (``sdtm_ct.yaml``).

The codelists are a subset of CDISC SDTM Controlled Terminology package 2024-09-27
(:data:`CT_VERSION`), holding only the submission values the SDTM builders emit.
A term's NCI C-code is given where it is known exactly and left empty otherwise
(never guessed); sponsor additions to an extensible codelist are flagged
``extension`` (define.xml 2.1 ``def:ExtendedValue``). Written as data with a small
pydantic loader rather than a library because no maintained Python package ships
CDISC CT as importable data.
"""

from __future__ import annotations

import functools
from importlib.resources import files

import yaml
from pydantic import BaseModel, ConfigDict

__all__ = ["CT_VERSION", "Codelist", "Term", "codelist", "load_codelists"]


class Term(BaseModel):
    """One submission value of a codelist."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: str
    code: str | None = None
    decode: str | None = None
    extension: bool = False


class Codelist(BaseModel):
    """A codelist: its name, NCI code (where known), extensibility and terms."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    code: str | None = None
    extensible: bool
    terms: tuple[Term, ...]

    @property
    def values(self) -> frozenset[str]:
        """The submission values."""
        return frozenset(t.value for t in self.terms)


class _Package(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    codelists: dict[str, dict[str, object]]


@functools.cache
def load_codelists() -> dict[str, Codelist]:
    """Every shipped codelist by id (read once per process)."""
    text = files(__package__).joinpath("sdtm_ct.yaml").read_text(encoding="utf-8")
    package = _Package.model_validate(yaml.safe_load(text))
    return {
        cid: Codelist.model_validate({"id": cid, **body}) for cid, body in package.codelists.items()
    }


def _version() -> str:
    text = files(__package__).joinpath("sdtm_ct.yaml").read_text(encoding="utf-8")
    return str(yaml.safe_load(text)["version"])


CT_VERSION = _version()
"""The CDISC CT package the codelists come from (``SDTM CT 2024-09-27``)."""


def codelist(cid: str) -> Codelist:
    """The codelist ``cid``; KeyError names it when it is not shipped."""
    found = load_codelists().get(cid)
    if found is None:
        raise KeyError(f"no shipped codelist {cid!r}")
    return found
