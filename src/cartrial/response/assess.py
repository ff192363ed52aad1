"""One subject's RECIST 1.1 assessment: baseline checks, time points and BOR together.

This is the function the CLI and the services call; it composes the rule books of
:mod:`cartrial.response.baseline`, :mod:`cartrial.response.recist` and
:mod:`cartrial.response.bor` without adding rules of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from cartrial.response.baseline import require_valid_baseline
from cartrial.response.bor import BestOverallResponse, Timepoint, derive_best_overall_response
from cartrial.response.lesions import SubjectAssessments
from cartrial.response.recist import TimepointResponse, derive_timepoint_responses
from cartrial.response.settings import ResponseSettings

__all__ = ["SubjectRecist", "assess_recist"]


class SubjectRecist(BaseModel):
    """RECIST 1.1 result for one subject."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    criteria: str
    reference_date: dt.date
    baseline_sum_mm: Decimal | None
    timepoints: list[TimepointResponse]
    best_overall_response: BestOverallResponse
    best_overall_response_unconfirmed: BestOverallResponse


def assess_recist(
    subject: SubjectAssessments,
    *,
    settings: ResponseSettings | None = None,
    source: str | None = None,
) -> SubjectRecist:
    """Check the baseline, derive every time point and the BOR (confirmed per ``settings``)."""
    settings = settings or ResponseSettings()
    require_valid_baseline(subject, source=source, settings=settings)
    timepoints = derive_timepoint_responses(subject, settings=settings)
    simple = [Timepoint(date=t.date, day=t.day, overall=t.overall) for t in timepoints]
    return SubjectRecist(
        subject_id=subject.subject_id,
        criteria="recist11",
        reference_date=subject.reference_date,
        baseline_sum_mm=(
            sum((t.size_mm or Decimal(0) for t in subject.targets), Decimal(0))
            if subject.targets
            else None
        ),
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
