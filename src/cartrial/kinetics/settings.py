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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

TIME_RANGE_DAYS: tuple[float, float] = (-365.0, 5479.0)
"""The plausible sample and interval times, days from infusion (issue 14): up to a year
before (baseline and apheresis samples precede the infusion by weeks) and up to 15 years
after (5,479 days, the long-term follow-up FDA asks for integrating gene-therapy vectors:
"Long Term Follow-up After Administration of Human Gene Therapy Products", guidance,
January 2020)."""

__all__ = [
    "TIME_RANGE_DAYS",
    "AucMethod",
    "BlqRule",
    "BlqRules",
    "NcaSettings",
    "PartialConvention",
]

AucMethod = Literal["lin-log", "linear"]
"""``"lin-log"`` is PKNCA's ``"lin up/log down"``; ``"linear"`` is PKNCA's ``"linear"``."""

BlqRule = Literal["keep", "drop"]

PartialConvention = Literal["aucint.last", "auclast", "aucall"]
"""Which area over [start, partial_end] is *the* partial AUC (``auc_partial``).

``"aucint.last"`` is PKNCA ``aucint.last`` (the concentration at the end interpolated
from the whole profile, 0 after Tlast; area to the last quantifiable point);
``"auclast"`` is PKNCA ``auclast`` with ``end = partial_end`` (samples inside the
interval only, area stops at Tlast); ``"aucall"`` is PKNCA ``aucall`` with ``end``
(``auclast`` plus the linear triangle from Clast down to the next BLQ zero inside
the interval).
"""

DEFAULT_INTERVALS: tuple[tuple[float, float], ...] = (
    (0.0, 7.0),
    (0.0, 14.0),
    (0.0, 28.0),
    (0.0, 90.0),
)
"""AUC0-7d, 0-14d, 0-28d and 0-90d, the windows CAR-T kinetics reports commonly give."""


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
    - ``partial_convention``: which of the two is reported as the partial AUC
      (``auc_partial``; default ``"aucint.last"``: the same window for every
      subject, see docs/kinetics.md); both are always computed.
    - ``intervals``: the (start, end) day pairs of the long table
      (:func:`cartrial.kinetics.intervals.long_table`), each with its own Cmax,
      Tmax, Tlast, Clast, AUClast, AUCall and AUCint (PKNCA ``intervals``);
      the whole profile [start, inf) is always added.
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
    partial_convention: PartialConvention = "aucint.last"
    intervals: tuple[tuple[float, float], ...] = DEFAULT_INTERVALS
    impute_start_conc0: bool = False
    min_r_squared: float = Field(default=0.9, ge=0, le=1)
    min_span_ratio: float = Field(default=2.0, ge=0)
    max_pct_extrapolated: float = Field(default=20.0, ge=0, le=100)

    @model_validator(mode="after")
    def _partial_after_start(self) -> NcaSettings:
        low, high = TIME_RANGE_DAYS
        times = [("start", self.start), ("partial_end", self.partial_end)]
        times += [("intervals", day) for pair in self.intervals for day in pair]
        for name, day in times:
            if day is not None and not low <= day <= high:
                expected = f"a day from {low:g} to {high:g} (the plausible range)"
                error = PydanticCustomError("value_error", "{expected}", {"expected": expected})
                raise ValidationError.from_exception_data(
                    "NcaSettings", [InitErrorDetails(type=error, loc=(name,), input=day)]
                )
        if self.partial_end is not None and self.partial_end <= self.start:
            raise ValueError(f"partial_end must be after start ({self.start})")
        for first, last in self.intervals:
            if not last > first >= self.start:
                raise ValueError(
                    f"intervals: ({first:g}, {last:g}) must have start >= {self.start:g} "
                    "and end after start"
                )
        return self
