"""A trial's own ORR, DCR and CRS rate beside the pooled landscape for its target and route.

The trial's target is read from the protocol's titles and population (a mesothelin-directed
product names mesothelin or MSLN); its route from the protocol's infusion rule. Each pooled
row is the GLMM of :mod:`cartrial.landscape.pooling` over the review's trials that share the
target, the route class, or both, with the trials it rests on counted; where the review gives
too few counts the row says so instead of pooling.
"""

from __future__ import annotations

from dataclasses import dataclass

from cartrial.landscape.analysis import Outcome, studies_for
from cartrial.landscape.load import load_landscape
from cartrial.landscape.pooling import PooledProportion, pool_proportions
from cartrial.landscape.trials import LandscapeTrial, route_class
from cartrial.protocol.model import Protocol

__all__ = ["LandscapeComparison", "landscape_comparison", "trial_target"]

_TARGET_WORDS = {"MSLN": ("mesothelin", "msln")}


def trial_target(protocol: Protocol) -> str | None:
    """The antigen a protocol's product targets, when its titles or population name it."""
    text = " ".join(
        x for x in (protocol.title, protocol.official_title or "", protocol.population) if x
    ).lower()
    for target, words in _TARGET_WORDS.items():
        if any(w in text for w in words):
            return target
    return None


@dataclass(frozen=True)
class LandscapeComparison:
    """One outcome of the landscape pooled over one group of trials."""

    outcome: Outcome
    group: str
    trials: int
    pooled: PooledProportion | None
    excluded: int
    note: str


def landscape_comparison(protocol: Protocol) -> list[LandscapeComparison]:
    """ORR and DCR (and CRS where counted) pooled over the trials like this one."""
    target = trial_target(protocol)
    route = protocol.infusion.route if protocol.infusion is not None else None
    klass = None if route is None else route_class("IV" if route == "IV" else route)
    trials = list(load_landscape().trials)
    groups: list[tuple[str, list[LandscapeTrial]]] = []
    if target is not None:
        groups.append((f"{target}, any route", [t for t in trials if target in t.targets]))
    if klass is not None:
        groups.append((f"{klass} route, any target", [t for t in trials if t.route_class == klass]))
    if target is not None and klass is not None:
        same = [t for t in trials if target in t.targets and t.route_class == klass]
        groups.append((f"{target}, {klass} route", same))
    outcomes: tuple[Outcome, ...] = ("orr", "dcr", "crs")
    out: list[LandscapeComparison] = []
    for outcome in outcomes:
        for label, group in groups:
            studies, excluded = studies_for(group, outcome)
            if len(studies) < 2:
                note = f"{len(studies)} of {len(group)} trials with a count: not pooled"
                out.append(
                    LandscapeComparison(outcome, label, len(studies), None, len(excluded), note)
                )
                continue
            pooled = pool_proportions(studies, model="glmm")
            out.append(
                LandscapeComparison(
                    outcome, label, len(studies), pooled, len(excluded), pooled.rule
                )
            )
    return out
