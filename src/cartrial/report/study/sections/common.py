"""What every section shares: the context (data, casebook links, engine line) and
number formatting (percentages half-up to one decimal, as the safety tables do)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from cartrial.display import significant
from cartrial.report.study.model import Cell
from cartrial.safety.tables import percent
from cartrial.services.study_report import StudyData

__all__ = ["Context", "count_pct", "fmt"]


@dataclass(frozen=True)
class Context:
    """The data and how a subject code links to its casebook (None: no link)."""

    data: StudyData
    link: Callable[[str], str | None]

    @property
    def engine(self) -> str:
        """The software that computed the report and the stored engine versions."""
        stored = sorted({v for vs in self.data.engine_versions.values() for v in vs})
        return f"cartrial {self.data.software_version}" + (
            f" (stored grades: {'; '.join(stored)})" if stored else ""
        )

    def subject(self, code: str) -> Cell:
        """A subject code, linked to the subject's casebook when the report has them."""
        href = self.link(code)
        return Cell(code, href=href, source=f"casebook of {code}: {href}" if href else None)

    def note(self, records: str, rule: str) -> str:
        """A footnote: the records counted, the rule, the engine version."""
        return f"Records: {records}. Rule: {rule}. Engine: {self.engine}."


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; "-" for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return significant(value, digits)


def count_pct(n: int, of: int) -> str:
    """``n (x.x%)`` of ``of``."""
    return f"{n} ({percent(n, of)}%)" if of else str(n)
