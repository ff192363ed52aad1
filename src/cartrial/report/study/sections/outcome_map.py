"""Section 10, the registry's outcome measures, each mapped to the table or figure that
answers it (:mod:`cartrial.report.study.outcomes`); none may be missing."""

from __future__ import annotations

from cartrial.report.study.model import Cell, Figure, Section, Table
from cartrial.report.study.outcomes import ANSWERS, PARTIAL
from cartrial.report.study.sections.common import Context

__all__ = ["outcome_section"]


def outcome_section(ctx: Context, numbered: list[Section]) -> Section:
    """The map, with the labels (Table n, Figure n) of the ``numbered`` sections."""
    protocol = ctx.data.analysis.protocol
    labels: dict[str, str] = {}
    for section in numbered:
        for b in section.blocks:
            if isinstance(b, Table | Figure):
                labels[b.key] = f"{b.label}: {b.title} (section {section.number})"
    answers = ANSWERS.get(protocol.id, {})
    rows = []
    for e in protocol.endpoints:
        keys = answers.get(e.id, ())
        found = [labels[k] for k in keys if k in labels]
        absent = [k for k in keys if k not in labels]
        text = "; ".join(found) if found else "NOT ANSWERED"
        if absent:
            text += f" (not in this report for lack of data: {', '.join(absent)})"
        if e.id in PARTIAL:
            text += f". Partial: {PARTIAL[e.id]}"
        rows.append(
            [
                Cell(e.id),
                Cell(e.type),
                Cell(e.name, source=e.description),
                Cell(e.time_frame),
                Cell(e.source or "-"),
                Cell(text, href=f"#{keys[0]}" if found else None),
            ]
        )
    table = Table(
        key="outcome_map",
        title=f"Registered outcome measures of {protocol.id} and the table or figure "
        "answering each",
        columns=[
            "Endpoint",
            "Type",
            "Outcome measure",
            "Time frame",
            "Registry source",
            "Answered by",
        ],
        rows=rows,
        footnote=ctx.note(
            f"the {len(protocol.endpoints)} endpoints of the protocol file "
            "(registry record as cited)",
            "report.study.outcomes.ANSWERS",
        ),
        empty="the protocol file lists no endpoint",
    )
    return Section(10, "Outcome measures and where the report answers them", [table])
