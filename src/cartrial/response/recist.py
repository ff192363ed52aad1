"""RECIST 1.1 time-point response: target, non-target, new lesions and overall.

Source: Eisenhauer EA et al., New response evaluation criteria in solid tumours: revised
RECIST guideline (version 1.1), Eur J Cancer 2009;45:228-247, with the EORTC RECIST
working group FAQ and erratum.

Steps at each follow-up assessment:

1. Sum of diameters (section 3.2; 4.3.1): longest diameter of non-nodal targets plus short
   axis of nodal targets. "Too small to measure" counts the protocol default (5 mm),
   "disappeared" 0 mm; a split lesion adds its fragments; a lesion merged into another
   contributes 0 (the coalesced mass is measured on the other) (Appendix II; EORTC FAQ).
2. Target response (section 4.3.1), evaluated in the order PD, CR, PR, SD:
   PD = sum >= 20 % above the nadir (smallest sum on study, baseline included) **and**
   >= 5 mm above it; CR = every non-nodal target gone and every nodal target < 10 mm short
   axis; PR = sum >= 30 % below the baseline sum; SD = neither. A missing target makes the
   response NE unless the assessed targets alone already prove PD (section 4.4.2).
   Comparisons are exact: ``100 * (sum - baseline) <= -30 * baseline``, no rounding.
3. Non-target response (section 4.3.2): PD = unequivocal progression (investigator's call,
   never inferred); NE = any not evaluated; CR = all gone (nodes < 10 mm) and tumour
   markers normal; otherwise non-CR/non-PD.
4. New lesions (section 4.3.5): an unequivocal new lesion is PD; an equivocal one is not,
   but when a later assessment shows it unequivocally, PD is dated at its first appearance.
6. Date of progression (FDA 2018 endpoints guidance, PFS censoring table, "progression
   documented between scheduled visits"), when one assessment's scans were done on
   different days (``scan_date`` of a lesion): the earliest of the scans that show it: a
   new lesion's or reappearing lesion's scan, an unequivocally progressing non-target's
   scan, and for target PD the last scan of the measured targets (the sum needs them all).
5. Overall response: Table 1 (with targets) or Table 2 (non-targets only). After an
   overall CR, the reappearance of any lesion is PD (EORTC RECIST FAQ). Reappearance is
   read from the observations (:func:`lesions_seen_again`): a non-nodal target measured
   (or "too small") again, a nodal target back to >= 10 mm short axis, a non-target present
   again; a new lesion is PD anyway. A label alone is not reappearance: Table 1's CR + NE
   non-target = PR, or a PR from tumour markers not yet normal, stays PR.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cartrial.response.lesions import Assessment, BaselineLesion, Observation, SubjectAssessments
from cartrial.response.settings import ResponseSettings

__all__ = [
    "NonTargetResponse",
    "OverallResponse",
    "TargetResponse",
    "TimepointResponse",
    "assess_non_target_response",
    "assess_overall_response",
    "assess_target_response",
    "compute_percent_change",
    "compute_target_sum",
    "derive_timepoint_responses",
    "lesions_seen_again",
]

TargetResponse = Literal["CR", "PR", "SD", "PD", "NE"]
NonTargetResponse = Literal["CR", "NON-CR/NON-PD", "PD", "NE"]
OverallResponse = Literal["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]

PD_MIN_INCREASE_MM = Decimal(5)
NODE_NORMAL_BELOW_MM = Decimal(10)
_CENT = Decimal("0.01")


class TargetSum(BaseModel):
    """The sum of diameters of the assessed targets, and what it is made of."""

    model_config = ConfigDict(frozen=True)

    sum_mm: Decimal
    missing: list[str]
    is_cr_pattern: bool
    notes: list[str]


class TimepointResponse(BaseModel):
    """The RECIST 1.1 responses at one assessment, with the reasons that produced them."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    day: int
    target_sum_mm: Decimal | None
    targets_missing: list[str]
    baseline_sum_mm: Decimal | None
    nadir_sum_mm: Decimal | None
    change_from_baseline_pct: Decimal | None
    change_from_nadir_pct: Decimal | None
    change_from_nadir_mm: Decimal | None
    target: TargetResponse | None
    non_target: NonTargetResponse | None
    new_lesions: list[str]
    equivocal_new_lesions: list[str]
    reappeared: list[str] = []
    overall: OverallResponse
    progression_date: dt.date | None = None
    reasons: list[str]


def compute_percent_change(value: Decimal, reference: Decimal) -> Decimal | None:
    """Percent change for display (2 decimals); decisions never use this rounded value.

    >>> compute_percent_change(Decimal("9.8"), Decimal("14.0"))
    Decimal('-30.00')
    >>> compute_percent_change(Decimal("5"), Decimal("0")) is None
    True
    """
    if reference == 0:
        return None
    return (100 * (value - reference) / reference).quantize(_CENT)


def compute_target_sum(
    *,
    targets: list[BaselineLesion],
    observations: dict[str, Observation],
    too_small_mm: Decimal,
) -> TargetSum:
    """Sum of diameters of the assessed targets (RECIST 1.1 section 3.2, Appendix II).

    >>> t = [BaselineLesion(id="T1", organ="liver", role="target", value=20, unit="mm"),
    ...      BaselineLesion(id="N1", organ="node", role="target", nodal=True, value=18, unit="mm")]
    >>> o = {"T1": Observation(lesion_id="T1", status="disappeared"),
    ...      "N1": Observation(lesion_id="N1", value=8, unit="mm")}
    >>> s = compute_target_sum(targets=t, observations=o, too_small_mm=Decimal(5))
    >>> s.sum_mm, s.is_cr_pattern
    (Decimal('8'), True)
    """
    total = Decimal(0)
    missing: list[str] = []
    notes: list[str] = []
    cr_pattern = True
    for lesion in targets:
        obs = observations.get(lesion.id)
        if obs is None or obs.kind == "not_evaluated":
            missing.append(lesion.id)
            continue
        if obs.kind == "disappeared":
            size = Decimal(0)
        elif obs.kind == "merged":
            size = Decimal(0)
            notes.append(f"{lesion.id} merged into {obs.merged_into}: counted 0 mm")
        elif obs.kind == "too_small":
            size = too_small_mm
            notes.append(f"{lesion.id} too small to measure: counted {too_small_mm} mm")
        else:
            measured = obs.size_mm()
            assert measured is not None  # guaranteed by Observation's validator
            size = measured
            if obs.fragments is not None:
                notes.append(f"{lesion.id} split: fragments added to {size} mm")
        if lesion.nodal:
            cr_pattern = cr_pattern and size < NODE_NORMAL_BELOW_MM
        else:
            cr_pattern = cr_pattern and size == 0
        total += size
    return TargetSum(
        sum_mm=total, missing=missing, is_cr_pattern=cr_pattern and not missing, notes=notes
    )


def _is_pd(value: Decimal, nadir: Decimal, min_increase: Decimal) -> bool:
    increase = value - nadir
    return increase >= min_increase and 100 * increase >= 20 * nadir


def assess_target_response(
    *,
    target_sum: TargetSum,
    baseline_sum: Decimal,
    nadir_sum: Decimal,
    pd_min_increase_mm: Decimal = PD_MIN_INCREASE_MM,
) -> tuple[TargetResponse, str]:
    """Target response by RECIST 1.1 section 4.3.1 (order PD, CR, PR, SD; NE section 4.4.2).

    >>> s = TargetSum(sum_mm=Decimal("9.8"), missing=[], is_cr_pattern=False, notes=[])
    >>> assess_target_response(target_sum=s, baseline_sum=Decimal(14), nadir_sum=Decimal(14))[0]
    'PR'
    """
    value = target_sum.sum_mm
    over_nadir = value - nadir_sum
    nadir_text = f"{over_nadir:+} mm over nadir {nadir_sum} mm" + (
        f" ({compute_percent_change(value, nadir_sum):+}%)" if nadir_sum else ""
    )
    if _is_pd(value, nadir_sum, pd_min_increase_mm):
        assessed = " (assessed targets alone)" if target_sum.missing else ""
        return "PD", (
            f"target PD: sum {value} mm{assessed} is {nadir_text}: "
            f">= 20% and >= {pd_min_increase_mm} mm"
        )
    if target_sum.missing:
        return "NE", (
            f"target NE: {', '.join(target_sum.missing)} not evaluated and the assessed "
            f"sum {value} mm does not prove PD ({nadir_text})"
        )
    base_text = f"{compute_percent_change(value, baseline_sum):+}% from baseline {baseline_sum} mm"
    if target_sum.is_cr_pattern:
        return "CR", (
            f"target CR: all non-nodal targets gone, all nodal targets < 10 mm (sum {value} mm)"
        )
    if 100 * value <= 70 * baseline_sum:
        return "PR", f"target PR: sum {value} mm is {base_text}: decrease >= 30%"
    return "SD", f"target SD: sum {value} mm is {base_text} and {nadir_text}: neither PR nor PD"


def assess_non_target_response(
    *,
    non_targets: list[BaselineLesion],
    observations: dict[str, Observation],
    tumour_markers_normal: bool | None,
) -> tuple[NonTargetResponse | None, str]:
    """Non-target response by RECIST 1.1 section 4.3.2 (``None`` when there are none)."""
    if not non_targets:
        return None, "no non-target lesion at baseline"
    kinds = {lesion.id: _non_target_kind(observations.get(lesion.id)) for lesion in non_targets}
    progressed = [lid for lid, kind in kinds.items() if kind == "unequivocal_progression"]
    if progressed:
        return "PD", f"non-target PD: unequivocal progression of {', '.join(progressed)}"
    missing = [lid for lid, kind in kinds.items() if kind == "not_evaluated"]
    if missing:
        return "NE", f"non-target NE: {', '.join(missing)} not evaluated"
    present = [lid for lid, kind in kinds.items() if kind != "absent"]
    if present:
        return "NON-CR/NON-PD", f"non-target non-CR/non-PD: {', '.join(present)} persist"
    if tumour_markers_normal is False:
        return "NON-CR/NON-PD", "non-target non-CR/non-PD: lesions gone but tumour markers abnormal"
    return "CR", "non-target CR: all non-target lesions gone (nodes < 10 mm)"


def lesions_seen_again(
    subject: SubjectAssessments, observations: dict[str, Observation]
) -> list[str]:
    """Baseline lesions that an assessment shows present (module step 5).

    At an overall CR every non-nodal target is gone, every nodal target < 10 mm and every
    non-target absent, so after a CR these are the lesions that reappeared.

    >>> t = [BaselineLesion(id="T1", organ="liver", role="target", value=20, unit="mm"),
    ...      BaselineLesion(id="NT1", organ="pleura", role="non_target")]
    >>> s = SubjectAssessments(subject_id="1", baseline_date="2026-01-01",
    ...     reference_date="2026-01-02", lesions=t)
    >>> lesions_seen_again(s, {"T1": Observation(lesion_id="T1", status="disappeared"),
    ...                        "NT1": Observation(lesion_id="NT1", status="not_evaluated")})
    []
    """
    seen: list[str] = []
    for lesion in subject.lesions:
        obs = observations.get(lesion.id)
        if obs is None:
            continue
        if lesion.role == "non_target":
            if obs.kind in ("present", "unequivocal_progression", "increased"):
                seen.append(lesion.id)
            continue
        size = obs.size_mm()
        if lesion.nodal:
            if size is not None and size >= NODE_NORMAL_BELOW_MM:
                seen.append(lesion.id)
        elif obs.kind == "too_small" or (size is not None and size > 0):
            seen.append(lesion.id)
    return seen


def _progression_date(
    assessment: Assessment,
    subject: SubjectAssessments,
    *,
    target_pd: bool,
    non_target_pd: bool,
    new: list[str],
    reappeared: list[str],
) -> dt.date:
    """The earliest scan that shows the progression (module step 6)."""
    observations = {o.lesion_id: o for o in assessment.lesions}
    roles = {lesion.id: lesion.role for lesion in subject.lesions}
    candidates: list[dt.date] = []
    if target_pd:
        measured = [
            o.scan_date or assessment.date
            for lid, o in observations.items()
            if roles.get(lid) == "target" and o.kind != "not_evaluated"
        ]
        candidates.append(max(measured, default=assessment.date))
    if non_target_pd:
        candidates += [
            o.scan_date or assessment.date
            for o in observations.values()
            if roles.get(o.lesion_id) == "non_target" and o.kind == "unequivocal_progression"
        ]
    candidates += [n.scan_date or assessment.date for n in assessment.new_lesions if n.id in new]
    candidates += [observations[lid].scan_date or assessment.date for lid in reappeared]
    return min(candidates, default=assessment.date)


def _non_target_kind(obs: Observation | None) -> str:
    if obs is None:
        return "not_evaluated"
    # "increased" is an iRECIST observation after iUPD; under RECIST 1.1 it is not unequivocal.
    return "present" if obs.kind == "increased" else obs.kind


def assess_overall_response(
    *,
    target: TargetResponse | None,
    non_target: NonTargetResponse | None,
    has_new_lesion: bool,
) -> tuple[OverallResponse, str]:
    """Overall time-point response: RECIST 1.1 Table 1 (targets) and Table 2 (non-targets only).

    >>> assess_overall_response(target="CR", non_target="NON-CR/NON-PD", has_new_lesion=False)
    ('PR', 'Table 1: target CR, non-target NON-CR/NON-PD, no new lesion -> PR')
    >>> assess_overall_response(target=None, non_target="NON-CR/NON-PD", has_new_lesion=False)[0]
    'NON-CR/NON-PD'
    """
    table = "Table 1" if target is not None else "Table 2"
    new_text = "new lesion" if has_new_lesion else "no new lesion"
    head = f"{table}: target {target or 'none'}, non-target {non_target or 'none'}, {new_text}"
    result: OverallResponse
    if has_new_lesion or target == "PD" or non_target == "PD":
        result = "PD"
    elif target is None:
        result = "NE" if non_target is None else non_target
    elif target == "CR":
        result = "CR" if non_target in ("CR", None) else "PR"
    elif target in ("PR", "SD"):
        result = target
    else:
        result = "NE"
    return result, f"{head} -> {result}"


def derive_timepoint_responses(
    subject: SubjectAssessments,
    *,
    settings: ResponseSettings | None = None,
    pd_min_increase_mm: Decimal = PD_MIN_INCREASE_MM,
) -> list[TimepointResponse]:
    """RECIST 1.1 responses at every assessment of ``subject`` (steps 1-5 of the module doc).

    ``pd_min_increase_mm`` is RECIST 1.1's absolute 5 mm; only mRECIST may change it.
    """
    settings = settings or ResponseSettings()
    targets = subject.targets
    baseline_sum: Decimal | None = None
    if targets:
        baseline_sum = sum((t.size_mm or Decimal(0) for t in targets), Decimal(0))
    nadir = baseline_sum
    had_cr = False
    results: list[TimepointResponse] = []
    for assessment in subject.assessments:
        observations = {o.lesion_id: o for o in assessment.lesions}
        reasons: list[str] = []
        target: TargetResponse | None = None
        target_sum: TargetSum | None = None
        if baseline_sum is not None and nadir is not None:
            target_sum = compute_target_sum(
                targets=targets,
                observations=observations,
                too_small_mm=settings.too_small_default_mm,
            )
            reasons.extend(target_sum.notes)
            target, why = assess_target_response(
                target_sum=target_sum,
                baseline_sum=baseline_sum,
                nadir_sum=nadir,
                pd_min_increase_mm=pd_min_increase_mm,
            )
            reasons.append(why)
        non_target, why = assess_non_target_response(
            non_targets=subject.non_targets,
            observations=observations,
            tumour_markers_normal=assessment.tumour_markers_normal,
        )
        reasons.append(why)
        new = [n.id for n in assessment.new_lesions if not n.equivocal and n.status != "absent"]
        equivocal = [n.id for n in assessment.new_lesions if n.equivocal]
        if new:
            reasons.append(f"unequivocal new lesion {', '.join(new)}: PD (section 4.3.5)")
        if equivocal:
            reasons.append(f"equivocal new lesion {', '.join(equivocal)}: not PD yet")
        overall, why = assess_overall_response(
            target=target, non_target=non_target, has_new_lesion=bool(new)
        )
        reasons.append(why)
        reappeared = lesions_seen_again(subject, observations) if had_cr else []
        if reappeared and overall != "PD":
            overall = "PD"
            reasons.append(
                f"after an overall CR {', '.join(reappeared)} seen again: a reappearing "
                "lesion is PD (EORTC RECIST FAQ)"
            )
        had_cr = had_cr or overall == "CR"
        value = target_sum.sum_mm if target_sum is not None else None
        results.append(
            TimepointResponse(
                date=assessment.date,
                day=(assessment.date - subject.reference_date).days,
                target_sum_mm=value,
                targets_missing=target_sum.missing if target_sum else [],
                baseline_sum_mm=baseline_sum,
                nadir_sum_mm=nadir,
                change_from_baseline_pct=(
                    compute_percent_change(value, baseline_sum)
                    if value is not None and baseline_sum is not None and target != "NE"
                    else None
                ),
                change_from_nadir_pct=(
                    compute_percent_change(value, nadir)
                    if value is not None and nadir is not None and target != "NE"
                    else None
                ),
                change_from_nadir_mm=(
                    value - nadir
                    if value is not None and nadir is not None and target != "NE"
                    else None
                ),
                target=target,
                non_target=non_target,
                new_lesions=new,
                equivocal_new_lesions=equivocal,
                reappeared=reappeared,
                overall=overall,
                progression_date=(
                    _progression_date(
                        assessment,
                        subject,
                        target_pd=target == "PD",
                        non_target_pd=non_target == "PD",
                        new=new,
                        reappeared=reappeared,
                    )
                    if overall == "PD"
                    else None
                ),
                reasons=reasons,
            )
        )
        if value is not None and nadir is not None and target != "NE":
            nadir = min(nadir, value)
    return _date_pd_at_first_equivocal_appearance(results, subject)


def _date_pd_at_first_equivocal_appearance(
    results: list[TimepointResponse], subject: SubjectAssessments
) -> list[TimepointResponse]:
    """RECIST 1.1 section 4.3.5: a new lesion first equivocal, later unequivocal, is PD
    dated at the assessment where it first appeared (at its scan there, step 6)."""
    first_equivocal: dict[str, int] = {}
    out = list(results)
    for i, tp in enumerate(results):
        for lid in tp.equivocal_new_lesions:
            first_equivocal.setdefault(lid, i)
        for lid in tp.new_lesions:
            j = first_equivocal.get(lid)
            if j is not None and out[j].overall != "PD":
                first = subject.assessments[j]
                scan = next(n.scan_date for n in first.new_lesions if n.id == lid)
                out[j] = out[j].model_copy(
                    update={
                        "overall": "PD",
                        "progression_date": scan or first.date,
                        "reasons": [
                            *out[j].reasons,
                            f"new lesion {lid} confirmed unequivocal on {tp.date.isoformat()}: "
                            "PD dated at its first appearance (section 4.3.5)",
                        ],
                    }
                )
    return out
