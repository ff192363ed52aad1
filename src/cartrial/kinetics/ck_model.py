"""Multiphasic cellular kinetic model of CAR-T cells: equations and censored likelihood.

Model (Stein AM, Grupp SA, Levine JE et al. "Tisagenlecleucel model-based
cellular kinetic analysis of chimeric antigen receptor-T cells", CPT
Pharmacometrics Syst Pharmacol 2019;8:285-295): CAR-T cells expand at a constant
rate up to Tmax; afterwards effector cells contract quickly while a fraction FB
becomes memory cells that persist. The closed form used here is the solution of
its effector/memory equations after the peak, a bi-exponential:

- ``t <= Tmax``: ``C(t) = Cmax exp(-rho (Tmax - t))`` (expansion, rate ``rho``);
- ``t > Tmax``: ``C(t) = Cmax [(1 - FB) exp(-alpha (t - Tmax)) + FB exp(-beta (t - Tmax))]``
  (contraction at ``alpha``, persistence at ``beta < alpha``; ``FB`` is
  :attr:`CkParameters.fraction_persisting`, the published FB: the share that persists).

Three forms are fitted (:mod:`cartrial.kinetics.ck_fit` chooses between them):

- ``biphasic``: the model above, 6 structural parameters;
- ``biphasic_fixed_terminal``: ``beta`` fixed at Stein 2019's typical 0.0032/day
  (:data:`TYPICAL_BETA`, a terminal half-life of 217 days), 5 structural parameters: a
  population value where the sampling ends before the terminal slope can be seen;
- ``monophasic``: no persistence phase seen (``FB = 0``, ``beta`` not estimated), 4
  structural parameters.

Assumptions: one infusion at day 0; samples at or before day 0 (pre-infusion) are not fitted; the
residual error is additive on the log scale (``ln C_obs = ln C(t) + e``,
``e ~ N(0, sigma^2)``, i.e. proportional); ``alpha > beta`` (enforced by
estimating ``ln(alpha - beta)``) so the two phases are identifiable.

Likelihood: BLQ samples are censored, not dropped and not set to LLOQ/2 (Beal SL,
"Ways to fit a PK model with some data below the quantification limit",
J Pharmacokinet Pharmacodyn 2001;28:481-504, method M3):

- quantified ``y = ln C_obs``: ``ln phi((y - ln C(t)) / sigma) - ln sigma``;
- BLQ with limit ``L``: ``ln Phi((ln L - ln C(t)) / sigma)``.

Estimation is on unconstrained parameters (:class:`ModelForm`): logs of the positive
parameters, ``ln(alpha - beta)``, the logit of FB and ``ln sigma``.

>>> round(float(predict(CkParameters(cmax=1e4, tmax=10, rho=0.5, alpha=0.3,
...     beta=0.01, fraction_persisting=0.1), np.array([10.0]))[0]), 6)
10000.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
from scipy import special

from cartrial.kinetics.profiles import FloatArray

__all__ = [
    "BIPHASIC",
    "FIXED_TERMINAL",
    "FORMS",
    "MONOPHASIC",
    "TYPICAL_BETA",
    "CkParameters",
    "ModelForm",
    "log_likelihood",
    "log_predict",
    "predict",
]

_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
TYPICAL_BETA = 0.0032  # per day: Stein 2019 Table 1, typical terminal rate (SIMULATOR_ANCHORS P2)


@dataclass(frozen=True)
class CkParameters:
    """Model parameters on the natural scale (time in days, rates per day).

    ``fraction_persisting`` is Stein 2019's FB (the share that becomes persisting memory
    cells); 0 is the monophasic form, where ``beta`` plays no part.
    """

    cmax: float
    tmax: float
    rho: float
    alpha: float
    beta: float = 0.0
    fraction_persisting: float = 0.0


def predict(p: CkParameters, time: FloatArray) -> FloatArray:
    """Model concentration at ``time`` (days since infusion)."""
    dt = time - p.tmax
    rising = p.cmax * np.exp(p.rho * np.minimum(dt, 0.0))
    after = np.maximum(dt, 0.0)
    contracting = 1 - p.fraction_persisting
    falling = p.cmax * (
        contracting * np.exp(-p.alpha * after) + (1 - contracting) * np.exp(-p.beta * after)
    )
    return np.asarray(np.where(dt <= 0, rising, falling), dtype=np.float64)


def log_predict(p: CkParameters, time: FloatArray) -> FloatArray:
    """``ln C(t)``, computed on the log scale so that no phase underflows.

    After the peak, ``ln C = ln Cmax - beta t' + ln((1 - FB) exp(-(alpha - beta) t') + FB)``
    (``t' = t - Tmax``, ``alpha > beta``); with ``FB = 0`` it is ``ln Cmax - alpha t'``.
    """
    dt = time - p.tmax
    after = np.maximum(dt, 0.0)
    fb = p.fraction_persisting
    if np.all(fb == 0):
        falling = -p.alpha * after
    else:
        falling = np.log((1 - fb) * np.exp((p.beta - p.alpha) * after) + fb) - p.beta * after
    return np.asarray(np.log(p.cmax) + np.where(dt <= 0, p.rho * dt, falling), dtype=np.float64)


def log_likelihood(
    p: CkParameters, sigma: float, time: FloatArray, conc: FloatArray, lloq: FloatArray
) -> float:
    """M3 log-likelihood: density for quantified samples (conc > 0), CDF for BLQ (conc == 0)."""
    log_pred = log_predict(p, time)
    quantified = conc > 0
    z_obs = (np.log(conc[quantified]) - log_pred[quantified]) / sigma
    total = -0.5 * float(z_obs @ z_obs) - quantified.sum() * (_HALF_LOG_2PI + math.log(sigma))
    if quantified.all():
        return float(total)
    z_blq = (np.log(lloq[~quantified]) - log_pred[~quantified]) / sigma
    return float(total + special.log_ndtr(z_blq).sum())


def _value(x: object) -> float:
    """A parameter as the model receives it: a float, or an array of them (broadcast)."""
    return cast(float, x)


def _biphasic(theta: FloatArray) -> CkParameters:
    beta = np.exp(theta[4])
    return CkParameters(
        cmax=_value(np.exp(theta[0])),
        tmax=_value(np.exp(theta[1])),
        rho=_value(np.exp(theta[2])),
        alpha=_value(beta + np.exp(theta[3])),
        beta=_value(beta),
        fraction_persisting=_value(special.expit(theta[5])),
    )


def _fixed_terminal(theta: FloatArray) -> CkParameters:
    return CkParameters(
        cmax=_value(np.exp(theta[0])),
        tmax=_value(np.exp(theta[1])),
        rho=_value(np.exp(theta[2])),
        alpha=_value(TYPICAL_BETA + np.exp(theta[3])),
        beta=TYPICAL_BETA,
        fraction_persisting=_value(special.expit(theta[4])),
    )


def _fixed_terminal_reported(theta: FloatArray) -> FloatArray:
    alpha = TYPICAL_BETA + np.exp(theta[3])
    return np.array([theta[0], theta[1], theta[2], np.log(alpha), theta[4]])


def _monophasic(theta: FloatArray) -> CkParameters:
    return CkParameters(
        cmax=_value(np.exp(theta[0])),
        tmax=_value(np.exp(theta[1])),
        rho=_value(np.exp(theta[2])),
        alpha=_value(np.exp(theta[3])),
    )


def _biphasic_reported(theta: FloatArray) -> FloatArray:
    """ln cmax, ln tmax, ln rho, ln alpha, ln beta, logit FB: the scales of the intervals."""
    alpha = np.exp(theta[4]) + np.exp(theta[3])
    return np.array([theta[0], theta[1], theta[2], np.log(alpha), theta[4], theta[5]])


def _monophasic_reported(theta: FloatArray) -> FloatArray:
    return np.asarray(theta[:4], dtype=np.float64)


@dataclass(frozen=True)
class ModelForm:
    """One form of the model: its structural parameters and their unconstrained scale.

    ``theta`` is the structural vector followed by ``ln sigma``, indexed on its first axis
    (a batch of vectors is ``theta[i]`` of shape ``(m, 1)``: every parameter broadcasts
    against the sample times); ``reported`` maps the structural part to the scale each
    interval is built on (``scales``: ``log`` or ``logit``).
    """

    name: str
    description: str
    names: tuple[str, ...]
    scales: tuple[str, ...]
    unpack: Callable[[FloatArray], CkParameters]
    reported: Callable[[FloatArray], FloatArray]

    @property
    def n_structural(self) -> int:
        return len(self.names)

    def natural(self, theta: FloatArray) -> dict[str, float]:
        """The structural parameters by name on the natural scale."""
        p = self.unpack(np.asarray(theta, dtype=np.float64))
        return {name: float(getattr(p, name)) for name in self.names}


BIPHASIC = ModelForm(
    name="biphasic",
    description="expansion, then contraction and persistence (Stein 2019)",
    names=("cmax", "tmax", "rho", "alpha", "beta", "fraction_persisting"),
    scales=("log", "log", "log", "log", "log", "logit"),
    unpack=_biphasic,
    reported=_biphasic_reported,
)
FIXED_TERMINAL = ModelForm(
    name="biphasic_fixed_terminal",
    description=(
        "expansion, contraction and persistence, the terminal rate fixed at the typical "
        "beta of Stein 2019 Table 1 (0.0032/day): the sampling too short to estimate it"
    ),
    names=("cmax", "tmax", "rho", "alpha", "fraction_persisting"),
    scales=("log", "log", "log", "log", "logit"),
    unpack=_fixed_terminal,
    reported=_fixed_terminal_reported,
)
MONOPHASIC = ModelForm(
    name="monophasic",
    description="expansion, then contraction; persistence phase not seen (FB = 0)",
    names=("cmax", "tmax", "rho", "alpha"),
    scales=("log", "log", "log", "log"),
    unpack=_monophasic,
    reported=_monophasic_reported,
)
FORMS = (BIPHASIC, FIXED_TERMINAL, MONOPHASIC)
