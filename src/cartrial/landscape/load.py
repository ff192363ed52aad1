"""The shipped landscape dataset (``data/guo2025_trials.yaml``), validated when read."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from cartrial.errors import InputError
from cartrial.landscape.trials import LandscapeTrial

__all__ = ["Landscape", "load_landscape", "select_trials"]

DATA_FILE = "guo2025_trials.yaml"
SOURCE = "Guo et al. 2025, Front. Oncol. 15:1652329 (Table 2 and sections 4.2-4.11)"


class Landscape(BaseModel):
    """Every trial of the review and the notes that apply to the whole dataset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = SOURCE
    dataset_flags: tuple[str, ...]
    trials: tuple[LandscapeTrial, ...]


@cache
def load_landscape() -> Landscape:
    """The review's trials; a malformed shipped file is an error naming the trial and field."""
    text = resources.files("cartrial.landscape").joinpath("data", DATA_FILE).read_text("utf-8")
    raw = yaml.safe_load(text)
    try:
        landscape = Landscape(**raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"{DATA_FILE}:{where}", first.get("input"), first["msg"]) from exc
    ids = [t.id for t in landscape.trials]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"{DATA_FILE}:trials.id", duplicates, "unique trial ids")
    return landscape


def select_trials(
    trials: tuple[LandscapeTrial, ...], *, target: str | None = None, route: str | None = None
) -> list[LandscapeTrial]:
    """Trials with ``target`` among their targets and given ``route`` (case-insensitive).

    ``route`` matches a route (``intrapleural``) or a route class (``IV``, ``locoregional``).
    An unknown target or route is an error that lists the known ones.
    """
    chosen = list(trials)
    if target is not None:
        known = sorted({t for trial in trials for t in trial.targets})
        if target.lower() not in {t.lower() for t in known}:
            raise InputError("--target", target, f"one of {', '.join(known)}")
        chosen = [t for t in chosen if target.lower() in {x.lower() for x in t.targets}]
    if route is not None:
        routes = sorted({t.route for t in trials} | {"locoregional", "mixed"})
        if route.lower() not in {r.lower() for r in routes}:
            raise InputError("--route", route, f"one of {', '.join(routes)}")
        chosen = [t for t in chosen if route.lower() in (t.route.lower(), t.route_class.lower())]
    return chosen
