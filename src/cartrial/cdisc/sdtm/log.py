"""The mapping log: every record or value a domain could not map, and why (issue 16).

Nothing is dropped silently: a stored record left out of a domain, a value left
empty where the IG expects one, and an unlocked data cut each become one
:class:`MappingEntry` naming the domain, the subject, the stored table, record id
and field, the value and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["MappingEntry", "MappingLog"]


@dataclass(frozen=True)
class MappingEntry:
    """One thing not mapped (or mapped with a gap), named precisely."""

    domain: str
    subject: str | None
    table: str
    record_id: str | None
    field: str
    value: str | None
    expected: str
    """What the domain expected, or why the value is not mapped."""

    def __str__(self) -> str:
        where = f"{self.table}/{self.record_id}" if self.record_id else self.table
        who = f" subject {self.subject}" if self.subject else ""
        return f"{self.domain}{who}: {where} field {self.field!r} = {self.value!r}: {self.expected}"


@dataclass
class MappingLog:
    """The entries of one build, in the order found."""

    entries: list[MappingEntry] = field(default_factory=list)

    def add(
        self,
        domain: str,
        *,
        table: str,
        field: str,
        value: object,
        expected: str,
        subject: str | None = None,
        record_id: str | None = None,
    ) -> None:
        text = None if value is None else str(value)
        self.entries.append(MappingEntry(domain, subject, table, record_id, field, text, expected))

    def for_domain(self, domain: str) -> list[MappingEntry]:
        return [e for e in self.entries if e.domain == domain]

    def __len__(self) -> int:
        return len(self.entries)
