"""iRECIST time-point responses and the i-best overall response (iBOR).

Source: Seymour L et al., iRECIST: guidelines for response criteria for use in trials
testing immunotherapeutics, Lancet Oncol 2017;18:e143-e152 (Table 2, time-point response;
Table 3, iBOR), and the EORTC iRECIST FAQ. Baseline lesions are measured and classified
exactly as RECIST 1.1 (:mod:`cartrial.response.recist`).

Steps at each assessment:

1. RECIST 1.1 categories of the baseline lesions: target (sum vs nadir), non-target.
   New lesions are kept apart: at first appearance a new lesion is a new-lesion target
   (NLT) when measurable by RECIST size rules (non-nodal >= 10 mm, node >= 15 mm short axis)
   and within 5 NLT in total and 2 per organ; otherwise new-lesion non-target (NLNT).
   NLT are never added to the target sum.
2. Without a pending iUPD: progression in any category (target PD, unequivocal non-target
   PD, a new lesion not seen before, an NLT sum >= 5 mm over the previous assessment, an
   NLNT marked ``increased``, or a reappearance after iCR) is **iUPD**; otherwise iCR,
   iPR, iSD, iNON-CR/NON-PD or iNE by RECIST 1.1 Tables 1-2 on the baseline lesions.
3. With a pending iUPD, progression is confirmed (**iCPD**) at an assessment at least
   ``icpd_min_days`` after the iUPD that shows, against the iUPD assessment: a target sum
   >= 5 mm larger (target-driven), any further non-target increase (non-target-driven,
   need not be unequivocal), an NLT sum >= 5 mm larger, an NLNT increase or an additional
   new lesion (new-lesion-driven), or RECIST 1.1 progression in a category that had not
   progressed. Increases add up across assessments because the reference stays at the
   iUPD assessment (EORTC FAQ: 4 mm then 2 mm confirms). Evidence earlier than
   ``icpd_min_days`` leaves iUPD (EORTC FAQ).
4. Without confirmation the iUPD stays while its trigger persists (target still PD
   against the nadir; non-target still unequivocal; new lesions still present), except that
   a new-lesion-driven iUPD whose new lesions are unchanged while the target sum has fallen
   since the iUPD is reset (EORTC FAQ scenario B; no change at all stays iUPD, scenario F).
   An assessment that cannot be evaluated is iNE and the iUPD stays pending.
   Otherwise the iUPD is **reset** and the time point is iCR/iPR/iSD/iNON-CR/NON-PD by the
   usual rules; a later progression is a new iUPD needing its own confirmation.
5. iBOR (Table 3): the best of iCR > iPR > iSD > iNON-CR/NON-PD > iUPD > iCPD > iNE up to
   the first iCPD, with the RECIST 1.1 confirmation and SD-minimum rules of
   :mod:`cartrial.response.bor`; an iUPD later confirmed counts as iCPD.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.response.baseline import NODAL_TARGET_MIN_MM, require_valid_baseline
from cartrial.response.bor import Timepoint, find_confirmation
from cartrial.response.lesions import Assessment, NewLesion, SubjectAssessments
from cartrial.response.recist import (
    OverallResponse,
    TimepointResponse,
    assess_overall_response,
    derive_timepoint_responses,
    lesions_seen_again,
)
from cartrial.response.settings import ResponseSettings

__all__ = [
    "IBestOverallResponse",
    "IResponse",
    "ITimepointResponse",
    "SubjectIRecist",
    "assess_irecist",
    "derive_ibor",
    "derive_itimepoint_responses",
]

IResponse = Literal["iCR", "iPR", "iSD", "iNON-CR/NON-PD", "iUPD", "iCPD", "iNE"]
IRANK: dict[str, int] = {
    "iCR": 7,
    "iPR": 6,
    "iSD": 5,
    "iNON-CR/NON-PD": 4,
    "iUPD": 3,
    "iCPD": 2,
    "iNE": 1,
}
FURTHER_INCREASE_MM = Decimal(5)
_MAX_NLT = 5
_MAX_NLT_PER_ORGAN = 2


class ITimepointResponse(BaseModel):
    """iRECIST response at one assessment, with the RECIST 1.1 categories it rests on."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    day: int
    target_sum_mm: Decimal | None
    target: str | None
    non_target: str | None
    new_lesion_targets: list[str]
    new_lesion_non_targets: list[str]
    new_lesion_target_sum_mm: Decimal
    overall: IResponse
    iupd_date: dt.date | None
    iupd_categories: list[str]
    reasons: list[str]


class IBestOverallResponse(BaseModel):
    """The iBOR and its reasons."""

    model_config = ConfigDict(frozen=True)

    response: IResponse
    confirmation_required: bool
    date: dt.date | None
    reasons: list[str]


class SubjectIRecist(BaseModel):
    """iRECIST result for one subject."""

    model_config = ConfigDict(frozen=True)

    subject_id: str
    criteria: str
    reference_date: dt.date
    timepoints: list[ITimepointResponse]
    best_overall_response: IBestOverallResponse


class _Snapshot(BaseModel):
    """The iUPD assessment: the reference for confirmation."""

    date: dt.date
    categories: list[str]
    target_sum: Decimal | None
    nlt_sum: Decimal
    new_ids: frozenset[str]


def _is_nlt(lesion: NewLesion) -> bool:
    size = lesion.size_mm
    if size is None:
        return False
    return size >= (NODAL_TARGET_MIN_MM if lesion.nodal else Decimal(10))


def _classify_new(
    assessment: Assessment, nlt: set[str], nlnt: set[str], organs: Counter[str]
) -> None:
    for lesion in assessment.new_lesions:
        if lesion.equivocal or lesion.id in nlt or lesion.id in nlnt:
            continue
        organ = "lymph nodes" if lesion.nodal else lesion.organ.strip().lower()
        if _is_nlt(lesion) and len(nlt) < _MAX_NLT and organs[organ] < _MAX_NLT_PER_ORGAN:
            nlt.add(lesion.id)
            organs[organ] += 1
        else:
            nlnt.add(lesion.id)


def _i(response: OverallResponse) -> IResponse:
    return {
        "CR": "iCR",
        "PR": "iPR",
        "SD": "iSD",
        "NON-CR/NON-PD": "iNON-CR/NON-PD",
        "PD": "iUPD",
        "NE": "iNE",
    }[response]  # type: ignore[return-value]


def derive_itimepoint_responses(
    subject: SubjectAssessments, *, settings: ResponseSettings | None = None
) -> list[ITimepointResponse]:
    """iRECIST responses at every assessment (steps 1-4 of the module docstring)."""
    settings = settings or ResponseSettings()
    recist = derive_timepoint_responses(subject, settings=settings)
    nlt: set[str] = set()
    nlnt: set[str] = set()
    organs: Counter[str] = Counter()
    seen: set[str] = set()
    previous_nlt_sum = Decimal(0)
    pending: _Snapshot | None = None
    confirmed_on: dt.date | None = None
    had_icr = False
    out: list[ITimepointResponse] = []
    for assessment, r in zip(subject.assessments, recist, strict=True):
        _classify_new(assessment, nlt, nlnt, organs)
        present = {n.id: n for n in assessment.new_lesions if not n.equivocal}
        present = {k: v for k, v in present.items() if v.status != "absent"}
        nlt_sum = sum((n.size_mm or Decimal(0) for k, n in present.items() if k in nlt), Decimal(0))
        additional = sorted(set(present) - seen)
        nlnt_increased = sorted(
            k for k, n in present.items() if k in nlnt and n.status == "increased"
        )
        nt_increased = sorted(o.lesion_id for o in assessment.lesions if o.kind == "increased")
        baseline_only, why_base = assess_overall_response(
            target=r.target, non_target=r.non_target, has_new_lesion=False
        )
        reasons = [*_recist_reasons(r), why_base.replace("no new lesion", "new lesions apart")]
        response: IResponse
        if confirmed_on is not None:
            response = "iCPD"
            reasons = [f"progression already confirmed (iCPD on {confirmed_on})"]
        elif pending is None:
            categories = _progressed_categories(
                r,
                additional,
                nlt_sum - previous_nlt_sum,
                nlnt_increased,
                lesions_seen_again(subject, {o.lesion_id: o for o in assessment.lesions}),
                had_icr,
            )
            if categories:
                response = "iUPD"
                pending = _Snapshot(
                    date=assessment.date,
                    categories=[c for c, _ in categories],
                    target_sum=r.target_sum_mm,
                    nlt_sum=nlt_sum,
                    new_ids=frozenset(seen | set(present)),
                )
                reasons += [why for _, why in categories]
                reasons.append("RECIST 1.1 progression is iUPD, to be confirmed (Seymour 2017)")
            else:
                response = _i(baseline_only)
        else:
            # new lesions are compared with the iUPD assessment, so one that appeared too
            # early to confirm still confirms at the next assessment if it persists
            since_iupd = sorted(set(present) - pending.new_ids)
            evidence = _confirming_evidence(
                pending, r, nlt_sum, since_iupd, nlnt_increased, nt_increased
            )
            gap = (assessment.date - pending.date).days
            if evidence and gap >= settings.icpd_min_days:
                response = "iCPD"
                confirmed_on = assessment.date
                reasons += evidence
                reasons.append(
                    f"iUPD of {pending.date} confirmed {gap} days later "
                    f"(>= {settings.icpd_min_days}): iCPD"
                )
            elif evidence:
                response = "iUPD"
                reasons += evidence
                reasons.append(
                    f"only {gap} days after the iUPD of {pending.date} "
                    f"(< {settings.icpd_min_days}): cannot confirm, remains iUPD (EORTC FAQ)"
                )
            else:
                persisting = _persisting(pending, r, present, nt_increased)
                if persisting:
                    response = "iUPD"
                    reasons.append(
                        f"iUPD of {pending.date} not confirmed and not reset ({persisting}): "
                        "remains iUPD"
                    )
                elif baseline_only == "NE":
                    response = "iNE"
                    reasons.append(
                        f"not evaluable: the iUPD of {pending.date} still awaits confirmation"
                    )
                else:
                    response = _i(baseline_only)
                    reasons.append(
                        f"PD criteria no longer met: iUPD of {pending.date} reset; "
                        "a later progression needs its own confirmation (Seymour 2017 Table 2)"
                    )
                    pending = None
        had_icr = had_icr or response == "iCR"
        seen |= set(present)
        previous_nlt_sum = nlt_sum
        out.append(
            ITimepointResponse(
                date=assessment.date,
                day=r.day,
                target_sum_mm=r.target_sum_mm,
                target=r.target,
                non_target=r.non_target,
                new_lesion_targets=sorted(k for k in present if k in nlt),
                new_lesion_non_targets=sorted(k for k in present if k in nlnt),
                new_lesion_target_sum_mm=nlt_sum,
                overall=response,
                iupd_date=pending.date if pending is not None else None,
                iupd_categories=pending.categories if pending is not None else [],
                reasons=reasons,
            )
        )
    return out


def _recist_reasons(r: TimepointResponse) -> list[str]:
    return [x for x in r.reasons if not x.startswith(("Table", "unequivocal new", "after an"))]


def _progressed_categories(
    r: TimepointResponse,
    additional: list[str],
    nlt_increase: Decimal,
    nlnt_increased: list[str],
    seen_again: list[str],
    had_icr: bool,
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if r.target == "PD":
        out.append(("target", "target PD by RECIST 1.1"))
    if r.non_target == "PD":
        out.append(("non_target", "unequivocal non-target progression"))
    if additional:
        out.append(("new", f"new lesion {', '.join(additional)}"))
    elif nlt_increase >= FURTHER_INCREASE_MM or nlnt_increased:
        out.append(("new", "previously recorded new lesions increased"))
    if not out and had_icr and seen_again:
        out.append(("target", f"{', '.join(seen_again)} reappearing after iCR (EORTC RECIST FAQ)"))
    return out


def _confirming_evidence(
    ref: _Snapshot,
    r: TimepointResponse,
    nlt_sum: Decimal,
    additional: list[str],
    nlnt_increased: list[str],
    nt_increased: list[str],
) -> list[str]:
    out: list[str] = []
    cats = ref.categories
    if "target" in cats and r.target_sum_mm is not None and ref.target_sum is not None:
        rise = r.target_sum_mm - ref.target_sum
        if rise >= FURTHER_INCREASE_MM:
            out.append(f"target sum {rise:+} mm since the iUPD (>= 5 mm)")
    elif "target" not in cats and r.target == "PD":
        out.append("target PD, a category that had not progressed at iUPD")
    if "non_target" in cats and nt_increased:
        out.append(f"further non-target increase: {', '.join(nt_increased)}")
    elif "non_target" not in cats and r.non_target == "PD":
        out.append("unequivocal non-target PD, a category that had not progressed at iUPD")
    if additional:
        out.append(f"additional new lesion {', '.join(additional)}")
    if "new" in cats and nlt_sum - ref.nlt_sum >= FURTHER_INCREASE_MM:
        out.append(f"new-lesion target sum {nlt_sum - ref.nlt_sum:+} mm since the iUPD (>= 5 mm)")
    if nlnt_increased:
        out.append(f"new non-target lesion increased: {', '.join(nlnt_increased)}")
    return out


def _persisting(
    ref: _Snapshot, r: TimepointResponse, present: dict[str, NewLesion], nt_increased: list[str]
) -> str:
    reasons: list[str] = []
    if "target" in ref.categories and r.target == "PD":
        reasons.append("target sum still PD against the nadir")
    if "non_target" in ref.categories and (r.non_target == "PD" or nt_increased):
        reasons.append("non-target progression persists")
    if "new" in ref.categories and present:
        fell = (
            r.target_sum_mm is not None
            and ref.target_sum is not None
            and r.target_sum_mm < ref.target_sum
            and r.target not in ("PD", "NE")
        )
        if not fell:
            reasons.append("new lesions persist unchanged (EORTC FAQ scenario F)")
    return "; ".join(reasons)


def derive_ibor(
    timepoints: list[ITimepointResponse],
    *,
    settings: ResponseSettings | None = None,
    has_target_disease: bool = True,
) -> IBestOverallResponse:
    """iBOR by Seymour 2017 Table 3 (step 5 of the module docstring)."""
    settings = settings or ResponseSettings()
    considered: list[ITimepointResponse] = []
    for tp in timepoints:
        considered.append(tp)
        if tp.overall == "iCPD":
            break
    has_icpd = bool(considered) and considered[-1].overall == "iCPD"
    plain = [
        Timepoint(
            date=t.date,
            day=t.day,
            overall="PD" if t.overall in ("iUPD", "iCPD") else t.overall[1:],
        )
        for t in considered
    ]
    reasons: list[str] = []
    best: tuple[int, IResponse, dt.date | None] = (0, "iNE", None)
    for i, tp in enumerate(considered):
        candidate = tp.overall
        if candidate in ("iCR", "iPR") and settings.confirmation_required:
            confirmed_by, why = find_confirmation(plain, i, settings)
            for plain_name in ("CR", "PR"):
                why = why.replace(f" by {plain_name} ", f" by i{plain_name} ")
            reasons.append("i" + why)
            if confirmed_by is None:
                candidate = "iSD" if has_target_disease else "iNON-CR/NON-PD"
        if candidate in ("iSD", "iNON-CR/NON-PD") and tp.day < settings.sd_min_days:
            reasons.append(
                f"{candidate} on {tp.date} (day {tp.day}) is before the SD minimum of "
                f"{settings.sd_min_days} days: counts as iNE"
            )
            candidate = "iNE"
        if candidate == "iUPD" and has_icpd:
            candidate = "iCPD"
        if IRANK[candidate] > best[0]:
            best = (IRANK[candidate], candidate, tp.date)
    _, response, date = best
    reasons.append(
        f"i-best overall response {response}" + (f" on {date}" if date else ": no assessment")
    )
    return IBestOverallResponse(
        response=response,
        confirmation_required=settings.confirmation_required,
        date=date,
        reasons=reasons,
    )


def assess_irecist(
    subject: SubjectAssessments,
    *,
    settings: ResponseSettings | None = None,
    source: str | None = None,
) -> SubjectIRecist:
    """Check the baseline, derive every iRECIST time point and the iBOR."""
    settings = settings or ResponseSettings()
    require_valid_baseline(subject, source=source, settings=settings)
    timepoints = derive_itimepoint_responses(subject, settings=settings)
    return SubjectIRecist(
        subject_id=subject.subject_id,
        criteria="irecist",
        reference_date=subject.reference_date,
        timepoints=timepoints,
        best_overall_response=derive_ibor(
            timepoints, settings=settings, has_target_disease=bool(subject.targets)
        ),
    )
