"""BOIN: the Bayesian optimal interval design.

Source: Liu S, Yuan Y. Bayesian optimal interval designs for phase I clinical
trials. J R Stat Soc C 2015;64:507-523, section 2 (the boundaries) and Table 1
(boundaries for targets 0.15-0.40); conduct as in Yuan Y, Hess KR,
Hilsenbeck SG, Gilbert MR, Clin Cancer Res 2016;22:4291-4301.

With target ``phi``, ``phi1 = p_saf`` (default 0.6 phi, the highest rate
deemed sub-therapeutic) and ``phi2 = p_tox`` (default 1.4 phi, the lowest rate
deemed overly toxic), the escalation and de-escalation boundaries are::

    lambda_e = log((1 - phi1) / (1 - phi)) / log(phi (1 - phi1) / (phi1 (1 - phi)))
    lambda_d = log((1 - phi) / (1 - phi2)) / log(phi2 (1 - phi) / (phi (1 - phi2)))

At the current level with ``y`` DLTs in ``n`` patients: escalate if
``y / n <= lambda_e``, de-escalate if ``y / n >= lambda_d``, otherwise stay.
Elimination, extra-safe stop, cap per level and isotonic MTD selection (with
its tie rule and ``bound_mtd``: the selected MTD's isotonic estimate must be
below ``lambda_d``) are in :mod:`cartrial.escalation.interval` and
:mod:`cartrial.escalation.isotonic`.

Why not a library: see :mod:`cartrial.escalation.base`. The R package BOIN
informed the reference numbers in the tests, not the code.

>>> lam_e, lam_d = compute_boin_boundaries(target=0.3)
>>> round(lam_e, 4), round(lam_d, 4)
(0.2365, 0.3585)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel
from scipy.stats import beta

from cartrial.errors import InputError
from cartrial.escalation.base import IntArray
from cartrial.escalation.interval import (
    CODE_DEESCALATE,
    CODE_ESCALATE,
    CODE_STAY,
    IntervalDesign,
)

__all__ = ["Boin", "BoundaryTable", "compute_boin_boundaries", "compute_boundary_table"]


def compute_boin_boundaries(
    *, target: float, p_saf: float | None = None, p_tox: float | None = None
) -> tuple[float, float]:
    """``(lambda_e, lambda_d)`` of Liu & Yuan 2015 (formulas in the module docstring)."""
    phi = target
    phi1 = 0.6 * phi if p_saf is None else p_saf
    phi2 = 1.4 * phi if p_tox is None else p_tox
    if not 0 < phi < 1:
        raise InputError("target", target, "a DLT rate strictly between 0 and 1")
    if not 0 < phi1 < phi:
        raise InputError("p_saf", phi1, f"a rate between 0 and the target {phi}")
    if not phi < phi2 < 1:
        raise InputError("p_tox", phi2, f"a rate between the target {phi} and 1")
    lam_e = math.log((1 - phi1) / (1 - phi)) / math.log(phi * (1 - phi1) / (phi1 * (1 - phi)))
    lam_d = math.log((1 - phi) / (1 - phi2)) / math.log(phi2 * (1 - phi) / (phi * (1 - phi2)))
    return lam_e, lam_d


class BoundaryTable(BaseModel):
    """BOIN boundaries per number of patients treated at a level."""

    target: float
    lambda_e: float
    lambda_d: float
    n: list[int]
    escalate_if_at_most: list[int]
    deescalate_if_at_least: list[int]
    eliminate_if_at_least: list[int | None]


def compute_boundary_table(
    *,
    target: float,
    cohort_size: int,
    n_cohorts: int,
    p_saf: float | None = None,
    p_tox: float | None = None,
    cutoff_eli: float = 0.95,
) -> BoundaryTable:
    """Count boundaries at n = cohort_size, 2 cohort_size, ... (elimination from n = 3).

    >>> t = compute_boundary_table(target=0.3, cohort_size=3, n_cohorts=2)
    >>> t.escalate_if_at_most, t.deescalate_if_at_least, t.eliminate_if_at_least
    ([0, 1], [2, 3], [3, 4])
    """
    lam_e, lam_d = compute_boin_boundaries(target=target, p_saf=p_saf, p_tox=p_tox)
    ns = [cohort_size * (i + 1) for i in range(n_cohorts)]
    esc = [math.floor(n * lam_e) for n in ns]
    deesc = [math.ceil(n * lam_d) for n in ns]
    elim: list[int | None] = []
    for n in ns:
        ys = np.arange(n + 1)
        over = beta.sf(target, 1 + ys, 1 + n - ys) > cutoff_eli
        elim.append(int(ys[over][0]) if n >= 3 and over.any() else None)
    return BoundaryTable(
        target=target,
        lambda_e=lam_e,
        lambda_d=lam_d,
        n=ns,
        escalate_if_at_most=esc,
        deescalate_if_at_least=deesc,
        eliminate_if_at_least=elim,
    )


@dataclass(frozen=True, kw_only=True)
class Boin(IntervalDesign):
    """BOIN (Liu & Yuan 2015); parameters as in the module docstring."""

    p_saf: float | None = None
    p_tox: float | None = None
    name: str = field(default="BOIN", init=False)

    @property
    def boundaries(self) -> tuple[float, float]:
        return compute_boin_boundaries(target=self.target, p_saf=self.p_saf, p_tox=self.p_tox)

    @property
    def mtd_bound(self) -> float | None:
        return self.boundaries[1] if self.bound_mtd else None

    def compute_decision_table(self, n: IntArray, y: IntArray) -> IntArray:
        lam_e, lam_d = self.boundaries
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(n > 0, y / np.maximum(n, 1), 0.0)
        code = np.full(n.shape, CODE_STAY, dtype=np.int64)
        code[rate <= lam_e] = CODE_ESCALATE
        code[rate >= lam_d] = CODE_DEESCALATE
        return code

    def describe_rate(self, n: int, y: int) -> str:
        lam_e, lam_d = self.boundaries
        rate = y / n
        if rate <= lam_e:
            return f"rate {rate:.3f} <= lambda_e {lam_e:.3f}"
        if rate >= lam_d:
            return f"rate {rate:.3f} >= lambda_d {lam_d:.3f}"
        return f"lambda_e {lam_e:.3f} < rate {rate:.3f} < lambda_d {lam_d:.3f}"
