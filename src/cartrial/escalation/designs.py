"""Building a design: by name with parameters, or from a protocol's escalation section.

Allowed names and what each needs are declared here once (``DESIGNS``); the
CLI, the sweep and the live engine all build designs through
:func:`build_design`.

>>> build_design("boin", n_levels=5, target=0.3, cohort_size=3, n_cohorts=10).max_sample_size
30
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cartrial.errors import InputError
from cartrial.escalation.accelerated_titration import AcceleratedTitration
from cartrial.escalation.base import Design
from cartrial.escalation.boin import Boin
from cartrial.escalation.crm import Crm, compute_skeleton_lee_cheung
from cartrial.escalation.i3plus3 import I3Plus3
from cartrial.escalation.isotonic import MtdEstimator
from cartrial.escalation.three_plus_three import ThreePlusThree
from cartrial.protocol.model import THREE_PLUS_THREE_VARIANTS, Protocol

__all__ = [
    "DESIGNS",
    "THREE_PLUS_THREE_VARIANTS",
    "DesignOptions",
    "build_design",
    "design_from_protocol",
    "three_plus_three_variant",
]

#: Design names accepted by ``--design`` and what each is.
DESIGNS: dict[str, str] = {
    "3plus3": "3+3 (Storer 1989)",
    "atd": "accelerated titration then 3+3 (Simon et al. 1997)",
    "boin": "BOIN (Liu & Yuan 2015)",
    "i3plus3": "i3+3 (Liu, Wang & Ji 2020)",
    "crm": "CRM, power or logistic model (O'Quigley et al. 1990), TITE weights optional",
}

_PROTOCOL_NAMES = {
    "accelerated_titration_3plus3": "atd",
    "3plus3": "3plus3",
    "boin": "boin",
    "crm": "crm",
    "i3plus3": "i3plus3",
}


def three_plus_three_variant(mtd_requires_six: bool, deescalation_expands_lower_level: bool) -> str:
    """The textbook variant these two fields make, or a description of the hybrid."""
    for name, fields in THREE_PLUS_THREE_VARIANTS.items():
        if fields == (mtd_requires_six, deescalation_expands_lower_level):
            return name
    return (
        f"mtd_requires_six={str(mtd_requires_six).lower()}, deescalation_expands_lower_level="
        f"{str(deescalation_expands_lower_level).lower()} (neither textbook variant)"
    )


class DesignOptions(BaseModel):
    """Optional design parameters (defaults as published), validated once here."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mtd_requires_six: bool = True
    deescalation_expands_lower_level: bool = True
    switch_on_first_dlt: bool = True
    switch_on_nth_grade2_related: int | None = Field(default=2, ge=1)
    max_single_patient_levels: int | None = Field(default=None, ge=1)
    p_saf: float | None = Field(default=None, gt=0, lt=1)
    p_tox: float | None = Field(default=None, gt=0, lt=1)
    extra_safe: bool = False
    n_earlystop: int | None = Field(default=None, ge=1)
    bound_mtd: bool = False
    mtd_estimator: MtdEstimator = "patients"
    cutoff_eli: float = Field(default=0.95, gt=0, lt=1)
    eps1: float = Field(default=0.05, ge=0, lt=1)
    eps2: float = Field(default=0.05, ge=0, lt=1)
    skeleton: tuple[float, ...] | None = None
    skeleton_halfwidth: float = Field(default=0.05, gt=0, lt=0.5)
    prior_mtd_level: int | None = Field(default=None, ge=1)
    crm_model: Literal["power", "logistic"] = "power"
    prior_var: float = Field(default=1.34, gt=0)
    overdose_stop: bool = False
    crm_method: Literal["bayes", "mle"] = "bayes"
    coherent: bool = False


def build_design(
    name: str,
    *,
    n_levels: int,
    target: float | None = None,
    cohort_size: int | None = None,
    n_cohorts: int | None = None,
    start_level: int = 1,
    options: DesignOptions | None = None,
) -> Design:
    """A design by name (see ``DESIGNS``); errors name the missing or bad parameter."""
    opts = options or DesignOptions()
    if name not in DESIGNS:
        raise InputError("design", name, "one of " + ", ".join(DESIGNS))
    if not 1 <= start_level <= n_levels:
        raise InputError("start_level", start_level, f"a level in 1..{n_levels}")
    try:
        if name == "3plus3":
            return ThreePlusThree(
                n_levels=n_levels,
                start_level=start_level,
                mtd_requires_six=opts.mtd_requires_six,
                deescalation_expands_lower_level=opts.deescalation_expands_lower_level,
            )
        if name == "atd":
            return AcceleratedTitration(
                n_levels=n_levels,
                start_level=start_level,
                switch_on_first_dlt=opts.switch_on_first_dlt,
                switch_on_nth_grade2_related=opts.switch_on_nth_grade2_related,
                max_single_patient_levels=opts.max_single_patient_levels,
                mtd_requires_six=opts.mtd_requires_six,
                deescalation_expands_lower_level=opts.deescalation_expands_lower_level,
            )
        if target is None:
            raise InputError("target", None, f"a target DLT rate for {DESIGNS[name]}")
        cohort = cohort_size or 3
        if n_cohorts is None:
            raise InputError("n_cohorts", None, f"the number of cohorts for {DESIGNS[name]}")
        common = {
            "n_levels": n_levels,
            "start_level": start_level,
            "target": target,
            "cohort_size": cohort,
            "max_sample_size": cohort * n_cohorts,
        }
        if name in ("boin", "i3plus3"):
            interval = {
                "extra_safe": opts.extra_safe,
                "n_earlystop": opts.n_earlystop,
                "bound_mtd": opts.bound_mtd,
                "mtd_estimator": opts.mtd_estimator,
                "cutoff_eli": opts.cutoff_eli,
            }
            if name == "boin":
                return Boin(**common, **interval, p_saf=opts.p_saf, p_tox=opts.p_tox)  # type: ignore[arg-type]
            return I3Plus3(**common, **interval, eps1=opts.eps1, eps2=opts.eps2)  # type: ignore[arg-type]
        model = opts.crm_model
        skeleton = opts.skeleton or compute_skeleton_lee_cheung(
            target=target,
            halfwidth=opts.skeleton_halfwidth,
            prior_mtd_level=opts.prior_mtd_level or (n_levels + 1) // 2,
            n_levels=n_levels,
            model=model,
        )
        return Crm(
            **common,  # type: ignore[arg-type]
            skeleton=tuple(skeleton),
            model=model,
            prior_var=opts.prior_var,
            overdose_stop=opts.overdose_stop,
            method=opts.crm_method,
            coherent=opts.coherent,
        )
    except ValueError as exc:
        raise InputError("design parameters", name, str(exc)) from exc


def design_from_protocol(
    protocol: Protocol,
    *,
    design: str | None = None,
    target: float | None = None,
    cohort_size: int | None = None,
    n_cohorts: int | None = None,
    options: DesignOptions | None = None,
) -> Design:
    """The protocol's design (or ``design`` in its place), with the protocol's parameters.

    Command-line values override the protocol's; the protocol's accelerated
    titration and 3+3 options apply when the options are not given.
    """
    spec = protocol.escalation
    if not protocol.dose_levels:
        raise InputError("dose_levels", None, f"dose levels in protocol {protocol.id}")
    if design is None:
        if spec is None or spec.design not in _PROTOCOL_NAMES:
            found = None if spec is None else spec.design
            raise InputError(
                "escalation.design", found, "a protocol design cartrial runs, or --design"
            )
        design = _PROTOCOL_NAMES[spec.design]
    opts = options
    if opts is None:
        kwargs: dict[str, object] = {}
        if spec is not None and spec.three_plus_three is not None:
            # ``variant`` (if given) has already set the two fields (protocol.model).
            kwargs["mtd_requires_six"] = spec.three_plus_three.mtd_requires_six
            kwargs["deescalation_expands_lower_level"] = (
                spec.three_plus_three.deescalation_expands_lower_level
            )
        if spec is not None and spec.accelerated_titration is not None:
            at = spec.accelerated_titration
            kwargs["switch_on_first_dlt"] = at.switch_on_first_dlt
            kwargs["switch_on_nth_grade2_related"] = at.switch_on_nth_grade2_related
            kwargs["max_single_patient_levels"] = at.max_single_patient_levels
        if spec is not None and spec.interval_design is not None:
            iv = spec.interval_design
            kwargs |= {
                "p_saf": None if iv.p_saf is None else float(iv.p_saf),
                "p_tox": None if iv.p_tox is None else float(iv.p_tox),
                "cutoff_eli": float(iv.cutoff_eli),
                "extra_safe": iv.extra_safe,
                "n_earlystop": iv.n_earlystop,
                "bound_mtd": iv.bound_mtd,
                "eps1": float(iv.eps1),
                "eps2": float(iv.eps2),
                "mtd_estimator": iv.mtd_estimator,
            }
        if spec is not None and spec.crm is not None:
            c = spec.crm
            kwargs |= {
                "skeleton": None if c.skeleton is None else tuple(float(v) for v in c.skeleton),
                "crm_model": c.model,
                "prior_var": float(c.prior_var),
                "overdose_stop": c.overdose_stop,
                "crm_method": c.method,
                "coherent": c.coherent,
            }
        opts = DesignOptions.model_validate(kwargs)
    if target is None and spec is not None and spec.target_dlt_rate is not None:
        target = float(spec.target_dlt_rate)
    if cohort_size is None and spec is not None:
        cohort_size = spec.cohort_size
    if n_cohorts is None and spec is not None and spec.max_sample_size is not None:
        n_cohorts = max(spec.max_sample_size // (cohort_size or 3), 1)
    return build_design(
        design,
        n_levels=len(protocol.dose_levels),
        target=target,
        cohort_size=cohort_size,
        n_cohorts=n_cohorts,
        start_level=spec.start_level if spec is not None else 1,
        options=opts,
    )
