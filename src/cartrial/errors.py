"""One exception hierarchy for cartrial.

Every error a user can cause names the field, the value received and what was
expected, so the CLI (exit code 2), the web app and the reports can show it
without re-wording. Adapters map :class:`CartrialError` to their own error shape
in one place; domain code raises only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

__all__ = [
    "AuthenticationError",
    "CartrialError",
    "ConflictError",
    "DataLocked",
    "DuplicateError",
    "EnrolmentBlocked",
    "InfusionRefused",
    "InputError",
    "InvalidTransition",
    "MigrationError",
    "NotFoundError",
    "OpenProtocolItemsError",
    "PermissionDenied",
    "ProtocolError",
    "UnknownUnitError",
    "clean_location",
    "format_location",
    "input_error_from_validation",
]


class CartrialError(Exception):
    """Base class of every error cartrial raises on purpose."""


class InputError(CartrialError):
    """Bad input: names the field, the value received and what was expected."""

    def __init__(self, field: str, value: Any, expected: str, *, source: str | None = None):
        self.field = field
        self.value = value
        self.expected = expected
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(f"{where}field '{field}': got {value!r}, expected {expected}")


class UnknownUnitError(InputError):
    """A unit cartrial does not know for this quantity: never guessed, never case-folded.

    ``test`` names the analyte whose units were expected (``platelets``); unit
    symbols are case-sensitive (SI Brochure 9th ed. section 5.2), which the
    message says, so that ``g/L`` refused for a cell count reads as intended.
    """

    def __init__(
        self,
        field: str,
        unit: str,
        accepted: Iterable[str],
        *,
        test: str | None = None,
        litre_either_case: bool = False,
    ):
        self.accepted = sorted(set(accepted))
        self.test = test
        self.litre_either_case = litre_either_case
        if test is None:
            expected = "one of the units " + ", ".join(self.accepted)
        else:
            note = "; the litre may be written L or l" if litre_either_case else ""
            expected = (
                f"one of the units of {test}: {', '.join(self.accepted)} "
                f"(unit symbols are case-sensitive{note})"
            )
        super().__init__(field, unit, expected)

    def at(self, field: str) -> UnknownUnitError:
        """The same error naming another field (the caller knows the input's own name)."""
        return UnknownUnitError(
            field,
            str(self.value),
            self.accepted,
            test=self.test,
            litre_either_case=self.litre_either_case,
        )


class NotFoundError(CartrialError):
    """A named thing (protocol, dose level, subject) does not exist."""

    def __init__(self, what: str, name: str, known: Iterable[str] = ()):
        self.what = what
        self.name = name
        known_list = sorted(known)
        hint = f"; known: {', '.join(known_list)}" if known_list else ""
        super().__init__(f"unknown {what} {name!r}{hint}")


class ProtocolError(CartrialError):
    """A protocol file that does not validate; points at the YAML path and line."""

    def __init__(self, file: str, problems: Sequence[tuple[str, int | None, str]]):
        self.file = file
        self.problems = list(problems)
        lines = []
        for path, line, message in self.problems:
            at = f"{file}:{line}" if line is not None else file
            lines.append(f"{at}: {path or '(top level)'}: {message}")
        super().__init__("\n".join(lines))


class ConflictError(CartrialError):
    """Optimistic locking: a record changed since the writer read it (21 CFR 11.10(e)).

    Carries both values so the second writer sees what it would overwrite; nothing
    is written.
    """

    def __init__(
        self, *, table: str, record_id: str, field: str, yours: Any, theirs: Any, version: int
    ):
        self.table = table
        self.record_id = record_id
        self.field = field
        self.yours = yours
        self.theirs = theirs
        self.version = version
        super().__init__(
            f"{table} {record_id} was changed by someone else (now version {version}): "
            f"field '{field}' is now {theirs!r}, you wrote {yours!r}; reload and re-apply"
        )


class DuplicateError(ConflictError):
    """A value that must be unique is already recorded; the second record is not stored.

    21 CFR 11.10(e): a second writer never obscures what is recorded. ``field`` and
    ``value`` name the unique value (a collection id, a lot number, the subject of a
    death). ``stored`` and ``yours`` are the other fields of the record already there
    and of the one refused, given only when both belong to the same subject (the
    writer may read that record; another site's is not shown, as a read would be 404),
    and only the fields in which they differ.
    """

    def __init__(
        self,
        *,
        table: str,
        field: str,
        value: Any,
        existing_id: str | None,
        stored: dict[str, str | None] | None = None,
        yours: dict[str, str | None] | None = None,
    ):
        self.table = table
        self.record_id = existing_id or ""
        self.field = field
        self.value = value
        self.stored = stored
        self.yours = yours
        self.theirs = stored
        self.version = 0
        where = f"{table} {existing_id}" if existing_id else "another record"
        message = f"{table}: {field} {value!r} is already recorded ({where}"
        if stored is None or yours is None:
            message += ")"
        elif stored or yours:  # the fields that differ
            message += f": {_fields_text(stored)}); yours: {_fields_text(yours)}"
        else:
            message += ", with the same values)"
        CartrialError.__init__(self, message + "; nothing was stored")


def _fields_text(values: dict[str, str | None]) -> str:
    return ", ".join(f"{name} {value!r}" for name, value in values.items()) or "no other values"


class PermissionDenied(CartrialError):
    """The user's role at this site does not allow the action (21 CFR 11.10(d), (g))."""

    def __init__(self, *, action: str, role: str | None, site: str | None = None):
        self.action = action
        self.role = role
        self.site = site
        where = f" at site {site}" if site else ""
        super().__init__(f"role {role or '(none)'}{where} may not {action}")


class AuthenticationError(CartrialError):
    """Wrong user name or password, or a locked or inactive account (21 CFR 11.300)."""


class SignatureRefused(AuthenticationError):
    """A signature whose re-entered password was wrong (21 CFR 11.200(a)(1)).

    ``user_id`` names the signer whose failure counts towards the lock once the
    refused use case has rolled back (:func:`cartrial.services.context.transaction`);
    None when nothing is counted (the account is already locked).
    """

    def __init__(self, message: str, *, user_id: str | None) -> None:
        super().__init__(message)
        self.user_id = user_id


class InvalidTransition(CartrialError):
    """A subject status change the lifecycle does not allow (21 CFR 11.10(f))."""

    def __init__(self, *, subject: str, current: str, requested: str, allowed: Iterable[str]):
        self.subject = subject
        self.current = current
        self.requested = requested
        self.allowed = sorted(allowed)
        nxt = ", ".join(self.allowed) or "none (final status)"
        super().__init__(
            f"subject {subject}: status {current!r} cannot become {requested!r}; allowed: {nxt}"
        )


class InfusionRefused(CartrialError):
    """A safety interlock refused the infusion; every failed check is listed."""

    def __init__(self, reasons: Sequence[str]):
        self.reasons = list(reasons)
        super().__init__("infusion refused: " + "; ".join(self.reasons))


class EnrolmentBlocked(CartrialError):
    """Enrolment is not possible now (hold, escalation says wait, not signed eligible)."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(f"enrolment blocked: {reason}")


class DataLocked(CartrialError):
    """The subject's data are locked; changes need the lock lifted first."""

    def __init__(self, subject: str):
        self.subject = subject
        super().__init__(f"subject {subject}: data are locked")


class MigrationError(CartrialError):
    """A schema migration that cannot run, or whose result fails a check; nothing was changed."""


class OpenProtocolItemsError(CartrialError):
    """The protocol leaves open an item the computation needs (a sparse source)."""

    def __init__(
        self, protocol_id: str, items: list[str], purpose: str, listed: list[str] | None = None
    ):
        self.protocol_id = protocol_id
        self.items = items
        message = (
            f"protocol {protocol_id!r} leaves open what {purpose} needs: "
            + "; ".join(items)
            + " (its source does not state them)"
        )
        if listed:
            message += f"; the protocol file lists {len(listed)} open items (open_items)"
        super().__init__(message)


def format_location(loc: Sequence[int | str]) -> str:
    """Render a pydantic error location as a dotted path with list indices.

    >>> format_location(("labs", 2, "unit"))
    'labs[2].unit'
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def clean_location(loc: Sequence[int | str]) -> list[int | str]:
    """A pydantic error location without the parts that are not input fields.

    pydantic inserts the tag of a discriminated union ("age", "lab", ...) and
    function-validator names into the location.

    >>> clean_location(("history", "live_vaccine_date", "function-after[check(), date]"))
    ['history', 'live_vaccine_date']
    """
    return [p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))]


_clean_loc = clean_location


def input_error_from_validation(exc: ValidationError, *, source: str | None = None) -> InputError:
    """Turn the first error of a pydantic ``ValidationError`` into an :class:`InputError`."""
    first = exc.errors(include_url=False)[0]
    field = format_location(_clean_loc(first["loc"])) or "(record)"
    value = first.get("input")
    if isinstance(value, dict):
        value = "{...}"
    message = str(first["msg"])
    if first["type"] == "missing":
        return InputError(field, None, "a value (the field is required)", source=source)
    message = message.removeprefix("Value error, ")
    return InputError(field, value, message, source=source)
