"""Opportunistic infections: the declared list behind "serious or opportunistic infection".

The AESI wording of the bundled protocols ("Serious or opportunistic infection",
``protocol/bundled/uclm802.yaml``; CLINICAL_RULES section 4) flags an infection
that is serious (ICH E2A criteria) or opportunistic. Opportunistic is read from
data, ``data/opportunistic_infections.yaml``: an organism (name or alias, any
case) and, for organisms that also cause common infections, a presentation
(candidaemia yes, oral thrush no). The list's sources and the fact that the
selection is assumed until a protocol's SAP states its own are in the file.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["OpportunisticOrganism", "load_opportunistic", "opportunistic_reason"]


class OpportunisticOrganism(BaseModel):
    """One organism of the declared list; ``presentations`` empty means any presentation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organism: str
    aliases: list[str] = Field(default_factory=list)
    presentations: list[str] = Field(default_factory=list)
    source: str = Field(min_length=1)


class _List(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    organisms: list[OpportunisticOrganism] = Field(min_length=1)


@functools.cache
def load_opportunistic() -> tuple[OpportunisticOrganism, ...]:
    """The bundled declared list, validated once per process."""
    text = (
        resources.files("cartrial.safety")
        .joinpath("data/opportunistic_infections.yaml")
        .read_text("utf-8")
    )
    return tuple(_List.model_validate(yaml.safe_load(text)).organisms)


def opportunistic_reason(pathogen: str | None, presentation: str | None) -> str | None:
    """Why the pathogen (in that presentation) is opportunistic, or ``None`` when it is not.

    >>> opportunistic_reason("PJP", None).split(" (")[0]
    'opportunistic organism Pneumocystis jirovecii'
    >>> opportunistic_reason("Candida albicans", "mucocutaneous") is None
    True
    """
    if not pathogen:
        return None
    name = pathogen.strip().casefold()
    for entry in load_opportunistic():
        if name not in {n.casefold() for n in [entry.organism, *entry.aliases]}:
            continue
        if not entry.presentations:
            return f"opportunistic organism {entry.organism} ({entry.source})"
        shown = (presentation or "").strip()
        if shown.casefold() in {p.casefold() for p in entry.presentations}:
            return f"opportunistic organism {entry.organism}, {shown} ({entry.source})"
        return None
    return None
