"""Screening a subject against a protocol: one verdict per criterion, then the decision.

Per criterion (in the protocol's order):

- inclusion: rule true -> ``met``; false -> ``not_met``; unknown -> ``needs_review``;
- exclusion: the rule states the excluding condition as worded; true ->
  ``not_met`` (the subject is excluded), false -> ``met``, unknown -> ``needs_review``.

Shown to people (:func:`verdict_label`), an exclusion criterion reads "excluded" /
"not excluded" rather than "not met" / "met"; the stored verdicts keep met/not_met.

Overall: ``not_eligible`` when any criterion is not met; otherwise
``incomplete`` when any needs review (missing data or investigator judgement)
or the protocol's eligibility list is known to be incomplete; otherwise
``eligible``. A criterion the record cannot settle is never silently met.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Literal

from pydantic import BaseModel

from cartrial.eligibility.infusion import earliest_possible_infusion
from cartrial.eligibility.record import ScreeningRecord
from cartrial.eligibility.rules import evaluate_rule
from cartrial.protocol.criteria import Criterion
from cartrial.protocol.model import Protocol

__all__ = ["CriterionVerdict", "ScreeningResult", "screen_subject", "verdict_label"]

Verdict = Literal["met", "not_met", "needs_review"]
Decision = Literal["eligible", "not_eligible", "incomplete"]


_EXCLUSION_LABELS = {"met": "not excluded", "not_met": "excluded", "needs_review": "needs review"}


def verdict_label(kind: str, verdict: str) -> str:
    """The words a person reads for a verdict: exclusions say excluded / not excluded.

    >>> verdict_label("exclusion", "not_met"), verdict_label("exclusion", "met")
    ('excluded', 'not excluded')
    >>> verdict_label("inclusion", "not_met"), verdict_label("inclusion", "needs_review")
    ('not met', 'needs review')
    """
    if kind == "exclusion":
        return _EXCLUSION_LABELS.get(verdict, verdict.replace("_", " "))
    return verdict.replace("_", " ")


class CriterionVerdict(BaseModel):
    """One criterion's verdict with the reason quoting value and threshold."""

    id: str
    type: Literal["inclusion", "exclusion"]
    text: str
    verdict: Verdict
    reason: str
    interpretation: str | None = None
    assumed: bool = False

    @property
    def label(self) -> str:
        """The verdict as shown: "excluded" / "not excluded" for an exclusion criterion."""
        return verdict_label(self.type, self.verdict)


class ScreeningResult(BaseModel):
    """A subject's screening against one protocol version."""

    subject_id: str
    protocol_id: str
    protocol_version: str
    decision: Decision
    reason: str
    criteria: list[CriterionVerdict]

    def counts(self) -> dict[str, int]:
        """Number of criteria per verdict."""
        tally = Counter(c.verdict for c in self.criteria)
        return {v: tally.get(v, 0) for v in ("met", "not_met", "needs_review")}


def _verdict(
    criterion: Criterion,
    kind: Literal["inclusion", "exclusion"],
    record: ScreeningRecord,
    earliest: dt.date | None,
) -> CriterionVerdict:
    outcome = evaluate_rule(criterion.rule, record, earliest_infusion=earliest)
    if outcome.value is None:
        verdict: Verdict = "needs_review"
        reason = outcome.reason
    elif kind == "inclusion":
        verdict = "met" if outcome.value else "not_met"
        reason = outcome.reason
    else:
        verdict = "not_met" if outcome.value else "met"
        reason = ("excluded: " if outcome.value else "not present: ") + outcome.reason
    return CriterionVerdict(
        id=criterion.id,
        type=kind,
        text=criterion.text,
        verdict=verdict,
        reason=reason,
        interpretation=criterion.interpretation,
        assumed=criterion.assumed,
    )


def screen_subject(record: ScreeningRecord, protocol: Protocol) -> ScreeningResult:
    """Evaluate every inclusion and exclusion criterion of ``protocol`` for ``record``."""
    lead = earliest_possible_infusion(protocol, record.consent_date)
    earliest = None if lead is None else lead.date
    verdicts = [_verdict(c, "inclusion", record, earliest) for c in protocol.eligibility.inclusion]
    verdicts += [_verdict(c, "exclusion", record, earliest) for c in protocol.eligibility.exclusion]
    failed = [v.id for v in verdicts if v.verdict == "not_met"]
    review = [v.id for v in verdicts if v.verdict == "needs_review"]
    decision: Decision
    if failed:
        decision = "not_eligible"
        reason = f"{len(failed)} criteria not met: {', '.join(failed)}"
    elif review or not protocol.eligibility.complete:
        decision = "incomplete"
        parts = []
        if review:
            parts.append(f"{len(review)} criteria need investigator review: {', '.join(review)}")
        if not protocol.eligibility.complete:
            parts.append("the protocol's eligibility list is incomplete in its source")
        reason = "; ".join(parts)
    else:
        decision = "eligible"
        reason = f"all {len(verdicts)} criteria met"
    return ScreeningResult(
        subject_id=record.subject_id,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        decision=decision,
        reason=reason,
        criteria=verdicts,
    )
