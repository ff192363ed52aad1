"""RECIST 1.1 baseline checks: measurability and target-lesion selection.

Source: Eisenhauer EA et al., Eur J Cancer 2009;45:228-247 (RECIST 1.1), section 3.1
(measurability), section 3.2 (baseline documentation of target and non-target lesions)
and Appendix II (slice thickness); EORTC RECIST FAQ (all lymph nodes count as one organ).

Rules checked, each reported with the lesion it concerns (never corrected silently):

1. ``target-measured``: a target lesion has a baseline measurement.
2. ``non-nodal-measurable``: a non-nodal target has longest diameter >= 10 mm by CT/MRI
   with slice thickness <= 5 mm, >= 2 x slice thickness when slices are thicker,
   >= 10 mm by calipers, >= 20 mm on chest X-ray (section 3.1.1, Appendix II).
3. ``nodal-measurable``: a nodal target has short axis >= 15 mm (section 3.1.1).
4. ``nodal-pathological``: a non-target node measured at baseline has short axis >= 10 mm;
   nodes < 10 mm are not pathological and are not recorded (section 3.1.1).
5. ``at-most-5-targets`` and ``at-most-2-per-organ`` (section 3.2).
6. ``some-disease``: a baseline assessment with at least one target or non-target lesion.
7. ``truly-non-measurable``: a target whose kind is non-measurable whatever its size
   (section 3.1.2: leptomeningeal disease, ascites, pleural or pericardial effusion,
   inflammatory breast disease, lymphangitic involvement of skin or lung, abdominal masses
   or organomegaly by physical examination; section 3.1.3: blastic bone lesions and lytic
   ones without a soft-tissue component). A bone lesion with a soft-tissue component is
   measured by that component (rule 2).
8. ``cystic-target``: a cystic target where the protocol excludes them (section 3.1.3:
   cystic metastases may be measurable; ``cystic_targets_allowed``).
9. ``previously-irradiated``: a target in a previously irradiated field, unless it has
   progressed since and the protocol allows such targets (section 3.1.3:
   ``irradiated_targets``, ``if_progressed`` by default or ``never``).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from cartrial.errors import InputError
from cartrial.response.lesions import BaselineLesion, SubjectAssessments
from cartrial.response.settings import ResponseSettings

__all__ = [
    "BaselineError",
    "BaselineIssue",
    "check_baseline",
    "minimum_measurable_mm",
    "require_valid_baseline",
    "target_kind_issue",
]

MAX_TARGETS = 5
MAX_TARGETS_PER_ORGAN = 2
NODAL_TARGET_MIN_MM = Decimal(15)
NODAL_PATHOLOGICAL_MIN_MM = Decimal(10)
#: Kinds of lesion never measurable (rule 7), in the words of RECIST 1.1 3.1.2-3.1.3.
TRULY_NON_MEASURABLE: dict[str, str] = {
    "pleural_effusion": "a pleural effusion",
    "pericardial_effusion": "a pericardial effusion",
    "ascites": "ascites",
    "leptomeningeal": "leptomeningeal disease",
    "inflammatory_breast": "inflammatory breast disease",
    "lymphangitic_skin": "lymphangitic involvement of the skin",
    "lymphangitic_lung": "lymphangitic involvement of the lung",
    "abdominal_mass_by_exam": "an abdominal mass or organomegaly found by physical examination",
    "bone_blastic": "a blastic bone lesion",
    "bone_lytic_without_soft_tissue": "a lytic bone lesion without a soft-tissue component",
}


class BaselineIssue(BaseModel):
    """One violated baseline rule: the rule's name, the lesion and a message."""

    model_config = ConfigDict(frozen=True)

    rule: str
    lesion_id: str | None
    message: str


class BaselineError(InputError):
    """The baseline violates RECIST 1.1 selection rules; lists every violation."""

    def __init__(
        self,
        issues: list[BaselineIssue],
        *,
        source: str | None = None,
        criteria: str = "RECIST 1.1",
    ):
        self.issues = issues
        text = "; ".join(i.message for i in issues)
        super().__init__(
            "lesions",
            [i.lesion_id for i in issues],
            f"{criteria} baseline: {text}",
            source=source,
        )


def minimum_measurable_mm(*, method: str, slice_thickness_mm: Decimal | None) -> Decimal:
    """Smallest measurable longest diameter of a non-nodal lesion (RECIST 1.1 3.1.1, App. II).

    >>> minimum_measurable_mm(method="ct", slice_thickness_mm=Decimal("5"))
    Decimal('10')
    >>> minimum_measurable_mm(method="ct", slice_thickness_mm=Decimal("8"))
    Decimal('16')
    >>> minimum_measurable_mm(method="xray", slice_thickness_mm=None)
    Decimal('20')
    """
    if method == "xray":
        return Decimal(20)
    if method in ("ct", "mri") and slice_thickness_mm is not None and slice_thickness_mm > 5:
        return 2 * slice_thickness_mm
    return Decimal(10)


def target_kind_issue(
    lesion: BaselineLesion, settings: ResponseSettings | None = None
) -> BaselineIssue | None:
    """Rules 7-9 for a target: its kind or its irradiated field makes it non-measurable.

    >>> effusion = BaselineLesion(id="T2", organ="pleura", role="target",
    ...     lesion_type="pleural_effusion", value=40, unit="mm")
    >>> target_kind_issue(effusion).rule
    'truly-non-measurable'
    """
    settings = settings or ResponseSettings()
    what = TRULY_NON_MEASURABLE.get(lesion.lesion_type)
    if what is not None:
        return BaselineIssue(
            rule="truly-non-measurable",
            lesion_id=lesion.id,
            message=(
                f"target {lesion.id!r} is {what}: non-measurable whatever its size "
                "(RECIST 1.1 section 3.1.2-3.1.3); record it as a non-target"
            ),
        )
    if lesion.lesion_type == "cystic" and not settings.cystic_targets_allowed:
        return BaselineIssue(
            rule="cystic-target",
            lesion_id=lesion.id,
            message=(
                f"target {lesion.id!r} is cystic and the protocol does not take cystic "
                "targets (RECIST 1.1 section 3.1.3; cystic_targets_allowed)"
            ),
        )
    if lesion.previously_irradiated and not (
        lesion.progressed_since_irradiation and settings.irradiated_targets == "if_progressed"
    ):
        why = (
            "the protocol takes no target in an irradiated field"
            if settings.irradiated_targets == "never"
            else "without progression since"
        )
        return BaselineIssue(
            rule="previously-irradiated",
            lesion_id=lesion.id,
            message=(
                f"target {lesion.id!r} lies in a previously irradiated field, {why} "
                f"(RECIST 1.1 section 3.1.3; irradiated_targets={settings.irradiated_targets})"
            ),
        )
    return None


def check_baseline(
    subject: SubjectAssessments, *, settings: ResponseSettings | None = None
) -> list[BaselineIssue]:
    """Every violation of the RECIST 1.1 baseline rules, in the order of the module docstring."""
    settings = settings or ResponseSettings()
    issues: list[BaselineIssue] = []
    if not subject.has_baseline:
        message = "no baseline assessment (baseline_date is null): response cannot be assessed"
        return [BaselineIssue(rule="some-disease", lesion_id=None, message=message)]
    if not subject.lesions:
        issues.append(BaselineIssue(rule="some-disease", lesion_id=None, message="no lesion"))
    for lesion in subject.lesions:
        size = lesion.size_mm
        if lesion.role == "target" and lesion.pleural_level is None:
            kind_issue = target_kind_issue(lesion, settings)
            if kind_issue is not None:
                issues.append(kind_issue)
                continue
        if lesion.role == "target" and size is None:
            issues.append(
                BaselineIssue(
                    rule="target-measured",
                    lesion_id=lesion.id,
                    message=f"target lesion {lesion.id!r} has no baseline measurement",
                )
            )
            continue
        if size is None:
            continue
        if lesion.role == "target" and lesion.nodal and size < NODAL_TARGET_MIN_MM:
            issues.append(
                BaselineIssue(
                    rule="nodal-measurable",
                    lesion_id=lesion.id,
                    message=(
                        f"nodal target {lesion.id!r} short axis {size} mm < 15 mm "
                        "(nodes 10 to < 15 mm are non-target)"
                    ),
                )
            )
        elif lesion.role == "target" and not lesion.nodal:
            minimum = minimum_measurable_mm(
                method=lesion.method, slice_thickness_mm=lesion.slice_thickness_mm
            )
            if size < minimum:
                issues.append(
                    BaselineIssue(
                        rule="non-nodal-measurable",
                        lesion_id=lesion.id,
                        message=(
                            f"target {lesion.id!r} longest diameter {size} mm < {minimum} mm "
                            f"(not measurable by {lesion.method})"
                        ),
                    )
                )
        elif lesion.role == "non_target" and lesion.nodal and size < NODAL_PATHOLOGICAL_MIN_MM:
            issues.append(
                BaselineIssue(
                    rule="nodal-pathological",
                    lesion_id=lesion.id,
                    message=(
                        f"node {lesion.id!r} short axis {size} mm < 10 mm is not pathological "
                        "and is not a lesion"
                    ),
                )
            )
    targets = subject.targets
    if len(targets) > MAX_TARGETS:
        issues.append(
            BaselineIssue(
                rule="at-most-5-targets",
                lesion_id=None,
                message=f"{len(targets)} target lesions; at most {MAX_TARGETS}",
            )
        )
    per_organ = Counter(t.organ_key for t in targets)
    for organ, count in sorted(per_organ.items()):
        if count > MAX_TARGETS_PER_ORGAN:
            ids = [t.id for t in targets if t.organ_key == organ]
            issues.append(
                BaselineIssue(
                    rule="at-most-2-per-organ",
                    lesion_id=ids[MAX_TARGETS_PER_ORGAN],
                    message=f"{count} targets in {organ} ({', '.join(ids)}); at most 2 per organ",
                )
            )
    return issues


def require_valid_baseline(
    subject: SubjectAssessments,
    *,
    source: str | None = None,
    settings: ResponseSettings | None = None,
) -> None:
    """Raise :class:`BaselineError` listing every violation, if any."""
    issues = check_baseline(subject, settings=settings)
    if issues:
        raise BaselineError(issues, source=source)
