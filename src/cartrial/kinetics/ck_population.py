"""Population values of the kinetic model, and per-subject fits shrunk towards them.

The population is the published tisagenlecleucel model (Stein AM et al., CPT Pharmacometrics
Syst Pharmacol 2019;8:285, Table 1: typical values and between-subject variances omega^2,
log-normal, FB logit-normal) scaled for solid tumours as the simulator scales it
(SIMULATOR_ANCHORS P6: Cmax and fold expansion 1 log10 lower, FB 5 times higher), with a
residual SD of 0.40 on the log scale and an LLOQ of 50 copies/ug.

A fit shrunk to the population is the maximum a posteriori (MAP, "POSTHOC") estimate of
population pharmacokinetics (Sheiner LB & Beal SL, J Pharmacokinet Biopharm 1982;10:
303-319): the censored likelihood of :mod:`cartrial.kinetics.ck_model` times a normal prior
on each parameter's log (logit for FB) with the population's typical value and omega^2.
The prior on ``rho = ln(fold) / Tmax`` follows from those of the fold expansion and Tmax
by the delta method: ``ln rho ~ N(ln ln fold - ln Tmax, omega2_fold / (ln fold)^2 +
omega2_Tmax)``. The fit reports each parameter's shrinkage, ``var_post / omega^2`` (the
shrinkage factor ``B`` of empirical Bayes, Efron B & Morris C, JASA 1975;70:311-319; 1:
the estimate is the population's, 0: the data's alone); ``sum(1 - B)`` is the number of
parameters the data determined (Spiegelhalter DJ et al., J R Stat Soc B 2002;64:583, pD).
The residual SD has a prior too (log-normal around the population's, SD of the log 0.5,
assumed: the assay's validation fixes it within a factor of about 1.6), without which a
profile of 2-3 samples fitted exactly would drive it to 0; the reported SD is the MAP value
corrected as the per-subject fit's, ``sqrt(n / (n - pD))`` with ``pD`` the structural
parameters the data determined (``sigma_ml`` keeps the MAP value). Intervals are the
normal approximation of the posterior on the log or logit scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from cartrial.errors import InputError
from cartrial.kinetics.ck_model import BIPHASIC
from cartrial.kinetics.profiles import FloatArray

__all__ = ["POPULATIONS", "SIGMA_LOG_SD", "SOLID_TUMOUR", "PopulationModel", "population_named"]

SIGMA_LOG_SD = 0.5  # assumed: the assay's residual SD known to within a factor of e^0.5


@dataclass(frozen=True)
class PopulationModel:
    """Typical values and between-subject variances (omega^2) of the model, and the assay."""

    cmax: float
    tmax: float
    fold_expansion: float
    alpha: float
    beta: float
    fraction_persisting: float
    omega2: dict[str, float]
    sigma: float
    lloq: float

    def prior(self) -> tuple[FloatArray, FloatArray]:
        """Means and SDs of the biphasic form's parameters on their interval scales (module)."""
        w = self.omega2
        log_fold = math.log(self.fold_expansion)
        means = [
            math.log(self.cmax),
            math.log(self.tmax),
            math.log(log_fold / self.tmax),
            math.log(self.alpha),
            math.log(self.beta),
            float(special.logit(self.fraction_persisting)),
        ]
        variances = [
            w["cmax"],
            w["tmax"],
            w["fold_expansion"] / log_fold**2 + w["tmax"],
            w["alpha"],
            w["beta"],
            w["fraction_persisting"],
        ]
        assert len(means) == BIPHASIC.n_structural
        means.append(math.log(self.sigma))
        variances.append(SIGMA_LOG_SD**2)
        return np.array(means), np.sqrt(np.array(variances))


SOLID_TUMOUR = PopulationModel(  # Stein 2019 Table 1 scaled by SIMULATOR_ANCHORS P6
    cmax=24000.0 / 10,
    tmax=9.3,
    fold_expansion=3900.0 / 10,
    alpha=0.16,
    beta=0.0032,
    fraction_persisting=0.0079 * 5,
    omega2={
        "cmax": 0.65,
        "tmax": 0.38,
        "fold_expansion": 2.4,
        "alpha": 0.91,
        "beta": 0.86,
        "fraction_persisting": 0.8,
    },
    sigma=0.40,
    lloq=50.0,
)

POPULATIONS = {"solid-tumour": SOLID_TUMOUR}


def population_named(name: str) -> PopulationModel:
    """The population called ``name`` (:data:`POPULATIONS`); an unknown name is an error."""
    try:
        return POPULATIONS[name]
    except KeyError:
        raise InputError("--population", name, f"one of {', '.join(POPULATIONS)}") from None
