"""NCA settings: one immutable configuration, with PKNCA's meaning for every option.

Each option names the PKNCA option it mirrors (PKNCA reference manual,
``PKNCA.options()``, and the vignettes "Half-Life Calculation" and "Data
Cleaning in PKNCA", Denney W, Duvvuri S, Buckeridge C, PKNCA 0.12). The
defaults are PKNCA's defaults, so that a result computed with
``NcaSettings()`` is the result PKNCA gives with its default options.

>>> NcaSettings().auc_method
'lin-log'
>>> NcaSettings(auc_method="linear").conc_blq.middle
'drop'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["AucMethod", "BlqRule", "BlqRules", "NcaSettings"]

AucMethod = Literal["lin-log", "linear"]
"""``"lin-log"`` is PKNCA's ``"lin up/log down"``; ``"linear"`` is PKNCA's ``"linear"``."""

BlqRule = Literal["keep", "drop"]


class BlqRules(BaseModel):
    """What to do with a BLQ sample (concentration 0) by its position in the profile.

    PKNCA option ``conc.blq = list(first=, middle=, last=)`` (``clean.conc.blq``):

    - ``first``: BLQ at or before the first quantifiable value (every sample
      when all are BLQ);
    - ``middle``: BLQ strictly between the first and the last quantifiable value;
    - ``last``: BLQ at or after the last quantifiable value.

    ``"keep"`` keeps the sample as concentration 0, ``"drop"`` removes it.
    PKNCA's defaults are keep / drop / keep. (PKNCA also accepts a number to
    impute; cartrial does not, so that a BLQ value is never silently replaced.)
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    first: BlqRule = "keep"
    middle: BlqRule = "drop"
    last: BlqRule = "keep"


class NcaSettings(BaseModel):
    """How the NCA is computed and which results are flagged.

    - ``auc_method``: PKNCA ``auc.method`` (linear trapezoidal, or linear while
      concentrations rise or stay level and log trapezoidal while they fall;
      Gabrielsson & Weiner 2000, sections 2.8.1 and 2.8.3).
    - ``conc_blq``: PKNCA ``conc.blq`` (see :class:`BlqRules`). Missing values
      are always dropped (PKNCA ``conc.na = "drop"``).
    - ``min_hl_points``: PKNCA ``min.hl.points`` (default 3).
    - ``adj_r_squared_factor``: PKNCA ``adj.r.squared.factor`` (default 1e-4).
    - ``allow_tmax_in_half_life``: PKNCA ``allow.tmax.in.half.life`` (default False).
    - ``first_tmax``: PKNCA ``first.tmax`` (Tmax is the first time of Cmax when True).
    - ``start``: the start of every interval (days since infusion); samples before
      it (e.g. pre-infusion baselines) are outside every interval.
    - ``partial_end``: end of the partial interval (default 28 days), reported
      both as AUClast over the interval and as AUCint (PKNCA ``aucint.last``).
    - ``impute_start_conc0``: PKNCA ``impute = "start_conc0"``: when no sample
      lies at ``start``, add concentration 0 there (off by default, as in
      PKNCA; without it an AUC of a profile without a sample at ``start`` is
      not calculated).
    - ``min_r_squared``, ``min_span_ratio``, ``max_pct_extrapolated``: acceptance
      flags computed after the fit (common NCA practice, e.g. 0.9, 2 and 20%);
      a flagged value is reported, never dropped.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    auc_method: AucMethod = "lin-log"
    conc_blq: BlqRules = Field(default_factory=BlqRules)
    min_hl_points: int = Field(default=3, ge=2)
    adj_r_squared_factor: float = Field(default=1e-4, ge=0)
    allow_tmax_in_half_life: bool = False
    first_tmax: bool = True
    start: float = 0.0
    partial_end: float | None = 28.0
    impute_start_conc0: bool = False
    min_r_squared: float = Field(default=0.9, ge=0, le=1)
    min_span_ratio: float = Field(default=2.0, ge=0)
    max_pct_extrapolated: float = Field(default=20.0, ge=0, le=100)

    @model_validator(mode="after")
    def _partial_after_start(self) -> NcaSettings:
        if self.partial_end is not None and self.partial_end <= self.start:
            raise ValueError(f"partial_end must be after start ({self.start})")
        return self
