"""Pooled response rates of the landscape by route class and by target (issue 19).

Which trials enter a pool, and with which count, is decided here so that the CLI, the report
page and the tests agree: a trial enters with its Table 2 count (``orr`` / ``dcr``, stated or
inferred); a trial whose only count is the text's (``orr_text`` / ``dcr_text``) enters only when
``use_text_counts`` is set; a trial without a count is listed as excluded with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cartrial.errors import InputError
from cartrial.landscape.pooling import (
    Model,
    PooledProportion,
    Study,
    StudyEstimate,
    pool_proportions,
    study_estimates,
)
from cartrial.landscape.trials import Count, LandscapeTrial

__all__ = ["Outcome", "PooledGroup", "pooled_by", "studies_for"]

Outcome = Literal["orr", "dcr", "crs"]
GroupBy = Literal["route_class", "target", "all"]


@dataclass(frozen=True)
class PooledGroup:
    """One group's studies, exclusions and pooled estimate under each model."""

    outcome: Outcome
    group_by: GroupBy
    group: str
    studies: list[StudyEstimate]
    excluded: list[tuple[str, str]]
    pooled: dict[Model, PooledProportion]


def _count(trial: LandscapeTrial, outcome: Outcome, use_text_counts: bool) -> Count | None:
    if outcome == "crs":
        return trial.crs_any
    count: Count | None = getattr(trial, outcome)
    if count is None and use_text_counts:
        count = getattr(trial, f"{outcome}_text")
    return count


def studies_for(
    trials: list[LandscapeTrial], outcome: Outcome, *, use_text_counts: bool = False
) -> tuple[list[Study], list[tuple[str, str]]]:
    """The studies with a count for ``outcome`` and the trials left out, each with why."""
    studies: list[Study] = []
    excluded: list[tuple[str, str]] = []
    for trial in trials:
        count = _count(trial, outcome, use_text_counts)
        if count is None:
            reported = getattr(trial, f"{outcome}_reported", None)
            why = f"no count ({reported})" if reported else "no count reported"
            excluded.append((trial.id, why))
            continue
        studies.append(Study(trial.id, count.events, count.n))
    return studies, excluded


def _group_keys(trial: LandscapeTrial, group_by: GroupBy) -> list[str]:
    if group_by == "all":
        return ["all trials"]
    if group_by == "route_class":
        return [trial.route_class]
    return list(trial.targets)


def pooled_by(
    trials: list[LandscapeTrial],
    outcome: Outcome,
    *,
    group_by: GroupBy = "route_class",
    models: tuple[Model, ...] = ("glmm", "logit", "freeman_tukey"),
    use_text_counts: bool = False,
    confidence: float = 0.95,
) -> list[PooledGroup]:
    """Pooled ``outcome`` per group (a multi-target trial counts in each of its targets)."""
    if not trials:
        raise InputError("trials", 0, "at least one trial (check --target / --route)")
    groups: dict[str, list[LandscapeTrial]] = {}
    for trial in trials:
        for key in _group_keys(trial, group_by):
            groups.setdefault(key, []).append(trial)
    out: list[PooledGroup] = []
    for key in sorted(groups):
        studies, excluded = studies_for(groups[key], outcome, use_text_counts=use_text_counts)
        pooled = (
            {m: pool_proportions(studies, model=m, confidence=confidence) for m in models}
            if studies
            else {}
        )
        out.append(
            PooledGroup(
                outcome, group_by, key, study_estimates(studies, confidence), excluded, pooled
            )
        )
    return out
