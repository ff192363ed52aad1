"""Walking a protocol's provenance: which items are stated and which are assumed."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from cartrial.errors import format_location
from cartrial.protocol.model import Protocol
from cartrial.protocol.provenance import Provenance

__all__ = ["assumed_items", "provenance_items"]


def _walk(node: object, loc: tuple[int | str, ...]) -> Iterator[tuple[str, Provenance]]:
    if isinstance(node, Provenance):
        yield format_location(loc), node
    if isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _walk(getattr(node, name), (*loc, name))
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            yield from _walk(item, (*loc, index))
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _walk(item, (*loc, str(key)))


def provenance_items(protocol: Protocol) -> list[tuple[str, Provenance]]:
    """Every item with provenance, with its YAML path (``dose_levels[0]``), in file order."""
    return list(_walk(protocol, ()))


def assumed_items(protocol: Protocol) -> list[tuple[str, Provenance]]:
    """The items marked ``assumed: true`` (each has a one-line reason).

    >>> from cartrial.protocol import load_bundled
    >>> path, item = assumed_items(load_bundled("uclm802").protocol)[0]
    >>> path, item.reason is not None
    ('sites[0]', True)
    """
    return [(path, item) for path, item in provenance_items(protocol) if item.assumed]
