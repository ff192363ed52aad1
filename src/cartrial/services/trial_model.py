"""The trial summary's figures as pydantic models, each with the rule that produced it.

Every figure says how it was computed (``rule``) and, where it counts subjects,
which ones (``subjects``, by subject code), so a reader of the summary (or of the
pages rendered from it, :mod:`cartrial.report.trial_pages`) can check it by hand.
Units are named in the field (``*_days``) or in ``unit``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AuditHead",
    "Count",
    "CriterionFailures",
    "DecisionRow",
    "DoseAnswer",
    "LevelDlts",
    "Median",
    "NcaLevelRow",
    "NcaSubjectRow",
    "NcaSummary",
    "Proportion",
    "SyndromeRates",
    "TrialSummary",
]


class _Figure(BaseModel):
    model_config = ConfigDict(frozen=True)


class Count(_Figure):
    """A number of subjects, which ones, and the rule that counted them."""

    n: int
    subjects: list[str] = Field(default_factory=list)
    rule: str


class CriterionFailures(_Figure):
    """Screen failures on one eligibility criterion (a subject counts once per criterion)."""

    id: str
    type: str
    text: str
    n: int
    subjects: list[str]


class LevelDlts(_Figure):
    """DLT-evaluable subjects and DLTs at one dose level, from signed adjudications."""

    evaluable: int
    dlts: int
    subjects_with_dlt: list[str]


class DecisionRow(_Figure):
    """A signed escalation decision, as stored, with its signature manifest."""

    decided_at: dt.datetime
    current_level: int
    action: str
    next_level: int | None
    reason: str
    engine_version: str
    signed_by: str | None
    signer_role: str | None
    signed_at: dt.datetime | None
    signature_valid: bool
    signature: str


class DoseAnswer(_Figure):
    """A dose level (MTD or RP2D), whether it is declared, and the rule that gave it."""

    level: int | None
    declared: bool
    rule: str


class Proportion(_Figure):
    """``responders / n`` with its exact (Clopper-Pearson 1934) interval; None when n = 0."""

    estimate: float | None
    lower: float | None
    upper: float | None
    n: int
    responders: int
    confidence: float = 0.95
    subjects: list[str] = Field(default_factory=list)
    rule: str


class SyndromeRates(_Figure):
    """CRS or ICANS among infused subjects: any grade and grade >= 3 (ASTCT 2019)."""

    any_grade: Proportion
    grade3_or_more: Proportion
    worst_grade_by_subject: dict[str, int]


class Median(_Figure):
    """A Kaplan-Meier median (days) with its Brookmeyer-Crowley CI; None: not reached."""

    estimate: float | None
    lower: float | None
    upper: float | None
    n: int
    events: int
    unit: str = "days"
    rule: str


class NcaSubjectRow(_Figure):
    """One profile's NCA (PKNCA rules): Cmax, Tmax, AUC0-tlast."""

    subject: str
    dose_level: str
    matrix: str
    cmax: float | None
    tmax_days: float | None
    tlast_days: float | None
    auclast: float | None
    conc_unit: str
    auc_unit: str
    notes: str


class NcaLevelRow(_Figure):
    """One parameter at one dose level: n, geometric mean and CV%, median, range."""

    matrix: str
    dose_level: str
    parameter: str
    unit: str
    n: int
    geometric_mean: float | None
    geometric_cv_pct: float | None
    median: float | None
    min: float | None
    max: float | None


class NcaSummary(_Figure):
    subjects: list[NcaSubjectRow]
    by_level: list[NcaLevelRow]
    rule: str


class AuditHead(_Figure):
    """The audit chain's last entry when the summary was read (its sequence and hash)."""

    seq: int
    sha256: str
    rule: str


class TrialSummary(_Figure):
    """A whole trial computed from the database (:func:`~cartrial.services.trial_summary`)."""

    protocol_id: str
    protocol_version: str
    data_cut: dt.datetime
    screened: Count
    screen_failures_by_criterion: list[CriterionFailures]
    enrolled: Count
    infused: Count
    dlt_evaluable: Count
    dlts_by_level: dict[int, LevelDlts]
    dlt_rule: str
    decisions: list[DecisionRow]
    mtd: DoseAnswer
    rp2d: DoseAnswer
    crs_rate: SyndromeRates
    icans_rate: SyndromeRates
    best_overall_response: dict[str, str]
    orr: Proportion
    dcr: Proportion
    efficacy_excluded: dict[str, str]
    median_pfs_days: Median
    median_os_days: Median
    nca: NcaSummary
    audit_head: AuditHead
