"""One trial of the landscape as the review reports it, with where each value comes from.

Fields follow ``../shared/design/SIMULATOR_ANCHORS.md`` section 7 (one row per trial, or per
route where the review separates them; counts beside the reported percentages so that pooling
uses exact binomial data; every inconsistency of the source kept as a flag). Source: Guo et al.
2025, Front. Oncol. 15:1652329, Table 2 and sections 4.2-4.11.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "LOCOREGIONAL_ROUTES",
    "Count",
    "LandscapeTrial",
    "Median",
    "ReportedRate",
    "Route",
    "Toxicity",
    "route_class",
]

Route = Literal[
    "IV",
    "ICV",
    "intracavitary",
    "intrapleural",
    "intraperitoneal",
    "intratumoral",
    "hepatic_artery",
    "IV+hepatic_artery",
]

LOCOREGIONAL_ROUTES: frozenset[str] = frozenset(
    {"ICV", "intracavitary", "intrapleural", "intraperitoneal", "intratumoral", "hepatic_artery"}
)
"""Delivery into the organ or cavity of the tumour (the review's local strategies, 5.3)."""

_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def route_class(route: str) -> Literal["IV", "locoregional", "mixed"]:
    """IV, locoregional (any route in :data:`LOCOREGIONAL_ROUTES`) or mixed (both in one trial)."""
    if route == "IV":
        return "IV"
    if route in LOCOREGIONAL_ROUTES:
        return "locoregional"
    return "mixed"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Count(_Frozen):
    """``events`` of ``n`` patients; ``basis`` says whether the review states the count or it was
    inferred from a percentage (the only count over the denominator that rounds to it)."""

    events: int = Field(ge=0)
    n: int = Field(ge=1)
    basis: Literal["stated", "inferred"]
    text: str = ""

    @model_validator(mode="after")
    def _events_within_n(self) -> Count:
        if self.events > self.n:
            raise ValueError(f"events {self.events} exceed n {self.n}")
        return self

    @property
    def proportion(self) -> float:
        return self.events / self.n


class Median(_Frozen):
    """A median survival time in months with its interval (``text`` says when it is a range)."""

    median_months: float = Field(gt=0, le=240)
    low: float | None = Field(default=None, ge=0)
    high: float | None = Field(default=None, ge=0)
    level: float | None = Field(default=None, gt=0, lt=1)
    text: str = ""


class Toxicity(_Frozen):
    """The principal toxicity as Table 2 prints it (``text``) and parsed."""

    term: str
    percent: float | None = Field(default=None, ge=0, le=100)
    grade: str | None = None
    text: str


class ReportedRate(_Frozen):
    """A rate as printed: a percentage, NR (not reported) or NSR (not separately reported)."""

    text: str
    percent: float | None
    missing: Literal["NR", "NSR"] | None

    @classmethod
    def parse(cls, text: str) -> ReportedRate:
        if text in ("NR", "NSR"):
            return cls(text=text, percent=None, missing=text)
        match = _PERCENT.match(text)
        if match is None:
            raise ValueError(f"{text!r} is not a percentage like '12.5%', 'NR' or 'NSR'")
        return cls(text=text, percent=float(match.group(1)), missing=None)


class LandscapeTrial(_Frozen):
    """One trial (or one route of a trial) of the review, every value traceable to ``source``."""

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    review_ref: int = Field(ge=1, description="the review's reference number")
    registry_id: str | None = None
    targets: tuple[str, ...] = Field(min_length=1)
    disease: str
    tumour_type: str
    route: Route
    phase: str
    n_treated: int = Field(ge=1)
    n_evaluable: int | None = Field(default=None, ge=1)
    in_table2: bool = True
    dcr_reported: str | None = None
    orr_reported: str | None = None
    orr: Count | None = None
    dcr: Count | None = None
    orr_text: Count | None = Field(default=None, description="the text's count where it differs")
    dcr_text: Count | None = Field(default=None, description="the text's count where it differs")
    n_cr: int | None = Field(default=None, ge=0)
    n_pr: int | None = Field(default=None, ge=0)
    n_sd: int | None = Field(default=None, ge=0)
    n_pd: int | None = Field(default=None, ge=0)
    crs_any: Count | None = None
    response_criteria: str | None = None
    tox_criteria: str | None = None
    principal_toxicity: Toxicity | None = None
    mpfs: Median | None = None
    mos: Median | None = None
    combination: str | None = None
    car_construct: str | None = None
    dose: str | None = None
    source: tuple[str, ...] = Field(min_length=1)
    flags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> LandscapeTrial:
        for name in ("dcr_reported", "orr_reported"):
            value = getattr(self, name)
            if value is not None:
                ReportedRate.parse(value)
        if self.in_table2 and (self.dcr_reported is None or self.orr_reported is None):
            raise ValueError("a Table 2 row needs dcr_reported and orr_reported as printed")
        for name in ("orr", "dcr", "orr_text", "dcr_text"):
            count = getattr(self, name)
            if count is not None and count.n > self.n_treated:
                raise ValueError(f"{name}.n {count.n} exceeds n_treated {self.n_treated}")
        return self

    @property
    def route_class(self) -> Literal["IV", "locoregional", "mixed"]:
        return route_class(self.route)

    @property
    def orr_as_reported(self) -> ReportedRate | None:
        return None if self.orr_reported is None else ReportedRate.parse(self.orr_reported)

    @property
    def dcr_as_reported(self) -> ReportedRate | None:
        return None if self.dcr_reported is None else ReportedRate.parse(self.dcr_reported)
