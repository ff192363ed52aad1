"""Loading protocol files: bundled ones by id, any file by path, errors with YAML lines.

A validation error points at the YAML path and the line it starts on, names
what was expected and the value refused, for example ``uclm802.yaml:212:
eligibility.inclusion[6].rule.op: Input should be '<', '<=', '>' or '>=', not
'=>'``. PyYAML's node tree gives each path its line; pydantic gives the path of
each problem.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from cartrial.errors import NotFoundError, ProtocolError, format_location
from cartrial.protocol.model import Protocol

__all__ = [
    "LoadedProtocol",
    "bundled_ids",
    "load_bundled",
    "load_protocol",
    "load_protocol_file",
    "nearest_line",
    "parse_yaml_with_lines",
    "register_check",
]

_BUNDLED_PACKAGE = "cartrial.protocol.bundled"

# Checks other packages add (e.g. eligibility: every field a rule names exists in
# the screening record). Each returns (yaml path, message) pairs.
_CHECKS: list[Callable[[Protocol], list[tuple[tuple[int | str, ...], str]]]] = []


def register_check(check: Callable[[Protocol], list[tuple[tuple[int | str, ...], str]]]) -> None:
    """Add a cross-package consistency check run on every loaded protocol."""
    if check not in _CHECKS:
        _CHECKS.append(check)


class LoadedProtocol:
    """A validated protocol with the text it came from and that text's SHA-256."""

    def __init__(self, protocol: Protocol, text: str, origin: str):
        self.protocol = protocol
        self.text = text
        self.origin = origin
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()


def _line_map(
    node: yaml.Node, path: tuple[int | str, ...], out: dict[tuple[Any, ...], int]
) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key)] = key_node.start_mark.line + 1
            _line_map(value_node, (*path, key), out)
            out[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), out)


def _nearest_line(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _clean(loc: tuple[Any, ...]) -> tuple[Any, ...]:
    # Drop discriminator tags pydantic inserts for tagged unions ("lab", "all_of", ...).
    return tuple(p for p in loc if isinstance(p, int) or not _is_union_tag(p))


def _is_union_tag(part: str) -> bool:
    return part in _union_tags()


@functools.cache
def _union_tags() -> frozenset[str]:
    """The ``kind`` tags of the rule unions, which pydantic inserts into error locations."""
    from typing import get_args

    from cartrial.protocol import criteria, dlt

    tags: set[str] = set()
    for union in (criteria.Rule, dlt.DltRule):
        for member in get_args(get_args(union)[0]):
            tags.update(get_args(member.model_fields["kind"].annotation))
    return frozenset(tags)


def _duplicate_keys(
    node: yaml.Node, path: tuple[int | str, ...], out: list[tuple[str, int | None, str]]
) -> None:
    """Keys given twice in one mapping (PyYAML would silently keep the last one)."""
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first:
                out.append(
                    (
                        format_location((*path, key)),
                        line,
                        f"duplicate key {key!r} (first given on line {first[key]})",
                    )
                )
            else:
                first[key] = line
            _duplicate_keys(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _duplicate_keys(item, (*path, index), out)


def _refuse_aliases(text: str, origin: str) -> None:
    """Refuse YAML anchors and aliases (``&a`` / ``*a``) before anything is built.

    An alias shares a node; nested aliases multiply it ("billion laughs": nine levels of nine
    aliases are 387 million nodes), which every walk of the document would expand. A protocol
    or scenario file never needs them, so the first alias is an error naming its line, found
    by one linear pass over the parser's events.
    """
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark is not None else None
            raise ProtocolError(
                origin,
                [("", line, f"YAML alias *{event.anchor} (anchors and aliases are not accepted)")],
            )


def _parse(text: str, origin: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    try:
        _refuse_aliases(text, origin)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ProtocolError(origin, [("", line, f"not valid YAML: {exc}")]) from exc
    lines: dict[tuple[Any, ...], int] = {}
    if root is not None:
        duplicates: list[tuple[str, int | None, str]] = []
        _duplicate_keys(root, (), duplicates)
        if duplicates:
            raise ProtocolError(origin, duplicates)
        _line_map(root, (), lines)
    return data, lines


def parse_yaml_with_lines(text: str, origin: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML text, refusing duplicate keys; returns the data and each path's line.

    Other YAML files cartrial validates (simulation scenarios) use this parser, so they
    report errors the same way as protocol files.
    """
    return _parse(text, origin)


def nearest_line(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    """The line of ``loc``, or of its nearest enclosing path that has one."""
    return _nearest_line(lines, loc)


def parse_protocol_text(text: str, origin: str) -> LoadedProtocol:
    """Validate protocol YAML text; ``origin`` names it in error messages."""
    _register_default_checks()
    data, lines = _parse(text, origin)
    if not isinstance(data, dict):
        raise ProtocolError(origin, [("", 1, "a protocol file must be a YAML mapping")])
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = _clean(tuple(error["loc"]))
            message = str(error["msg"]).removeprefix("Value error, ")
            given = error.get("input")
            if error["type"] != "value_error" and isinstance(given, str | int | float | bool):
                message += f", not {given!r}"  # the value refused, beside what was expected
            problems.append((format_location(loc), _nearest_line(lines, loc), message))
        raise ProtocolError(origin, problems) from exc
    problems = []
    for check in _CHECKS:
        for loc, message in check(protocol):
            problems.append((format_location(loc), _nearest_line(lines, loc), message))
    if problems:
        raise ProtocolError(origin, problems)
    return LoadedProtocol(protocol, text, origin)


def read_yaml_file(path: Path) -> str:
    """The text of a YAML file, or a :class:`ProtocolError` naming the file and why not."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError(
            str(path), [("", None, f"cannot read the file ({exc.strerror})")]
        ) from exc
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            str(path), [("", None, f"not UTF-8 text (byte {exc.start}: {exc.reason})")]
        ) from exc


def bundled_yaml_names(package: str) -> list[str]:
    """The names (without ``.yaml``) of the YAML files shipped in ``package``, sorted."""
    folder = resources.files(package)
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def bundled_yaml_text(package: str, name: str) -> str:
    """The text of ``name``.yaml shipped in ``package``."""
    return resources.files(package).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def is_file_reference(id_or_path: str) -> bool:
    """Whether a command-line value names a file (ends in .yaml/.yml or exists), not an id."""
    return id_or_path.endswith((".yaml", ".yml")) or Path(id_or_path).is_file()


def load_protocol_file(path: Path) -> LoadedProtocol:
    """Load and validate a protocol file."""
    return parse_protocol_text(read_yaml_file(path), str(path))


def bundled_ids() -> list[str]:
    """Ids of the protocols shipped with cartrial, sorted."""
    return bundled_yaml_names(_BUNDLED_PACKAGE)


@functools.cache
def load_bundled(protocol_id: str) -> LoadedProtocol:
    """Load a bundled protocol by id (validated once per process)."""
    if protocol_id not in bundled_ids():
        raise NotFoundError("protocol", protocol_id, bundled_ids())
    text = bundled_yaml_text(_BUNDLED_PACKAGE, protocol_id)
    return parse_protocol_text(text, f"{protocol_id}.yaml")


def load_protocol(id_or_path: str) -> LoadedProtocol:
    """A bundled protocol by id, or a protocol file by path."""
    if is_file_reference(id_or_path):
        return load_protocol_file(Path(id_or_path))
    return load_bundled(id_or_path)


def _register_default_checks() -> None:
    from cartrial.eligibility.paths import check_protocol_fields

    register_check(check_protocol_fields)
