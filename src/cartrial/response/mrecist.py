"""Modified RECIST for malignant pleural mesothelioma (mRECIST 1.1).

Sources: Byrne MJ, Nowak AK, Modified RECIST criteria for assessment of response in
malignant pleural mesothelioma, Ann Oncol 2004;15:257-260; Armato SG 3rd, Nowak AK,
Revised modified Response Evaluation Criteria in Solid Tumors for assessment of response
in malignant pleural mesothelioma (version 1.1), J Thorac Oncol 2018;13:1012-1021.

Rules:

1. Pleural rind is measured as tumour thickness perpendicular to the chest wall or
   mediastinum, at up to two sites on each of three CT levels (Byrne 2004: "two positions
   at three separate levels"); each such measurement is a target record with
   ``pleural_level`` 1-3. At most 2 sites per level (``pleural-sites``).
2. A pleural measurement is measurable at >= 10 mm thickness, or twice the slice thickness
   when slices are thicker than 5 mm (``pleural-measurable``; Armato 2018 minimally
   measurable disease, aligned with RECIST 1.1).
3. Non-pleural lesions follow RECIST 1.1 (measurability, nodes by short axis, at most 5
   targets and 2 per organ); the pleural measurements do not count towards those limits.
4. The total tumour measurement is the sum of the pleural measurements and the non-pleural
   targets (Byrne 2004: "all measurements were added"). Responses are those of RECIST 1.1
   on that sum: PR >= 30 % below baseline; PD >= 20 % over the nadir and (mRECIST 1.1) an
   absolute increase of at least ``mrecist_pd_min_increase_mm`` (default 5 mm; 0 gives
   the original 2004 rule); CR = disappearance of all target disease, nodes < 10 mm.
   Non-target and new-lesion rules, overall response and BOR with confirmation are
   RECIST 1.1's (:mod:`cartrial.response.recist`, :mod:`cartrial.response.bor`).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from cartrial.response.assess import SubjectRecist
from cartrial.response.baseline import (
    BaselineError,
    BaselineIssue,
    check_baseline,
    minimum_measurable_mm,
)
from cartrial.response.bor import Timepoint, derive_best_overall_response
from cartrial.response.lesions import SubjectAssessments
from cartrial.response.recist import derive_timepoint_responses
from cartrial.response.settings import ResponseSettings

__all__ = ["assess_mrecist", "check_mrecist_baseline"]

MAX_PLEURAL_SITES_PER_LEVEL = 2


def check_mrecist_baseline(
    subject: SubjectAssessments, *, settings: ResponseSettings | None = None
) -> list[BaselineIssue]:
    """Every violation of mRECIST baseline rules 1-3 (other targets: RECIST 1.1's rules)."""
    issues: list[BaselineIssue] = []
    pleural = [lesion for lesion in subject.lesions if lesion.pleural_level is not None]
    others = [lesion for lesion in subject.lesions if lesion.pleural_level is None]
    for lesion in pleural:
        if lesion.role != "target" or lesion.nodal:
            issues.append(
                BaselineIssue(
                    rule="pleural-sites",
                    lesion_id=lesion.id,
                    message=f"pleural measurement {lesion.id!r} must be a non-nodal target",
                )
            )
            continue
        size = lesion.size_mm
        minimum = minimum_measurable_mm(
            method=lesion.method, slice_thickness_mm=lesion.slice_thickness_mm
        )
        if size is None or size < minimum:
            issues.append(
                BaselineIssue(
                    rule="pleural-measurable",
                    lesion_id=lesion.id,
                    message=(
                        f"pleural thickness {lesion.id!r} {size if size is not None else 'missing'}"
                        f" mm < {minimum} mm (not measurable)"
                    ),
                )
            )
    per_level = Counter(lesion.pleural_level for lesion in pleural)
    for level, count in sorted((k, v) for k, v in per_level.items() if k is not None):
        if count > MAX_PLEURAL_SITES_PER_LEVEL:
            ids = [lesion.id for lesion in pleural if lesion.pleural_level == level]
            issues.append(
                BaselineIssue(
                    rule="pleural-sites",
                    lesion_id=ids[MAX_PLEURAL_SITES_PER_LEVEL],
                    message=f"{count} pleural sites on level {level} ({', '.join(ids)}); at most 2",
                )
            )
    if others:
        issues += check_baseline(subject.model_copy(update={"lesions": others}), settings=settings)
    elif not pleural:
        issues += check_baseline(subject, settings=settings)
    return issues


def assess_mrecist(
    subject: SubjectAssessments,
    *,
    settings: ResponseSettings | None = None,
    source: str | None = None,
) -> SubjectRecist:
    """Check the mRECIST baseline, derive every time point on the total measurement, and BOR."""
    settings = settings or ResponseSettings()
    issues = check_mrecist_baseline(subject, settings=settings)
    if issues:
        raise BaselineError(issues, source=source, criteria="mRECIST 1.1")
    timepoints = derive_timepoint_responses(
        subject, settings=settings, pd_min_increase_mm=settings.mrecist_pd_min_increase_mm
    )
    simple = [Timepoint(date=t.date, day=t.day, overall=t.overall) for t in timepoints]
    return SubjectRecist(
        subject_id=subject.subject_id,
        criteria="mrecist11",
        reference_date=subject.reference_date,
        baseline_sum_mm=sum((t.size_mm or Decimal(0) for t in subject.targets), Decimal(0)),
        timepoints=timepoints,
        best_overall_response=derive_best_overall_response(
            simple, settings=settings, has_target_disease=bool(subject.targets)
        ),
        best_overall_response_unconfirmed=derive_best_overall_response(
            simple,
            settings=settings.model_copy(update={"confirmation_required": False}),
            has_target_disease=bool(subject.targets),
        ),
    )
