"""Reading screening records (one file, a directory, JSON lines) and summarising a batch.

Every record is validated before any is screened, so a bad record stops the
batch with an error naming the file (and line) and the field, and nothing
partial is reported.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from pydantic import BaseModel, ValidationError

from cartrial.eligibility.record import ScreeningRecord
from cartrial.eligibility.screen import ScreeningResult, screen_subject
from cartrial.errors import InputError, input_error_from_validation
from cartrial.jsontext import parse_json_text, read_text_file
from cartrial.protocol.model import Protocol

__all__ = [
    "FailureReason",
    "ProtocolSummary",
    "load_screening_records",
    "screen_cohort",
    "summarise_screening",
]


def _validate(data: object, source: str) -> ScreeningRecord:
    try:
        return ScreeningRecord.model_validate(data)
    except ValidationError as exc:
        raise input_error_from_validation(exc, source=source) from exc


def _parse_json(text: str, source: str) -> object:
    return parse_json_text(text, source)


def load_screening_records(path: Path) -> list[ScreeningRecord]:
    """Records from a JSON file (one record or a list), a ``.jsonl`` file or a directory of JSON."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".json", ".jsonl"))
        if not files:
            raise InputError("path", str(path), "a directory holding .json or .jsonl records")
        return [record for file in files for record in load_screening_records(file)]
    text = read_text_file(path, field="path")
    if path.suffix == ".jsonl":
        records = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                where = f"{path}:{number}"
                records.append(_validate(_parse_json(line, where), where))
        return records
    data = _parse_json(text, str(path))
    if isinstance(data, list):
        return [_validate(item, f"{path}[{i}]") for i, item in enumerate(data)]
    return [_validate(data, str(path))]


def screen_cohort(
    records: list[ScreeningRecord], protocols: list[Protocol]
) -> list[ScreeningResult]:
    """Screen every record against every protocol (record-major order)."""
    return [screen_subject(r, p) for r in records for p in protocols]


class FailureReason(BaseModel):
    criterion_id: str
    text: str
    subjects: int


class ProtocolSummary(BaseModel):
    """Counts of decisions for one protocol and the criteria that most often fail."""

    protocol_id: str
    screened: int
    eligible: int
    not_eligible: int
    incomplete: int
    top_failures: list[FailureReason]
    top_reviews: list[FailureReason]


def _top(results: list[ScreeningResult], verdict: str, limit: int) -> list[FailureReason]:
    tally: Counter[str] = Counter()
    texts: dict[str, str] = {}
    for result in results:
        for c in result.criteria:
            if c.verdict == verdict:
                tally[c.id] += 1
                texts[c.id] = c.text
    return [
        FailureReason(criterion_id=cid, text=texts[cid], subjects=n)
        for cid, n in tally.most_common(limit)
    ]


def summarise_screening(results: list[ScreeningResult], *, top: int = 5) -> list[ProtocolSummary]:
    """One summary per protocol, in the order protocols first appear in ``results``."""
    by_protocol: dict[str, list[ScreeningResult]] = {}
    for result in results:
        by_protocol.setdefault(result.protocol_id, []).append(result)
    summaries = []
    for protocol_id, group in by_protocol.items():
        decisions = Counter(r.decision for r in group)
        summaries.append(
            ProtocolSummary(
                protocol_id=protocol_id,
                screened=len(group),
                eligible=decisions["eligible"],
                not_eligible=decisions["not_eligible"],
                incomplete=decisions["incomplete"],
                top_failures=_top(group, "not_met", top),
                top_reviews=_top(group, "needs_review", top),
            )
        )
    return summaries
