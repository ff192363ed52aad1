"""Simulation scenarios: the patient-model parameters of one protocol, each with its source.

A scenario file (``cartrial/sim/scenarios/<protocol-id>.yaml``) holds every number
the patient model (:mod:`cartrial.sim.model`) draws from: the population, MSLN
positivity, screening failures, operations, CAR-T kinetics, CRS/ICANS, on-target
off-tumour toxicity, cytopenias, tumour dynamics, survival and visit adherence.
Every number is a mapping with its ``value`` and either ``source`` (a citation:
paper and table, or an entry of ``../shared/design/SIMULATOR_ANCHORS.md`` such as
"SIMULATOR_ANCHORS P9") or ``assumed: true`` with a one-line ``reason``, in the
style of the protocol files (:mod:`cartrial.protocol.provenance`).

Loading validates the whole file before anything is drawn: unknown keys,
impossible values (a probability above 1, a negative rate or variance, weights
that do not sum to 1) and values without provenance are refused with a
:class:`~cartrial.errors.ProtocolError` naming the file, line and field path,
parsed with the protocol loader's own YAML reader (duplicate keys refused).

Why by hand: no Python package describes CAR-T virtual-patient scenarios.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, ValidationError, model_validator

from cartrial.errors import NotFoundError, ProtocolError, format_location
from cartrial.protocol.load import (
    bundled_yaml_names,
    bundled_yaml_text,
    is_file_reference,
    nearest_line,
    parse_yaml_with_lines,
    read_yaml_file,
)
from cartrial.protocol.provenance import Provenance, StrictModel
from cartrial.sim.patients import SCREEN_FAILURE_REASONS
from cartrial.vocabulary import TumourType

__all__ = [
    "Scenario",
    "bundled_scenario",
    "bundled_scenario_ids",
    "load_scenario",
    "load_scenario_file",
    "parse_scenario_text",
]

_BUNDLED_PACKAGE = "cartrial.sim.scenarios"
_SUM_TOLERANCE = 1e-6


class Sourced(Provenance):
    """A value's provenance; unlike a protocol item, a scenario value must have one."""

    @model_validator(mode="after")
    def _needs_provenance(self) -> Sourced:
        if not (self.source and self.source.strip()) and not self.assumed:
            raise ValueError(
                "a value needs 'source' (a citation) or 'assumed: true' with a 'reason'"
            )
        return self


FiniteFloat = Annotated[float, Field(strict=True, allow_inf_nan=False)]
UnitFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.0, le=1.0)]
NonNegativeFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0.0)]
PositiveFloat = Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0.0)]


class Real(Sourced):
    """Any finite number."""

    value: FiniteFloat


class Probability(Sourced):
    """A probability (or a mixing weight) in [0, 1]."""

    value: UnitFloat


class NonNegative(Sourced):
    """A rate, hazard, exponent or SD: >= 0."""

    value: NonNegativeFloat


class Variance(Sourced):
    """A between-patient variance omega^2 (log or logit scale): >= 0."""

    value: NonNegativeFloat


class Positive(Sourced):
    """A typical value, median or scale: > 0."""

    value: PositiveFloat


class Count(Sourced):
    """A whole number >= 1."""

    value: Annotated[int, Field(strict=True, ge=1)]


class LogNormal(StrictModel):
    """Log-normal: ``median * exp(sigma_log * z)``."""

    median: Positive
    sigma_log: NonNegative


class Normal(StrictModel):
    """Normal, cut to [low, high] by clipping."""

    mean: Real
    sd: NonNegative
    low: Real
    high: Real

    @model_validator(mode="after")
    def _ordered(self) -> Normal:
        if self.low.value >= self.high.value:
            raise ValueError("'low' must be below 'high'")
        return self


class Typical(StrictModel):
    """A typical value with log-normal between-patient variability (omega^2 on the log scale)."""

    typical: Positive
    omega2: Variance


def _sums_to_one(weights: dict[Any, Probability], what: str) -> None:
    total = sum(w.value for w in weights.values())
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"the {what} must sum to 1 (they sum to {total:.6g})")


class Population(StrictModel):
    """Baseline characteristics of consented patients."""

    tumour_mix: dict[TumourType, Probability] = Field(min_length=1)
    age_years: Normal
    female_fraction: Probability
    weight_kg_female: LogNormal
    weight_kg_male: LogNormal
    height_cm_female: Normal
    height_cm_male: Normal
    ecog0_fraction: Probability  # among patients without an ECOG screen failure (others ECOG 1)
    ecog_failure_ecog3_fraction: Probability  # an ECOG screen failure has ECOG 3 (else 2)

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> Population:
        _sums_to_one(dict(self.tumour_mix), "tumour_mix weights")
        return self


class Msln(StrictModel):
    """MSLN IHC positivity by tumour type at the protocol's cut-off (SIMULATOR_ANCHORS 4.4)."""

    assay: str
    cut_off: str
    positivity: dict[TumourType, Probability] = Field(min_length=1)


_NON_MSLN_REASONS = tuple(r for r in SCREEN_FAILURE_REASONS if r not in ("", "msln_negative"))


class Screening(StrictModel):
    """Probability of each non-MSLN screen-failure reason (mutually exclusive; P16 overall)."""

    failure_probability: dict[str, Probability]

    @model_validator(mode="after")
    def _known_reasons(self) -> Screening:
        unknown = sorted(set(self.failure_probability) - set(_NON_MSLN_REASONS))
        if unknown:
            raise ValueError(
                f"unknown screen-failure reasons {unknown}; "
                f"expected some of {list(_NON_MSLN_REASONS)}"
            )
        total = sum(p.value for p in self.failure_probability.values())
        if total > 1.0 + _SUM_TOLERANCE:
            raise ValueError(f"the failure probabilities sum to {total:.6g}, above 1")
        return self


class Operations(StrictModel):
    """Apheresis, manufacturing, infusion and accrual."""

    consent_to_apheresis_days: LogNormal
    manufacturing_failure: Probability
    vein_to_vein_days: LogNormal
    withdrawal_before_infusion: Probability
    #: patients consented and screened per month at each site (arrivals)
    accrual_per_month_per_site: Positive
    n_sites: Count
    no_show_while_waiting: Probability


class CkReference(StrictModel):
    """Stein 2019 Table 1 typical values and omega^2 (tisagenlecleucel, B-ALL): P2."""

    cmax_copies_per_ug: Typical
    tmax_days: Typical
    fold_expansion: Typical
    alpha_per_day: Typical
    fraction_persisting: Typical  # omega2 on the logit scale
    beta_per_day: Typical
    residual_sd_log: NonNegative


class Kinetics(StrictModel):
    """CAR-T cellular kinetics: the heme reference scaled to a solid tumour (P1, P2, P6, P7)."""

    reference: CkReference
    cmax_log10_reduction: NonNegative
    fold_expansion_log10_reduction: NonNegative
    fraction_persisting_factor: Positive
    reference_dose_cells_per_kg: Positive
    dose_exponent: NonNegative
    lloq_copies_per_ug: Positive


class OrdinalToxicity(StrictModel):
    """Ordinal logit (P8): ``logit P(grade >= g) = theta_g + slope * log10(Cmax / Cmax_ref)``."""

    theta: list[Real] = Field(min_length=1, max_length=5)  # grades >= 1, >= 2, ...
    slope_per_log10_cmax: NonNegative
    onset_day: LogNormal
    duration_days: LogNormal
    tocilizumab_by_grade: list[Probability] = Field(default_factory=list, max_length=5)
    steroids_by_grade: list[Probability] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _decreasing(self) -> OrdinalToxicity:
        values = [t.value for t in self.theta]
        if any(b >= a for a, b in itertools.pairwise(values)):
            raise ValueError("'theta' must decrease with grade (P(grade >= g) falls with g)")
        for name in ("tocilizumab_by_grade", "steroids_by_grade"):
            given = getattr(self, name)
            if given and len(given) != 5:
                raise ValueError(f"'{name}' needs one probability per grade 1-5")
        return self


class Uniform(StrictModel):
    """Uniform on [low, high]."""

    low: NonNegative
    high: NonNegative

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low.value > self.high.value:
            raise ValueError("'low' must not be above 'high'")
        return self


class OffTumour(StrictModel):
    """On-target off-tumour toxicity (P10): ordinal logit on Cmax, onset uniform."""

    theta: list[Real] = Field(min_length=1, max_length=5)
    slope_per_log10_cmax: NonNegative
    onset_day: Uniform
    terms: dict[str, Probability] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid(self) -> OffTumour:
        values = [t.value for t in self.theta]
        if any(b >= a for a, b in itertools.pairwise(values)):
            raise ValueError("'theta' must decrease with grade (P(grade >= g) falls with g)")
        _sums_to_one(self.terms, "term probabilities")
        return self


class Cytopenias(StrictModel):
    """Nadirs after Flu/Cy lymphodepletion and recovery (days from infusion)."""

    anc_nadir_10e9_per_l: LogNormal
    platelet_nadir_10e9_per_l: LogNormal
    nadir_day: LogNormal
    nadir_to_recovery_days: LogNormal


class Tumour(StrictModel):
    """Stein/Wilkerson g-d model (P11-P14) and new lesions."""

    growth_per_day: Typical
    decay_per_day: Typical  # at Cmax_ref
    decay_cmax_exponent: NonNegative
    baseline_sld_mm: Typical
    n_target_lesions: dict[int, Probability] = Field(min_length=1)
    lesion_measurement_sd_mm: NonNegative
    new_lesion_hazard_per_day: NonNegative  # at the typical g
    new_lesion_growth_exponent: NonNegative

    @model_validator(mode="after")
    def _lesions(self) -> Tumour:
        bad = sorted(k for k in self.n_target_lesions if not 1 <= k <= 5)
        if bad:
            raise ValueError(f"n_target_lesions keys must be 1-5 (RECIST 1.1), got {bad}")
        _sums_to_one(dict(self.n_target_lesions), "n_target_lesions probabilities")
        return self


class Survival(StrictModel):
    """Death hazard linked to log g and the week-8 change in SLD; withdrawal and LTFU."""

    death_hazard_per_day: Positive  # at the typical g and no change at week 8
    log_hr_per_log_growth: Real  # P12
    log_hr_per_week8_change: Real
    withdrawal_hazard_per_day: NonNegative
    lost_to_follow_up_hazard_per_day: NonNegative
    horizon_days: Positive


class Visits(StrictModel):
    """Visit adherence (renderers draw per visit)."""

    missed_visit: Probability
    late_visit: Probability
    late_by_days: LogNormal


class Scenario(StrictModel):
    """The patient-model parameters for one protocol."""

    id: str
    protocol_id: str
    description: str
    dose_levels_cells_per_kg: list[Positive] = Field(default_factory=list)
    population: Population
    msln: Msln
    screening: Screening
    operations: Operations
    kinetics: Kinetics
    crs: OrdinalToxicity
    icans: OrdinalToxicity
    off_tumour: OffTumour
    cytopenias: Cytopenias
    tumour: Tumour
    survival: Survival
    visits: Visits

    @model_validator(mode="after")
    def _positivity_covers_mix(self) -> Scenario:
        missing = sorted(set(self.population.tumour_mix) - set(self.msln.positivity))
        if missing:
            raise ValueError(
                f"msln.positivity lacks tumour types of population.tumour_mix: {missing}"
            )
        return self


def parse_scenario_text(text: str, origin: str) -> Scenario:
    """Validate scenario YAML text; ``origin`` names it in error messages."""
    data, lines = parse_yaml_with_lines(text, origin)
    if not isinstance(data, dict):
        raise ProtocolError(origin, [("", 1, "a scenario file must be a YAML mapping")])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append((format_location(loc), nearest_line(lines, loc), message))
        raise ProtocolError(origin, problems) from exc


def load_scenario_file(path: Path) -> Scenario:
    """Load and validate a scenario file."""
    return parse_scenario_text(read_yaml_file(path), str(path))


def bundled_scenario_ids() -> list[str]:
    """Protocol ids with a bundled scenario, sorted."""
    return bundled_yaml_names(_BUNDLED_PACKAGE)


@functools.cache
def bundled_scenario(protocol_id: str) -> Scenario:
    """The bundled scenario of a protocol (validated once per process)."""
    if protocol_id not in bundled_scenario_ids():
        raise NotFoundError("scenario", protocol_id, bundled_scenario_ids())
    text = bundled_yaml_text(_BUNDLED_PACKAGE, protocol_id)
    return parse_scenario_text(text, f"{protocol_id}.yaml")


def load_scenario(id_or_path: str) -> Scenario:
    """A bundled scenario by protocol id, or a scenario file by path."""
    if is_file_reference(id_or_path):
        return load_scenario_file(Path(id_or_path))
    return bundled_scenario(id_or_path)
