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
from cartrial.services.trial_model import Proportion

__all__ = ["Context", "count_pct", "fmt", "level_name", "proportion_cells", "subject_cells"]


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
        return Cell(code, href=self.link(code), source=f"subject {code}: its casebook")

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


def level_name(level: object) -> str:
    return "unassigned" if level in (None, "", "None") else f"DL{level}"


def proportion_cells(p: Proportion) -> list[Cell]:
    """n, responders, estimate %, exact 95% CI as cells carrying the rule."""
    if p.n == 0 or p.estimate is None:
        return [Cell("0", numeric=True), Cell("0", numeric=True), Cell("-"), Cell("-")]
    ci = f"{100 * (p.lower or 0):.1f}-{100 * (p.upper or 0):.1f}"
    return [
        Cell(str(p.n), numeric=True, source=", ".join(p.subjects) or None),
        Cell(str(p.responders), numeric=True),
        Cell(f"{100 * p.estimate:.1f}", numeric=True, source=p.rule),
        Cell(ci, numeric=True, source="exact Clopper-Pearson 95% CI (Biometrika 1934)"),
    ]


def subject_cells(ctx: Context, codes: list[str]) -> list[Cell]:
    return [ctx.subject(c) for c in codes]
