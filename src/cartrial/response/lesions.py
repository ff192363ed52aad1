"""Input records of one subject's tumour assessments, checked once at the boundary.

One JSON/dict record per subject: the baseline date, the reference date (CAR-T
infusion), the lesions declared at baseline (target or non-target) and the dated
follow-up assessments with one observation per lesion and any new lesions.
Sizes carry a unit (``mm`` or ``cm``) and are held in millimetres as exact decimals.

A subject without a baseline assessment has ``baseline_date: null`` and no lesions
(PFS is then censored at the start, FDA 2018). Follow-up for PFS/OS/DOR: the dates of
death, last contact, new anticancer therapy, withdrawal from follow-up and symptomatic
deterioration; a lesion's ``scan_date`` when the scans of one assessment were done on
different days (the assessment's ``date`` is then its last scan).

The cross-record checks (:func:`parse_subject`) name the assessment date and the
lesion in every error: a follow-up lesion never declared at baseline is refused
unless listed under ``new_lesions``; assessment dates must follow the baseline date
and each other; a measurement needs a unit and a lesion id.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from cartrial.errors import InputError, input_error_from_validation

__all__ = [
    "Assessment",
    "BaselineLesion",
    "LesionType",
    "NewLesion",
    "Observation",
    "SubjectAssessments",
    "parse_subject",
    "to_mm",
]

Unit = Literal["mm", "cm"]
Role = Literal["target", "non_target"]
Method = Literal["ct", "mri", "calipers", "xray"]
#: Kinds of lesion that decide measurability apart from size (RECIST 1.1 sections
#: 3.1.2-3.1.3); ``mass`` is any other lesion or node, measurable by its size.
LesionType = Literal[
    "mass",
    "cystic",
    "bone_soft_tissue",
    "bone_blastic",
    "bone_lytic_without_soft_tissue",
    "pleural_effusion",
    "pericardial_effusion",
    "ascites",
    "leptomeningeal",
    "inflammatory_breast",
    "lymphangitic_skin",
    "lymphangitic_lung",
    "abdominal_mass_by_exam",
]
ObservationStatus = Literal[
    "measured",
    "disappeared",
    "too_small",
    "merged",
    "not_evaluated",
    "present",
    "absent",
    "unequivocal_progression",
    "increased",
]
TARGET_STATUSES: frozenset[str] = frozenset(
    {"measured", "disappeared", "too_small", "merged", "not_evaluated"}
)
NON_TARGET_STATUSES: frozenset[str] = frozenset(
    {"present", "absent", "unequivocal_progression", "increased", "not_evaluated"}
)

_Size = Field(default=None, ge=0, le=2000)


def to_mm(value: Decimal, unit: str) -> Decimal:
    """A size in millimetres, exactly.

    >>> to_mm(Decimal("1.4"), "cm")
    Decimal('14.0')
    """
    return value * 10 if unit == "cm" else value


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _need_unit(what: str, value: Decimal | None, unit: str | None) -> None:
    if value is not None and unit is None:
        raise ValueError(f"{what}: measurement {value} has no unit; expected 'mm' or 'cm'")


class BaselineLesion(_Record):
    """A lesion declared at baseline: nodes by short axis, other lesions by longest diameter.

    ``pleural_level`` (1-3) marks a mesothelioma pleural-rind thickness measurement for
    mRECIST (:mod:`cartrial.response.mrecist`): the CT level it is measured on.
    ``lesion_type`` says what kind of lesion it is where that decides measurability
    (effusions, ascites, blastic bone ... are never measurable; RECIST 1.1 section 3.1.2);
    ``previously_irradiated`` marks a lesion in a previously irradiated field (or treated
    loco-regionally) and ``progressed_since_irradiation`` whether it has progressed since
    (section 3.1.3; :mod:`cartrial.response.baseline` applies the protocol's rule).
    """

    id: str = Field(min_length=1)
    organ: str = Field(min_length=1)
    role: Role
    nodal: bool = False
    value: Decimal | None = _Size
    unit: Unit | None = None
    method: Method = "ct"
    slice_thickness_mm: Decimal | None = Field(default=None, gt=0, le=50)
    pleural_level: int | None = Field(default=None, ge=1, le=3)
    lesion_type: LesionType = "mass"
    previously_irradiated: bool = False
    progressed_since_irradiation: bool = False

    @model_validator(mode="after")
    def _unit_given(self) -> BaselineLesion:
        _need_unit(f"lesion {self.id!r}", self.value, self.unit)
        if self.progressed_since_irradiation and not self.previously_irradiated:
            raise ValueError(
                f"lesion {self.id!r}: progressed_since_irradiation needs previously_irradiated"
            )
        return self

    @property
    def size_mm(self) -> Decimal | None:
        return None if self.value is None or self.unit is None else to_mm(self.value, self.unit)

    @property
    def organ_key(self) -> str:
        """Organ for the 2-per-organ rule: all lymph nodes count as one organ (EORTC FAQ)."""
        return "lymph nodes" if self.nodal else self.organ.strip().lower()


class Observation(_Record):
    """One lesion at one follow-up assessment.

    Targets: a ``value`` (status ``measured``), ``fragments`` of a split lesion, or a
    status ``disappeared`` (0 mm), ``too_small`` (protocol default, 5 mm), ``merged``
    (coalesced into ``merged_into``; contributes 0 mm) or ``not_evaluated``.
    Non-targets: ``present``, ``absent`` (nodes: short axis < 10 mm),
    ``unequivocal_progression``, ``increased`` (iRECIST: any further increase after
    iUPD) or ``not_evaluated``.
    """

    lesion_id: str = Field(min_length=1)
    status: ObservationStatus | None = None
    value: Decimal | None = _Size
    fragments: list[Decimal] | None = None
    unit: Unit | None = None
    merged_into: str | None = None
    scan_date: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Observation:
        _need_unit(f"lesion {self.lesion_id!r}", self.value, self.unit)
        if self.fragments is not None:
            if self.unit is None:
                raise ValueError(f"lesion {self.lesion_id!r}: fragments have no unit")
            if not self.fragments or any(f < 0 for f in self.fragments):
                raise ValueError(f"lesion {self.lesion_id!r}: fragments must be sizes >= 0")
        if self.value is not None and self.fragments is not None:
            raise ValueError(
                f"lesion {self.lesion_id!r}: give either a value or fragments, not both"
            )
        has_size = self.value is not None or self.fragments is not None
        if has_size and self.status not in (None, "measured"):
            raise ValueError(
                f"lesion {self.lesion_id!r}: a measurement with status {self.status!r}; "
                "give either a measurement or a status"
            )
        if not has_size and self.status in (None, "measured"):
            raise ValueError(f"lesion {self.lesion_id!r}: neither a measurement nor a status")
        if (self.status == "merged") != (self.merged_into is not None):
            raise ValueError(
                f"lesion {self.lesion_id!r}: status 'merged' goes with 'merged_into' (and only it)"
            )
        return self

    @property
    def kind(self) -> str:
        return "measured" if self.status is None else self.status

    def size_mm(self) -> Decimal | None:
        """The measured size in mm (fragments of a split lesion are added)."""
        if self.unit is None:
            return None
        if self.fragments is not None:
            return to_mm(sum(self.fragments, Decimal(0)), self.unit)
        return None if self.value is None else to_mm(self.value, self.unit)


class NewLesion(_Record):
    """A lesion first seen after baseline (RECIST 1.1 section 4.3.5)."""

    id: str = Field(min_length=1)
    organ: str = Field(min_length=1)
    nodal: bool = False
    equivocal: bool = False
    status: Literal["present", "absent", "increased"] = "present"
    value: Decimal | None = _Size
    unit: Unit | None = None
    scan_date: dt.date | None = None

    @model_validator(mode="after")
    def _unit_given(self) -> NewLesion:
        _need_unit(f"new lesion {self.id!r}", self.value, self.unit)
        return self

    @property
    def size_mm(self) -> Decimal | None:
        return None if self.value is None or self.unit is None else to_mm(self.value, self.unit)


class Assessment(_Record):
    """One dated follow-up imaging assessment (its date: that of its last scan)."""

    date: dt.date
    lesions: list[Observation] = Field(default_factory=list)
    new_lesions: list[NewLesion] = Field(default_factory=list)
    tumour_markers_normal: bool | None = None


class SubjectAssessments(_Record):
    """One subject's baseline and follow-up tumour assessments."""

    subject_id: str = Field(min_length=1)
    baseline_date: dt.date | None
    reference_date: dt.date
    tumour_type: str | None = None
    dose_level: str | None = None
    lesions: list[BaselineLesion] = Field(default_factory=list)
    assessments: list[Assessment] = Field(default_factory=list)
    death_date: dt.date | None = None
    last_known_alive_date: dt.date | None = None
    new_anticancer_therapy_date: dt.date | None = None
    withdrawal_date: dt.date | None = None
    symptomatic_deterioration_date: dt.date | None = None

    @property
    def has_baseline(self) -> bool:
        """Whether a baseline tumour assessment was done (``baseline_date`` given)."""
        return self.baseline_date is not None

    @property
    def targets(self) -> list[BaselineLesion]:
        return [lesion for lesion in self.lesions if lesion.role == "target"]

    @property
    def non_targets(self) -> list[BaselineLesion]:
        return [lesion for lesion in self.lesions if lesion.role == "non_target"]


FOLLOW_UP_DATES = (
    "death_date",
    "last_known_alive_date",
    "new_anticancer_therapy_date",
    "withdrawal_date",
    "symptomatic_deterioration_date",
)


def _check_no_baseline(subject: SubjectAssessments) -> None:
    if subject.lesions:
        raise InputError(
            "lesions",
            [lesion.id for lesion in subject.lesions],
            "no lesions when baseline_date is null (no baseline assessment); "
            "give the baseline scan's date",
        )
    if subject.assessments:
        raise InputError(
            "assessments",
            [a.date.isoformat() for a in subject.assessments],
            "no follow-up assessments without a baseline assessment (baseline_date is null): "
            "they cannot be assessed, and PFS is censored at the start (FDA 2018)",
        )


def _check_scan_date(
    where: str, scan: dt.date | None, after: dt.date, on_or_before: dt.date
) -> None:
    if scan is not None and not after < scan <= on_or_before:
        raise InputError(
            f"{where}.scan_date",
            scan.isoformat(),
            f"a date after {after.isoformat()} (the previous assessment or the reference date) "
            f"and on or before the assessment's date {on_or_before.isoformat()} (its last scan)",
        )


def _check_cross_references(subject: SubjectAssessments) -> None:
    roles: dict[str, str] = {}
    for i, lesion in enumerate(subject.lesions):
        if lesion.id in roles:
            raise InputError(f"lesions[{i}].id", lesion.id, "a lesion id not used twice")
        roles[lesion.id] = lesion.role
    for name in FOLLOW_UP_DATES:
        value = getattr(subject, name)
        if value is not None and value < subject.reference_date:
            raise InputError(
                name,
                value.isoformat(),
                f"a date on or after the reference date {subject.reference_date}",
            )
    if subject.baseline_date is None:
        _check_no_baseline(subject)
        return
    previous: dt.date = subject.baseline_date
    for i, assessment in enumerate(subject.assessments):
        where = f"assessments[{i}] ({assessment.date.isoformat()})"
        if assessment.date <= previous:
            after = "the baseline date" if i == 0 else "the previous assessment"
            raise InputError(
                f"{where}.date",
                assessment.date.isoformat(),
                f"a date after {after} {previous.isoformat()}",
            )
        if assessment.date <= subject.reference_date:
            raise InputError(
                f"{where}.date",
                assessment.date.isoformat(),
                f"a follow-up date after the reference date (infusion) "
                f"{subject.reference_date.isoformat()}",
            )
        earliest = max(previous, subject.reference_date)
        for obs in assessment.lesions:
            _check_scan_date(
                f"{where}.lesions[{obs.lesion_id}]", obs.scan_date, earliest, assessment.date
            )
        for new in assessment.new_lesions:
            _check_scan_date(
                f"{where}.new_lesions[{new.id}]", new.scan_date, earliest, assessment.date
            )
        previous = assessment.date
        seen: set[str] = set()
        for obs in assessment.lesions:
            lid = obs.lesion_id
            if lid not in roles:
                raise InputError(
                    f"{where}.lesions[{lid}]",
                    lid,
                    "a lesion declared at baseline (a lesion first seen now belongs in "
                    "'new_lesions')",
                )
            if lid in seen:
                raise InputError(f"{where}.lesions[{lid}]", lid, "one observation per lesion")
            seen.add(lid)
            allowed = TARGET_STATUSES if roles[lid] == "target" else NON_TARGET_STATUSES
            if obs.kind not in allowed:
                raise InputError(
                    f"{where}.lesions[{lid}].status",
                    obs.kind,
                    f"for a {roles[lid].replace('_', '-')} lesion one of "
                    + ", ".join(sorted(allowed)),
                )
            if obs.merged_into is not None and (
                roles.get(obs.merged_into) != "target" or obs.merged_into == lid
            ):
                raise InputError(
                    f"{where}.lesions[{lid}].merged_into",
                    obs.merged_into,
                    "the id of another target lesion",
                )
        new_ids: set[str] = set()
        for new in assessment.new_lesions:
            if new.id in new_ids:
                raise InputError(
                    f"{where}.new_lesions[{new.id}].id", new.id, "one record per lesion"
                )
            new_ids.add(new.id)
            if new.id in roles:
                raise InputError(
                    f"{where}.new_lesions[{new.id}].id",
                    new.id,
                    "an id not used by a baseline lesion",
                )


def _with_date(field: str, loc: tuple[int | str, ...], data: Any) -> str:
    """Add the assessment's date to a field path such as ``assessments[1].lesions[0].unit``."""
    if len(loc) < 2 or loc[0] != "assessments" or not isinstance(loc[1], int):
        return field
    try:
        date = data["assessments"][loc[1]]["date"]
    except (KeyError, IndexError, TypeError):
        return field
    prefix = f"assessments[{loc[1]}]"
    return field.replace(prefix, f"{prefix} ({date})", 1) if date else field


def parse_subject(data: Any, *, source: str | None = None) -> SubjectAssessments:
    """Validate one subject's record; every error names the assessment and the lesion.

    >>> s = parse_subject({"subject_id": "S1", "baseline_date": "2026-01-05",
    ...     "reference_date": "2026-01-12",
    ...     "lesions": [{"id": "T1", "organ": "liver", "role": "target",
    ...                  "value": 20, "unit": "mm"}],
    ...     "assessments": [{"date": "2026-02-09",
    ...                      "lesions": [{"lesion_id": "T1", "value": 1.4, "unit": "cm"}]}]})
    >>> s.assessments[0].lesions[0].size_mm()
    Decimal('14.0')
    """
    try:
        subject = SubjectAssessments.model_validate(data)
    except ValidationError as exc:
        error = input_error_from_validation(exc, source=source)
        loc = exc.errors(include_url=False)[0]["loc"]
        raise InputError(
            _with_date(error.field, loc, data), error.value, error.expected, source=source
        ) from exc
    try:
        _check_cross_references(subject)
    except InputError as exc:
        raise InputError(exc.field, exc.value, exc.expected, source=source) from exc
    return subject
