"""Per-patient outcomes read directly from latent virtual patients, vectorised.

Two readings, each the vectorised counterpart of an engine the service path
runs on rendered data:

**DLT** (:func:`assess_dlts`): the protocol's DLT rules
(:class:`cartrial.protocol.dlt.DltSpec`, the ``dlt:`` section; uclm802 D1-D8,
template of ``shared/design/CLINICAL_RULES.md`` section 2), applied to the
latent maximum grades, onsets and durations instead of AE records. As in
:mod:`cartrial.safety.dlt` only events with onset on or before day
``window_days`` count, and every latent CRS, ICANS and off-tumour event is
product-related. Rule by rule:

- ``any_grade5`` (D1): a grade-5 CRS, ICANS or off-tumour event in the window.
- ``crs`` (D2) / ``icans`` (D3): grade >= ``min_grade`` in the window, and
  either grade >= 4 (``grade4_any_duration``) or not improved to
  ``resolution_grade`` within ``resolution_hours`` (exactly 72 h is "within
  72 h", as the engine reads it). The latent row fixes only the maximum grade,
  onset and duration; the course is the site-path renderer's
  (``cartrial.sim.observations.syndromes``): one day at the maximum grade,
  then grade 2 (CRS) or grade 1 (ICANS) until the last day of the duration
  (whole days, at least 1). So a grade-3 event improves to the grade after the
  peak within a day: with uclm802's D2 (to <= 2) and D3 (to <= 1) only grade
  >= 4 (and grade 5) is a DLT; a rule asking for a lower resolution grade
  counts the days from the peak to the last day. ICANS seizures have no
  latent variable, so ``seizure_control_hours`` is not evaluated.
- ``term_grade`` (D4 serositis, D5 pneumonitis, D6 infusion reaction): the
  latent off-tumour term at ``min_grade`` or above in the window (CRS and ICANS
  when the rule lists their terms).
- ``persistent_cytopenia`` (D7): the CTCAE v5.0 grade of the ANC or platelet
  nadir (grade 4: ANC < 0.5, platelets < 25 x 10^9/L; grade 3: < 1.0, < 50)
  reached in the window, and ``cytopenia_recovery_day`` (read as the day the
  count leaves the nadir grade) after the first protocol visit after
  ``persistence_day`` (``still_at_first_assessment_after_day``), or more than
  ``persistence_day`` days after the nadir day (``duration_from_onset``; the
  onset is approximated by the nadir day).
- ``non_haematological`` (D8): an off-tumour term no other rule names and no
  term exception excuses, at ``min_grade`` or above in the window. The latent
  model has no duration for these events, so they are taken to last longer
  than ``min_duration_hours``.

Only events that start while the patient is followed (before death, withdrawal
or loss to follow-up) count, as a site can record no other. A patient without a
DLT is DLT-evaluable only when followed (alive, on study) through the window,
as :func:`cartrial.safety.dlt.assess_dlt` decides; non-evaluable patients are
replaced in escalation. ``grade2`` is a grade >= 2 product-related toxicity in
the window that is not a DLT (the accelerated titration trigger, Simon et al.
1997).

**Tumour response and survival** (:func:`assess_tumours`): RECIST 1.1
(Eisenhauer et al., Eur J Cancer 2009;45:228-247) on the Stein/Wilkerson g-d
trajectory ``SLD(t) = SLD0 (exp(-d t) + exp(g t) - 1)`` at the scan days, with
the site-path renderer's measurement error summed over the target lesions:
normal, SD ``lesion_sd_mm * sqrt(n_target_lesions)`` on the sum (baseline
included; sums below 0 read as 0; rounding ignored). Per scan (section 4.3):
PD when a new lesion has appeared by the scan day or the sum is >= 20 % and
>= 5 mm above the nadir (the smallest sum so far, baseline included); else CR
when the true sum is below ``CR_BELOW_MM`` (every lesion gone: a reader
records 0 mm, no error) or the measured sum is 0; else PR when it is >= 30 %
below baseline; else SD. BOR as
:func:`cartrial.response.bor.derive_best_overall_response` (section 4.6,
Table 3): scans up to the first PD; a CR/PR is confirmed by a later CR (or
CR/PR for a PR) at least ``confirmation_min_days`` later with only CR/PR (SD
too with ``confirmation_accept_sd``) in between; an unconfirmed CR/PR counts as
SD; SD before ``sd_min_days`` counts as NE. Scans stop at death, withdrawal,
loss to follow-up or the end of follow-up, so a scheduled scan is never NE.
PFS: the earlier of the first PD scan day and death, censored at the last
scan done when the patient leaves first; OS: death, censored at withdrawal,
loss to follow-up or the end of follow-up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cartrial.protocol.dlt import (
    AnyGrade5,
    CrsDlt,
    DltSpec,
    IcansDlt,
    NonHaematologicalDlt,
    PersistentCytopeniaDlt,
    TermGradeDlt,
)
from cartrial.protocol.model import Protocol
from cartrial.sim.patients import VirtualPatients

__all__ = [
    "BOR_LABELS",
    "DltOutcomes",
    "DltReading",
    "ResponseReading",
    "TumourOutcomes",
    "assess_dlts",
    "assess_patient_tumours",
    "assess_tumours",
    "dlt_reading",
    "response_reading",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Best overall response codes, in RECIST rank order (index = code).
BOR_LABELS = ("NE", "PD", "SD", "PR", "CR")
NE, PD, SD, PR, CR = range(5)

CRS_TERM = "Cytokine release syndrome"
ICANS_TERM = "Immune effector cell-associated neurotoxicity syndrome"
ANC_TERM = "Neutrophil count decreased"
PLATELET_TERM = "Platelet count decreased"
#: CTCAE v5.0 lower bounds (x 10^9/L) of grades 1-4: a count below the bound of
#: grade g is at least grade g (LLN taken as 2.0 for ANC, 150 for platelets).
ANC_BELOW = {1: 2.0, 2: 1.5, 3: 1.0, 4: 0.5}
PLATELETS_BELOW = {1: 150.0, 2: 75.0, 3: 50.0, 4: 25.0}
DEFAULT_FOLLOW_UP_DAYS = 730.0
#: A true sum of diameters below this is read as every target lesion gone (CR).
CR_BELOW_MM = 1.0


#: The grade after the one-day peak in the renderer's course (module docstring).
CRS_GRADE_AFTER_PEAK = 2
ICANS_GRADE_AFTER_PEAK = 1


@dataclass(frozen=True)
class SyndromeRule:
    min_grade: int
    resolution_grade: int
    resolution_days: float
    grade4_any_duration: bool


@dataclass(frozen=True)
class CytopeniaRule:
    anc: bool
    platelets: bool
    grade: int
    after_day: float  # still at grade after this day (first assessment, or onset + N)
    from_onset: bool


@dataclass(frozen=True)
class DltReading:
    """A protocol's DLT rules in the form the vectorised reading needs."""

    window_days: float
    any_grade5: bool = False
    crs: tuple[SyndromeRule, ...] = ()
    icans: tuple[SyndromeRule, ...] = ()
    terms: tuple[tuple[frozenset[str], int], ...] = ()
    cytopenia: tuple[CytopeniaRule, ...] = ()
    other_min_grade: int | None = None
    other_excused: frozenset[str] = frozenset()


def dlt_reading(spec: DltSpec, visit_days: list[int]) -> DltReading:
    """Compile ``spec`` (the protocol's ``dlt:`` section) for :func:`assess_dlts`.

    ``visit_days`` are the protocol's visit days (for "the first assessment
    after day N").
    """
    any5 = False
    crs: list[SyndromeRule] = []
    icans: list[SyndromeRule] = []
    terms: list[tuple[frozenset[str], int]] = []
    cyto: list[CytopeniaRule] = []
    other: int | None = None
    excused: set[str] = set()
    for definition in spec.definitions:
        rule = definition.rule
        if isinstance(rule, AnyGrade5):
            any5 = True
        elif isinstance(rule, CrsDlt | IcansDlt):
            target = crs if isinstance(rule, CrsDlt) else icans
            target.append(
                SyndromeRule(
                    rule.min_grade,
                    rule.resolution_grade,
                    rule.resolution_hours / 24.0,
                    rule.grade4_any_duration,
                )
            )
        elif isinstance(rule, TermGradeDlt):
            terms.append((frozenset(rule.terms), rule.min_grade))
        elif isinstance(rule, PersistentCytopeniaDlt):
            if rule.measure == "still_at_first_assessment_after_day":
                later = [d for d in sorted(visit_days) if d > rule.persistence_day]
                after = float(later[0]) if later else float(rule.persistence_day)
            else:
                after = float(rule.persistence_day)
            cyto.append(
                CytopeniaRule(
                    anc=ANC_TERM in rule.terms,
                    platelets=PLATELET_TERM in rule.terms,
                    grade=rule.grade,
                    after_day=after,
                    from_onset=rule.measure == "duration_from_onset",
                )
            )
        elif isinstance(rule, NonHaematologicalDlt):
            other = rule.min_grade if other is None else min(other, rule.min_grade)
            excused |= {e for e in rule.exceptions if isinstance(e, str)}
            excused |= {t for e in rule.exceptions if not isinstance(e, str) for t in e.terms}
    return DltReading(
        window_days=float(spec.window_days),
        any_grade5=any5,
        crs=tuple(crs),
        icans=tuple(icans),
        terms=tuple(terms),
        cytopenia=tuple(cyto),
        other_min_grade=other,
        other_excused=frozenset(excused),
    )


@dataclass(frozen=True)
class DltOutcomes:
    """Per patient: DLT, non-DLT grade >= 2 toxicity, DLT-evaluable, grade >= 3 CRS."""

    dlt: BoolArray
    grade2: BoolArray
    evaluable: BoolArray
    crs_grade3: BoolArray


def _syndrome(
    grade: IntArray,
    onset: FloatArray,
    duration: FloatArray,
    after_peak: int,
    rule: SyndromeRule,
    window: float | FloatArray,
) -> BoolArray:
    hit = (grade >= rule.min_grade) & (onset <= window)
    days = np.maximum(np.round(np.nan_to_num(duration)), 1.0)
    if after_peak <= rule.resolution_grade:
        above = np.minimum(days, 1.0)  # improves the day after the one-day peak
    else:
        above = np.where(days >= 2, days - 1.0, days)  # from the peak to the last day
    long = (above > rule.resolution_days) | (grade >= 5)
    if rule.grade4_any_duration:
        long = long | (grade >= 4)
    out: BoolArray = hit & long
    return out


def _cytopenia_grade_at_least(
    values: FloatArray, bounds: dict[int, float], grade: int
) -> BoolArray:
    out: BoolArray = values < bounds[grade]
    return out


def assess_dlts(p: VirtualPatients, reading: DltReading) -> DltOutcomes:
    """The DLT outcome of every patient at the dose in ``p`` (module docstring, "DLT")."""
    w = reading.window_days
    # An event counts only if it starts while the patient is followed (no site records a
    # toxicity that begins after death, withdrawal or loss to follow-up).
    followed = np.minimum(np.minimum(p.death_day, p.withdrawal_day), p.lost_to_follow_up_day)
    seen = np.minimum(followed, w)
    crs_in = p.crs_onset_day <= seen
    icans_in = p.icans_onset_day <= seen
    off_in = (p.off_tumour_onset_day <= seen) & (p.off_tumour_grade > 0)
    dlt = np.zeros(p.n, dtype=bool)
    if reading.any_grade5:
        dlt |= (crs_in & (p.crs_grade >= 5)) | (icans_in & (p.icans_grade >= 5))
        dlt |= off_in & (p.off_tumour_grade >= 5)
    for rule in reading.crs:
        dlt |= _syndrome(
            p.crs_grade, p.crs_onset_day, p.crs_duration_days, CRS_GRADE_AFTER_PEAK, rule, seen
        )
    for rule in reading.icans:
        dlt |= _syndrome(
            p.icans_grade,
            p.icans_onset_day,
            p.icans_duration_days,
            ICANS_GRADE_AFTER_PEAK,
            rule,
            seen,
        )
    named: set[str] = set()
    for terms, min_grade in reading.terms:
        named |= terms
        dlt |= off_in & (p.off_tumour_grade >= min_grade) & np.isin(p.off_tumour_term, list(terms))
        if CRS_TERM in terms:
            dlt |= crs_in & (p.crs_grade >= min_grade)
        if ICANS_TERM in terms:
            dlt |= icans_in & (p.icans_grade >= min_grade)
    for c in reading.cytopenia:
        low = np.zeros(p.n, dtype=bool)
        if c.anc:
            low |= _cytopenia_grade_at_least(p.anc_nadir_10e9_per_l, ANC_BELOW, c.grade)
        if c.platelets:
            low |= _cytopenia_grade_at_least(p.platelet_nadir_10e9_per_l, PLATELETS_BELOW, c.grade)
        after = p.cytopenia_nadir_day + c.after_day if c.from_onset else c.after_day
        dlt |= low & (p.cytopenia_nadir_day <= seen) & (p.cytopenia_recovery_day > after)
    if reading.other_min_grade is not None:
        unnamed = ~np.isin(p.off_tumour_term, [*named, *reading.other_excused])
        dlt |= off_in & unnamed & (p.off_tumour_grade >= reading.other_min_grade)
    grade2 = (
        (crs_in & (p.crs_grade >= 2))
        | (icans_in & (p.icans_grade >= 2))
        | (off_in & (p.off_tumour_grade >= 2))
    ) & ~dlt
    return DltOutcomes(
        dlt=dlt,
        grade2=grade2,
        evaluable=dlt | (followed >= w),
        crs_grade3=crs_in & (p.crs_grade >= 3),
    )


@dataclass(frozen=True)
class ResponseReading:
    """Scan days and the protocol's RECIST settings (``response:`` section)."""

    scan_days: FloatArray
    confirmation_required: bool = True
    confirmation_min_days: float = 28.0
    confirmation_accept_sd: bool = False
    sd_min_days: float = 42.0
    follow_up_days: float = DEFAULT_FOLLOW_UP_DAYS


def response_reading(protocol: Protocol, scan_days: list[int] | None = None) -> ResponseReading:
    """The protocol's response settings and scan days.

    Protocols do not flag which visits include a tumour assessment, so by
    default the scans are the visits on or after the SD minimum
    (``response.sd_min_days``; uclm802: weeks 6 and 8, months 3, 6, 9, 12, 18
    and 24, whose visit notes name the first two as tumour assessments). The
    end of follow-up is the last visit day.
    """
    resp = protocol.response
    sd_min = float(resp.sd_min_days) if resp is not None else 42.0
    days = sorted({v.day for v in protocol.visits})
    if scan_days is None:
        scan_days = [d for d in days if d >= sd_min]
    if not scan_days:
        scan_days = [42, 56, 84, 112, 168, 252, 365]
    follow_up = float(max(days[-1], max(scan_days))) if days else float(max(scan_days))
    return ResponseReading(
        scan_days=np.asarray(sorted(scan_days), dtype=np.float64),
        confirmation_required=resp.confirmation_required if resp is not None else True,
        confirmation_min_days=float(resp.confirmation_min_days) if resp is not None else 28.0,
        sd_min_days=sd_min,
        follow_up_days=follow_up,
    )


def _confirm(
    resp: IntArray, considered: BoolArray, t: FloatArray, reading: ResponseReading
) -> IntArray:
    """Time-point responses with each unconfirmed CR/PR replaced by SD (Table 3)."""
    out = resp.copy()
    n_scans = t.shape[0]
    for i in range(n_scans):
        is_cr = resp[:, i] == CR
        want = considered[:, i] & ((resp[:, i] == PR) | is_cr)
        if not want.any():
            continue
        confirmed = np.zeros_like(want)
        alive = want.copy()
        for j in range(i + 1, n_scans):
            rj = resp[:, j]
            confirming = np.where(is_cr, rj == CR, (rj == CR) | (rj == PR))
            if t[j] - t[i] >= reading.confirmation_min_days:
                confirmed |= alive & considered[:, j] & confirming
            between = confirming | (reading.confirmation_accept_sd & (rj == SD))
            alive &= considered[:, j] & between
        out[:, i] = np.where(want & ~confirmed, SD, resp[:, i])
    return out


@dataclass(frozen=True)
class TumourOutcomes:
    """Per patient: BOR code (``BOR_LABELS``), PFS and OS day with event flags."""

    bor: IntArray
    pfs_day: FloatArray
    pfs_event: BoolArray
    os_day: FloatArray
    os_event: BoolArray


def assess_tumours(
    *,
    baseline_sld_mm: FloatArray,
    n_target_lesions: IntArray,
    growth_per_day: FloatArray,
    decay_per_day: FloatArray,
    new_lesion_day: FloatArray,
    death_day: FloatArray,
    withdrawal_day: FloatArray,
    lost_day: FloatArray,
    noise: FloatArray,
    lesion_sd_mm: float,
    reading: ResponseReading,
) -> TumourOutcomes:
    """BOR, PFS and OS of every patient (module docstring, "Tumour response").

    ``noise`` holds standard normal draws, shape (patients, 1 + scans): column
    0 for the baseline sum, column s + 1 for scan s.

    >>> r = ResponseReading(scan_days=np.array([42.0, 84.0]))
    >>> one = np.array([1.0])
    >>> out = assess_tumours(baseline_sld_mm=one * 100, n_target_lesions=np.array([2]),
    ...     growth_per_day=one * 0.0, decay_per_day=one * 0.01, new_lesion_day=one * np.inf,
    ...     death_day=one * np.inf, withdrawal_day=one * np.inf, lost_day=one * np.inf,
    ...     noise=np.zeros((1, 3)), lesion_sd_mm=0.0, reading=r)
    >>> BOR_LABELS[int(out.bor[0])]  # 100 exp(-0.42) = 65.7, 100 exp(-0.84) = 43.2
    'PR'
    """
    t = reading.scan_days
    n_scans = t.shape[0]
    sd = lesion_sd_mm * np.sqrt(n_target_lesions.astype(np.float64))
    base = np.maximum(baseline_sld_mm + sd * noise[:, 0], 1.0)
    shape = np.exp(-decay_per_day[:, None] * t) + np.exp(growth_per_day[:, None] * t) - 1.0
    true = baseline_sld_mm[:, None] * shape
    obs = np.where(true < CR_BELOW_MM, 0.0, np.maximum(true + sd[:, None] * noise[:, 1:], 0.0))
    censor = np.minimum(np.minimum(withdrawal_day, lost_day), reading.follow_up_days)
    done = (t <= censor[:, None]) & (t < death_day[:, None])
    nadir = np.minimum.accumulate(np.concatenate([base[:, None], obs], axis=1), axis=1)[:, :-1]
    rise = obs - nadir
    pd = (new_lesion_day[:, None] <= t) | ((rise >= 0.2 * nadir) & (rise >= 5.0))
    resp = np.where(pd, PD, np.where(obs <= 0.0, CR, np.where(obs <= 0.7 * base[:, None], PR, SD)))
    pd_done = pd & done
    first_pd = np.where(pd_done.any(axis=1), pd_done.argmax(axis=1), n_scans)
    considered = done & (np.arange(n_scans) <= first_pd[:, None])

    cand = resp.copy()
    if reading.confirmation_required:
        rows = np.flatnonzero((considered & ((resp == PR) | (resp == CR))).any(axis=1))
        cand[rows] = _confirm(resp[rows], considered[rows], t, reading)
    cand = np.where((cand == SD) & (t < reading.sd_min_days), NE, cand)
    bor = np.where(considered, cand, NE).max(axis=1, initial=NE).astype(np.int64)

    pd_day = np.where(first_pd < n_scans, t[np.minimum(first_pd, n_scans - 1)], np.inf)
    event_day = np.minimum(pd_day, death_day)
    pfs_event = event_day <= censor
    last_scan = np.where(considered, t, 0.0).max(axis=1, initial=0.0)
    os_event = death_day <= censor
    return TumourOutcomes(
        bor=bor,
        pfs_day=np.where(pfs_event, event_day, last_scan),
        pfs_event=pfs_event,
        os_day=np.where(os_event, death_day, censor),
        os_event=os_event,
    )


def assess_patient_tumours(
    patients: VirtualPatients, *, noise: FloatArray, lesion_sd_mm: float, reading: ResponseReading
) -> TumourOutcomes:
    """:func:`assess_tumours` on the latent fields of ``patients`` (at their doses)."""
    return assess_tumours(
        baseline_sld_mm=patients.baseline_sld_mm,
        n_target_lesions=patients.n_target_lesions,
        growth_per_day=patients.tumour_growth_per_day,
        decay_per_day=patients.tumour_decay_per_day,
        new_lesion_day=patients.new_lesion_day,
        death_day=patients.death_day,
        withdrawal_day=patients.withdrawal_day,
        lost_day=patients.lost_to_follow_up_day,
        noise=noise,
        lesion_sd_mm=lesion_sd_mm,
        reading=reading,
    )
