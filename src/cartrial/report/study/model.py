"""The study report as data: numbered tables of typed cells, figures, sections.

Every cell may carry the rule or records it came from (``source``, shown as a tooltip)
and a link (``href``: a subject's casebook); every table and figure carries a footnote
naming the records it counts, the rule that produced it and the engine version. The
numbers (Table 1, Figure 1, ...) are given in document order by :func:`number`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["Block", "Cell", "Figure", "Paragraph", "Section", "StudyReport", "Table", "number"]


@dataclass(frozen=True)
class Cell:
    """One table cell: its text, where it came from, and a link where it names a subject."""

    text: str
    source: str | None = None
    href: str | None = None
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    """A numbered table (or listing) with its footnote."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    footnote: str
    listing: bool = False
    empty: str = "no records"
    number: int = 0

    @property
    def label(self) -> str:
        return f"{'Listing' if self.listing else 'Table'} {self.number}"


@dataclass(frozen=True)
class Figure:
    """A numbered figure: a PNG (embedded as base64 in the HTML) and its footnote."""

    key: str
    title: str
    png: bytes | None
    footnote: str
    empty: str = "no data to draw"
    number: int = 0

    @property
    def label(self) -> str:
        return f"Figure {self.number}"


@dataclass(frozen=True)
class Paragraph:
    """A statement in a section (e.g. "no DLT was observed")."""

    text: str


Block = Table | Figure | Paragraph


@dataclass(frozen=True)
class Section:
    number: int
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"section-{self.number}"


@dataclass(frozen=True)
class StudyReport:
    """The whole report: title-page facts (label, value, source) and the sections."""

    title: str
    title_page: list[tuple[str, str, str]]
    sections: list[Section]
    warnings: list[str]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def find(self, key: str) -> Table | Figure:
        """The table or figure with ``key`` (KeyError when absent)."""
        blocks: list[Table | Figure] = [*self.tables(), *self.figures()]
        for block in blocks:
            if block.key == key:
                return block
        raise KeyError(key)


def number(sections: list[Section]) -> list[Section]:
    """The sections with tables, listings and figures numbered in document order
    (tables and listings share one sequence, ICH E3 style "Table 14.3.1" kept simple)."""
    tables = figures = 0
    out = []
    for section in sections:
        blocks: list[Block] = []
        for b in section.blocks:
            if isinstance(b, Table):
                tables += 1
                blocks.append(replace(b, number=tables))
            elif isinstance(b, Figure):
                figures += 1
                blocks.append(replace(b, number=figures))
            else:
                blocks.append(b)
        out.append(replace(section, blocks=blocks))
    return out
