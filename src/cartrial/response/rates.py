"""Objective response rate (ORR) and disease control rate (DCR) with exact binomial CIs.

Definitions (RECIST 1.1, Eisenhauer 2009 section 4.6; the seeds' endpoints): ORR is the
proportion of subjects whose best overall response is CR or PR; DCR the proportion whose
BOR is CR, PR or SD (and, by default, non-CR/non-PD for subjects with non-target disease
only). The denominator is every subject in the group, NE included.

Window: with ``window_days`` the BOR uses only the assessments up to that day after the
reference date (e.g. ORR within 8 weeks = 56 days); a response must also be confirmed
inside the window when confirmation is required.

CI: Clopper CJ, Pearson ES, Biometrika 1934;26:404-413, the exact interval from beta
quantiles: lower = B(alpha/2; x, n - x + 1), upper = B(1 - alpha/2; x + 1, n - x), with
lower = 0 when x = 0 and upper = 1 when x = n; computed by statsmodels'
``proportion_confint(method="beta")``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.errors import InputError
from cartrial.response.bor import Timepoint, derive_best_overall_response
from cartrial.response.lesions import SubjectAssessments
from cartrial.response.recist import derive_timepoint_responses
from cartrial.response.settings import ResponseSettings

__all__ = [
    "RateEstimate",
    "SubjectBestResponse",
    "compute_clopper_pearson",
    "compute_response_rates",
    "derive_subject_best_response",
]

GroupBy = Literal["overall", "dose_level", "tumour_type"]
ORR_RESPONSES = frozenset({"CR", "PR"})


class SubjectBestResponse(BaseModel):
    """One subject's BOR with the grouping keys of the study summaries."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    dose_level: str | None = None
    tumour_type: str | None = None
    best_overall_response: str
    window_days: int | None = None


class RateEstimate(BaseModel):
    """A proportion with its exact CI, for one group."""

    model_config = ConfigDict(frozen=True)

    endpoint: Literal["ORR", "DCR"]
    group_by: GroupBy
    group: str
    responders: int
    n: int
    rate: float
    ci_low: float
    ci_high: float
    confidence: float
    definition: str


def compute_clopper_pearson(
    *, successes: int, n: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Exact confidence interval of a binomial proportion (Clopper and Pearson 1934).

    >>> low, high = compute_clopper_pearson(successes=0, n=10)
    >>> low, round(high, 5)  # 1 - 0.025 ** (1 / 10)
    (0.0, 0.3085)
    """
    if n < 1 or not 0 <= successes <= n:
        raise InputError("successes", successes, f"an integer from 0 to n = {n} (n >= 1)")
    if not 0 < confidence < 1:
        raise InputError("confidence", confidence, "a level strictly between 0 and 1")
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(successes, n, alpha=1 - confidence, method="beta")
    return float(low), float(high)


def derive_subject_best_response(
    subject: SubjectAssessments,
    *,
    settings: ResponseSettings | None = None,
    window_days: int | None = None,
) -> SubjectBestResponse:
    """RECIST 1.1 BOR from the assessments up to ``window_days`` after the reference date."""
    settings = settings or ResponseSettings()
    timepoints = [
        Timepoint(date=t.date, day=t.day, overall=t.overall)
        for t in derive_timepoint_responses(subject, settings=settings)
        if window_days is None or t.day <= window_days
    ]
    bor = derive_best_overall_response(
        timepoints, settings=settings, has_target_disease=bool(subject.targets)
    )
    return SubjectBestResponse(
        subject_id=subject.subject_id,
        dose_level=subject.dose_level,
        tumour_type=subject.tumour_type,
        best_overall_response=bor.response,
        window_days=window_days,
    )


def compute_response_rates(
    subjects: list[SubjectBestResponse],
    *,
    group_by: GroupBy = "overall",
    confidence: float = 0.95,
    dcr_includes_non_cr_non_pd: bool = True,
) -> list[RateEstimate]:
    """ORR and DCR per group (sorted by group name) with Clopper-Pearson CIs.

    >>> s = [SubjectBestResponse(subject_id=str(i), best_overall_response=r)
    ...      for i, r in enumerate(["PR", "SD", "PD", "NE"])]
    >>> [(e.endpoint, e.responders, e.n) for e in compute_response_rates(s)]
    [('ORR', 1, 4), ('DCR', 2, 4)]
    """
    dcr = {"CR", "PR", "SD"} | ({"NON-CR/NON-PD"} if dcr_includes_non_cr_non_pd else set())
    definitions: list[tuple[Literal["ORR", "DCR"], frozenset[str]]] = [
        ("ORR", ORR_RESPONSES),
        ("DCR", frozenset(dcr)),
    ]
    key: Callable[[SubjectBestResponse], str] = {
        "overall": lambda s: "all",
        "dose_level": lambda s: s.dose_level or "(none)",
        "tumour_type": lambda s: s.tumour_type or "(none)",
    }[group_by]
    groups: dict[str, list[SubjectBestResponse]] = {}
    for subject in subjects:
        groups.setdefault(key(subject), []).append(subject)
    out: list[RateEstimate] = []
    for group in sorted(groups):
        members = groups[group]
        for endpoint, responses in definitions:
            x = sum(1 for s in members if s.best_overall_response in responses)
            low, high = compute_clopper_pearson(successes=x, n=len(members), confidence=confidence)
            out.append(
                RateEstimate(
                    endpoint=endpoint,
                    group_by=group_by,
                    group=group,
                    responders=x,
                    n=len(members),
                    rate=x / len(members),
                    ci_low=low,
                    ci_high=high,
                    confidence=confidence,
                    definition=f"BOR in {{{', '.join(sorted(responses))}}} / all subjects",
                )
            )
    return out
