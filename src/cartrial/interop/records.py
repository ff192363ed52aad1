"""Imported form records, checked item by item, then written through the services at once.

REDCap rows and ODM ItemGroupData both become :class:`FormRecord` (subject code, form,
instance, item values as text, and where in the file they came from). :func:`check_records`
parses every value by its item's type and choices, checks what the services would refuse
(units by ``cartrial.units`` / ``cartrial.vitals``, grades, dates), and reports every problem
by record and field; :func:`write_records` writes nothing unless there is no problem, and
then writes every record through the same services a site's entries go through, inside one
database transaction (:func:`one_transaction`): a refusal by a service or the database rolls
all of them back. Times without a zone are the site's clock (``services.site_clock``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from cartrial.actor import Actor
from cartrial.errors import CartrialError
from cartrial.interop.forms import Form, Item
from cartrial.units import ANALYTES, check_unit
from cartrial.vitals import check_vital_sign

__all__ = [
    "FormRecord",
    "ImportProblem",
    "ImportReport",
    "PlannedWrite",
    "check_records",
    "one_transaction",
    "write_records",
]


@dataclass(frozen=True)
class FormRecord:
    """One record of one form for one subject, as the source file holds it."""

    subject_code: str
    form: Form
    values: dict[str, str]
    origin: str
    """Where it is in the file: 'row 7' (REDCap CSV), 'line 42' (ODM)."""
    instance: int | None = None


@dataclass(frozen=True)
class ImportProblem:
    """A value, field or record that cannot be imported, named so a data manager can find it."""

    origin: str
    subject_code: str
    form: str
    field: str
    value: str
    expected: str

    def __str__(self) -> str:
        return (
            f"{self.origin} (subject {self.subject_code or '?'}, {self.form}.{self.field}): "
            f"got {self.value!r}, expected {self.expected}"
        )


@dataclass(frozen=True)
class PlannedWrite:
    """A checked record: the service to call and its arguments (times still on the site clock)."""

    record: FormRecord
    arguments: dict[str, Any]


@dataclass
class ImportReport:
    """What an import found and did: problems (nothing written) or the records written."""

    checked: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)
    unmapped_fields: list[str] = field(default_factory=list)


def _parse(item: Item, raw: str) -> Any:
    text = raw.strip()
    if item.type in ("text",):
        return text
    if item.type == "choice":
        codes = [c for c, _ in item.choices]
        if text not in codes:
            raise ValueError(f"one of {', '.join(codes)}")
        return int(text) if item.argument == "reported_grade" else text
    if item.type == "boolean":
        if text.lower() in ("1", "yes", "y", "true"):
            return True
        if text.lower() in ("0", "no", "n", "false"):
            return False
        raise ValueError("1 or 0 (yes or no)")
    if item.type in ("float", "integer"):
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError("a number") from exc
        if not number.is_finite():
            raise ValueError("a finite number")
        if item.type == "integer" and number != number.to_integral_value():
            raise ValueError("a whole number")
        return number
    if item.type == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise ValueError("a date YYYY-MM-DD") from exc
    if item.type == "datetime":
        try:
            moment = dt.datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError as exc:
            raise ValueError("a date and time YYYY-MM-DD HH:MM") from exc
        if not 1900 <= moment.year <= 2100:
            raise ValueError("a date and time between 1900 and 2100")
        return moment
    raise AssertionError(item.type)


def _cross_checks(form: Form, args: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What the form's service would refuse, as (field, value, expected)."""
    problems: list[tuple[str, str, str]] = []
    try:
        if form.target == "lab" and args.get("test") in ANALYTES:
            check_unit(args["test"], args["unit"], field="unit")
        if form.target == "vital_sign":
            check_vital_sign(args["test"], args["value"], args["unit"])
    except CartrialError as exc:
        item = "lb_unit" if form.target == "lab" else "vs_value"
        problems.append((item, str(args.get("unit", "")), str(exc)))
    if form.target == "con_med" and args.get("end_date") and args["end_date"] < args["start_date"]:
        problems.append(("cm_end", args["end_date"].isoformat(), "a date on or after the start"))
    return problems


def check_records(records: list[FormRecord]) -> tuple[list[PlannedWrite], list[ImportProblem]]:
    """Every record parsed and checked; each problem names its record and field."""
    writes: list[PlannedWrite] = []
    problems: list[ImportProblem] = []
    for record in records:
        form = record.form
        found: list[ImportProblem] = []

        def problem(
            name: str,
            value: str,
            expected: str,
            record: FormRecord = record,
            found: list[ImportProblem] = found,
        ) -> None:
            found.append(
                ImportProblem(
                    record.origin, record.subject_code, record.form.name, name, value, expected
                )
            )

        if form.target is None:
            problem("(form)", form.name, "a form cartrial imports (the follow-up forms)")
        if not record.subject_code.strip():
            problem("record_id", "", "a subject code")
        args: dict[str, Any] = {}
        for item in form.items:
            raw = record.values.get(item.name, "")
            if not raw.strip():
                if item.required:
                    problem(item.name, raw, f"a value ({item.label} is required)")
                continue
            try:
                value = _parse(item, raw)
            except ValueError as exc:
                problem(item.name, raw, str(exc))
                continue
            if item.argument is not None:
                args[item.argument] = value
        if not found:
            for name, value, expected in _cross_checks(form, args):
                problem(name, value, expected)
        if found:
            problems.extend(found)
        else:
            writes.append(PlannedWrite(record, args))
    return writes, problems


@contextmanager
def one_transaction(sessions: sessionmaker[Any], reason: str) -> Iterator[sessionmaker[Any]]:
    """Sessions whose service transactions all join one database transaction.

    Each service still opens and commits its own session; here those commits are savepoints
    of one outer transaction on one connection (SQLAlchemy's "join a session into an external
    transaction" pattern, ``join_transaction_mode="create_savepoint"``), committed only when
    every write succeeded. ``reason`` is the audit reason of every entry written.
    """
    engine = sessions.kw["bind"]
    with engine.connect() as connection:
        outer = connection.begin()
        joined = sessionmaker(
            bind=connection,
            class_=sessions.class_,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
            info={"reason": reason},
        )
        try:
            yield joined
        except BaseException:
            outer.rollback()
            raise
        outer.commit()


def write_records(
    sessions: sessionmaker[Any], *, actor: Actor, reason: str, writes: list[PlannedWrite]
) -> dict[str, int]:
    """Write every checked record through its service, all in one transaction.

    Subject codes are looked up among the subjects the actor may see (another site's code is
    "not found", as in the API). Returns the number of records written per form.
    """
    from cartrial.services import followup, safety
    from cartrial.services.site_clock import clock_of
    from cartrial.store.models import Subject

    if not reason.strip():
        raise CartrialError("an import needs a reason (--reason), recorded with every entry")
    counts: dict[str, int] = {}
    with one_transaction(sessions, reason) as joined:
        with joined() as session:
            query = select(Subject)
            if actor.site_id is not None:
                query = query.where(Subject.site_id == actor.site_id)
            subjects = {s.code: s for s in session.scalars(query)}
            clocks = {code: clock_of(session, s) for code, s in subjects.items()}
        for write in writes:
            record = write.record
            subject = subjects.get(record.subject_code)
            if subject is None:
                raise CartrialError(
                    f"{record.origin}: subject {record.subject_code!r} not found at the importing "
                    "user's site(s); nothing was imported"
                )
            args = dict(write.arguments)
            for key, value in args.items():
                if isinstance(value, dt.datetime) and value.tzinfo is None:
                    args[key] = clocks[record.subject_code].to_utc(value, field=key)
            try:
                if record.form.target == "lab":
                    followup.record_lab(joined, actor=actor, subject_id=subject.id, **args)
                elif record.form.target == "vital_sign":
                    followup.record_vital(joined, actor=actor, subject_id=subject.id, **args)
                elif record.form.target == "adverse_event":
                    safety.record_adverse_event(joined, actor=actor, subject_id=subject.id, **args)
                elif record.form.target == "con_med":
                    followup.record_con_med(joined, actor=actor, subject_id=subject.id, **args)
            except CartrialError as exc:
                raise CartrialError(f"{record.origin}: {exc}; nothing was imported") from exc
            counts[record.form.name] = counts.get(record.form.name, 0) + 1
    return counts
