"""The audit trail replayed and compared with every table's current rows.

The hash chain (:func:`cartrial.store.audit.verify_chain`) proves the trail was not edited;
it cannot see a change made to a table without going through cartrial (direct SQL, a restored
file, a disabled trigger). Replaying the trail does: each record's insert entry holds all its
values, each update entry one field's new value, so the trail says what every row must hold
now. A row the trail never inserted, a record it inserted that is gone, and a field whose
stored value differs from the trail's are each named with the table, record, field and both
values (21 CFR 11.10(e): every change recorded; TRIAL_DATA.md section 2).

Limits: a redacted field (password and token hashes) is compared as "[redacted]" on both sides;
a column added by a later migration to rows inserted before it has no value in their insert
entry and is not compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.store.audit import record_values
from cartrial.store.models import AuditEntry, Record

__all__ = ["Discrepancy", "ReplayReport", "replay_trail"]


@dataclass(frozen=True)
class Discrepancy:
    """One difference between a table and its audit trail."""

    table: str
    record_id: str
    field: str | None
    in_table: str | None
    in_trail: str | None
    problem: str

    def describe(self) -> str:
        where = f"{self.table} {self.record_id}" + (f" {self.field}" if self.field else "")
        if self.field is None:
            return f"{where}: {self.problem}"
        return f"{where}: the table holds {self.in_table!r}, the trail gives {self.in_trail!r}"


@dataclass
class ReplayReport:
    records: int = 0
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.discrepancies

    def describe(self, limit: int = 20) -> str:
        if self.matches:
            return f"every table matches its audit trail: {self.records} records replayed"
        lines = [
            f"{len(self.discrepancies)} differences between the tables and the audit trail "
            "(changes made without cartrial):"
        ]
        lines += [f"  {d.describe()}" for d in self.discrepancies[:limit]]
        if len(self.discrepancies) > limit:
            lines.append(f"  ... and {len(self.discrepancies) - limit} more")
        return "\n".join(lines)


def _record_classes() -> list[type[Record]]:
    out = []
    for mapper in Record.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Record) and not cls.__dict__.get("__abstract__", False):
            out.append(cls)
    return sorted(out, key=lambda c: c.__tablename__)


def replay_trail(session: Session) -> ReplayReport:
    """Every audited table compared with the state its trail replays to."""
    classes = _record_classes()
    tables = {c.__tablename__ for c in classes}
    expected: dict[tuple[str, str], dict[str, str | None]] = {}
    entries = (
        select(AuditEntry.action, AuditEntry.table_name, AuditEntry.record_id, AuditEntry.field,
               AuditEntry.new_value)
        .where(AuditEntry.table_name.in_(tables), AuditEntry.action.in_(("insert", "update")))
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=5000)
    )  # fmt: skip
    report = ReplayReport()
    for action, table, record_id, field_name, new_value in session.execute(entries):
        key = (table, record_id)
        if action == "insert":
            expected[key] = json.loads(new_value) if new_value else {}
        elif key in expected and field_name is not None:
            expected[key][field_name] = new_value
        else:
            report.discrepancies.append(
                Discrepancy(
                    table,
                    record_id,
                    field_name,
                    None,
                    new_value,
                    "the trail changes a record it never inserted",
                )
            )
    seen: set[tuple[str, str]] = set()
    for cls in classes:
        for obj in session.scalars(select(cls).execution_options(yield_per=2000)):
            key = (cls.__tablename__, obj.id)
            seen.add(key)
            report.records += 1
            trail = expected.get(key)
            if trail is None:
                report.discrepancies.append(
                    Discrepancy(
                        key[0], key[1], None, None, None, "a row the audit trail never inserted"
                    )
                )
                continue
            for name, value in record_values(obj).items():
                if name in trail and trail[name] != value:
                    report.discrepancies.append(
                        Discrepancy(key[0], key[1], name, value, trail[name], "changed")
                    )
    for key in sorted(set(expected) - seen):
        report.discrepancies.append(
            Discrepancy(
                key[0], key[1], None, None, None, "inserted by the trail but no longer in the table"
            )
        )
    return report
