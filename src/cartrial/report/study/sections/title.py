"""Section 1, the title page: what was read, when, by which software, and whether the
cut is locked (an unlocked cut is stated, not refused: ICH E9 section 7.1 and ICH E3
section 9.7.1 ask that the data state at analysis be documented)."""

from __future__ import annotations

from cartrial.report.study.model import Cell, Paragraph, Section, Table
from cartrial.report.study.sections.common import Context

__all__ = ["title_facts", "title_section"]


def title_facts(ctx: Context) -> list[tuple[str, str, str]]:
    """(label, value, source) of the title page."""
    d = ctx.data
    s = d.analysis.summary
    who = ", ".join(d.unlocked[:20]) + (" ..." if len(d.unlocked) > 20 else "")
    lock = (
        f"locked: every one of the {len(d.records)} subjects has a data lock in force at the cut"
        if d.locked
        else f"NOT locked: {len(d.unlocked)} of {len(d.records)} subjects have no data lock "
        f"in force at the cut ({who}); figures may change"
    )
    after = (
        "none"
        if d.entries_after_cut == 0
        else f"{d.entries_after_cut} audit entries are later than the data cut: the report "
        "reads the records as stored, the engines use the cut"
    )
    return [
        ("Protocol", s.protocol_id, "protocol_version.protocol_id"),
        ("Protocol version", s.protocol_version, "latest registered protocol_version"),
        ("Protocol SHA-256", d.protocol_sha256, "protocol_version.sha256 of the registered text"),
        ("Data cut", s.data_cut.isoformat(), "--as-of, else the audit trail's last entry"),
        ("Data lock at the cut", lock, "data_lock: locked_at <= cut, lifted_at empty or later"),
        ("Records changed after the cut", after, "audit_entry.at > data cut"),
        (
            "Audit chain head read",
            f"entry {s.audit_head.seq}, sha256 {s.audit_head.sha256}",
            s.audit_head.rule,
        ),
        ("Read at (UTC)", d.read_at.isoformat(), "one read-only snapshot of the database"),
        ("Software", ctx.engine, "cartrial.__version__ and stored engine_version values"),
    ]


def title_section(ctx: Context) -> Section:
    facts = title_facts(ctx)
    table = Table(
        key="title",
        title="Report identification: protocol, data cut, lock status, audit chain, software",
        columns=["Item", "Value"],
        rows=[[Cell(label), Cell(value, source=source)] for label, value, source in facts],
        footnote=ctx.note(
            f"{len(ctx.data.records)} subjects of protocol {ctx.data.analysis.summary.protocol_id}",
            "as read from the database in one snapshot (services.study_report)",
        ),
    )
    blocks: list[Table | Paragraph] = [table]
    if not ctx.data.locked:
        blocks.insert(0, Paragraph("This data cut is not locked: the figures may still change."))
    return Section(1, "Title page", list(blocks))
