"""Response-assessment settings: the protocol parameters of RECIST 1.1, iRECIST and mRECIST.

The protocol model carries a ``response`` section with the same field names; this
object is self-contained so the response engines do not depend on the protocol package.

Sources of the defaults:

- ``confirmation_min_days = 28``: RECIST 1.1 (Eisenhauer 2009) section 4.6.1 "the criteria
  for each [CR, PR] are met at a subsequent time point ... (generally 4 weeks later)".
- ``sd_min_days = 42``: RECIST 1.1 section 4.6.1, SD "must have met the SD criteria at least
  once after study entry at a minimum interval (in general not less than 6-8 weeks)".
- ``too_small_default_mm = 5``: RECIST 1.1 Appendix II and the EORTC RECIST FAQ ("if you
  cannot measure, record it as 5 mm").
- ``confirmation_max_ne = 1`` and ``confirmation_accept_sd = False``: the defaults of the
  pharmaverse admiralonco confirmed-BOR derivation (``max_nr_ne``, ``accept_sd``).
- ``mrecist_pd_min_increase_mm = 5``: modified RECIST 1.1 for mesothelioma (Armato 2018)
  aligns progression with RECIST 1.1's absolute 5 mm; the original modified RECIST
  (Byrne 2004) has no absolute threshold (set 0 to reproduce it).
- ``cystic_targets_allowed = True``: RECIST 1.1 section 3.1.3, cystic metastases "can be
  considered as measurable lesions, if they meet the definition of measurability" (non-cystic
  lesions are preferred as targets); a protocol may exclude them.
- ``irradiated_targets = "if_progressed"``: RECIST 1.1 section 3.1.3, lesions in a previously
  irradiated area "are usually not considered measurable unless there has been demonstrated
  progression in the lesion"; ``never`` for protocols that exclude them outright.
- ``assessment_interval_days = 56`` and ``missed_assessments = 2``: the missed-visit rule of
  PFS and DOR (:mod:`cartrial.survival.derive` rule 3; FDA 2018 censoring table "death or
  progression after more than one missed visit"): the protocol's imaging interval (8 weeks
  is the common CAR-T solid-tumour schedule; set the protocol's own) and how many missed.
- ``symptomatic_deterioration_is_event = False``: FDA 2018 and EMA Appendix 1: symptomatic
  deterioration without radiological progression is not a PFS event unless the protocol
  defines it as one.
- ``km_median_rule = "first"``: :mod:`cartrial.survival.km` (first time S(t) <= 0.5);
  ``midpoint`` gives R survival's ``quantile.survfit`` value on a flat 0.5 stretch.
- ``icpd_min_days = 28``: iRECIST (Seymour 2017): confirmation at the next assessment 4-8
  weeks after iUPD; EORTC iRECIST FAQ: not before 4 weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Criteria", "ResponseSettings", "settings_from_protocol"]

PROVENANCE_KEYS = frozenset({"source", "assumed", "reason"})

Criteria = Literal["recist11", "irecist", "mrecist11"]


class ResponseSettings(BaseModel):
    """Protocol parameters for response assessment (immutable).

    >>> s = ResponseSettings()
    >>> s.confirmation_min_days, s.sd_min_days, s.too_small_default_mm
    (28, 42, Decimal('5'))
    >>> s.criteria_for("mesothelioma")
    'recist11'
    >>> settings = ResponseSettings(criteria_by_tumour_type={"mesothelioma": "mrecist11"})
    >>> settings.criteria_for("mesothelioma")
    'mrecist11'
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    confirmation_required: bool = True
    confirmation_min_days: int = Field(default=28, ge=1, le=365)
    confirmation_max_ne: int = Field(default=1, ge=0, le=10)
    confirmation_accept_sd: bool = False
    sd_min_days: int = Field(default=42, ge=0, le=365)
    too_small_default_mm: Decimal = Field(default=Decimal("5"), gt=0, le=10)
    icpd_min_days: int = Field(default=28, ge=1, le=365)
    mrecist_pd_min_increase_mm: Decimal = Field(default=Decimal("5"), ge=0, le=20)
    cystic_targets_allowed: bool = True
    irradiated_targets: Literal["if_progressed", "never"] = "if_progressed"
    assessment_interval_days: int = Field(default=56, ge=1, le=365)
    missed_assessments: int = Field(default=2, ge=1, le=10)
    symptomatic_deterioration_is_event: bool = False
    km_median_rule: Literal["first", "midpoint"] = "first"
    default_criteria: Criteria = "recist11"
    criteria_by_tumour_type: dict[str, Criteria] = Field(default_factory=dict)

    def criteria_for(self, tumour_type: str) -> Criteria:
        """The criteria the protocol names for ``tumour_type``, else the default."""
        return self.criteria_by_tumour_type.get(tumour_type, self.default_criteria)


def settings_from_protocol(section: BaseModel | Mapping[str, Any] | None) -> ResponseSettings:
    """Response settings from a protocol's ``response`` section (a model or a mapping).

    The protocol's provenance keys (``source``, ``assumed``, ``reason``) are dropped; every
    other key must be a :class:`ResponseSettings` field; missing ones take the defaults.

    >>> settings_from_protocol({"sd_min_days": 56, "source": "seed 001", "assumed": False})
    ...     # doctest: +ELLIPSIS
    ResponseSettings(confirmation_required=True, ..., sd_min_days=56, ...)
    """
    if section is None:
        return ResponseSettings()
    data = section.model_dump() if isinstance(section, BaseModel) else dict(section)
    return ResponseSettings.model_validate(
        {k: v for k, v in data.items() if k not in PROVENANCE_KEYS}
    )
