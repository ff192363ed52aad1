"""Everything the study report shows, read from the database in one snapshot.

:func:`study_data` opens one read-only snapshot (:func:`cartrial.services.context.snapshot`)
and, inside it, runs the trial analysis (:func:`cartrial.services.trial_summary.analyse`:
screening, DLTs, decisions, MTD/RP2D, safety tables, efficacy, NCA, audit head) and reads
what the analysis does not (:mod:`cartrial.services.study_report_records`: flow
milestones, baseline characteristics, exposure; cytokine and ADA results). The engines
compute; this module only assembles their inputs. The rules it adds:

- data cut: ``as_of`` (default: the time of the audit trail's last entry, i.e. the
  database as it stands; a simulated trial's clock runs ahead of the wall clock) is
  the instant the engines use
  (DLT windows, last date known alive); the report reads the records as stored, so
  audit entries written after the cut are counted and stated on the title page;
- locked cut: every subject has a data lock placed by the cut and not lifted by then
  (:func:`cartrial.services.data.lock_subject`); an unlocked cut is reported, never
  refused;
- treatment-related AEs: TEAEs whose relatedness to the CAR-T product is at least the
  protocol's DLT relatedness threshold (:func:`cartrial.safety.events.classify_adverse_events`,
  the call :func:`cartrial.safety.tables.compute_safety_tables` makes);
- CTCAE lab shifts: the stored CTCAE v5.0 grade of each lab result (graded at entry
  by :func:`cartrial.safety.ctcae.grade_lab_record`, engine version stored); baseline
  grade = the last graded result at or before the infusion, worst = the highest after
  it (ICH E3 section 12.4.2 shift tables);
- cytokines: :func:`cartrial.biomarkers.cytokines.derive_cytokine_kinetics` and
  :func:`~cartrial.biomarkers.cytokines.summarise_by_crs_grade` with each subject's
  worst ASTCT CRS grade (0 when none); ADA: :func:`cartrial.biomarkers.ada.assess_ada`
  (Shankar et al., AAPS J 2014);
- ORR/DCR by tumour type: :func:`cartrial.response.rates.compute_response_rates` over the
  response-evaluable subjects' BOR (and BOR within the protocol's window) with the tumour
  type of each subject's stored screening record (the lesion wiring,
  :func:`cartrial.services.tumour.subject_assessments`, carries none);
- exposure-response: :func:`cartrial.biomarkers.exposure_response.compute_exposure_response`
  of Cmax (blood NCA) against CRS grade >= 2 and objective response.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cartrial import __version__
from cartrial.biomarkers.ada import assess_ada, summarise_ada
from cartrial.biomarkers.cytokines import derive_cytokine_kinetics, summarise_by_crs_grade
from cartrial.biomarkers.exposure_response import (
    ExposureResponse,
    compute_exposure_response,
    derive_outcomes,
)
from cartrial.errors import InputError
from cartrial.response.rates import RateEstimate, SubjectBestResponse, compute_response_rates
from cartrial.safety.events import AeFlags, classify_adverse_events
from cartrial.services.context import Sessions, snapshot
from cartrial.services.study_report_records import (
    SubjectRecord,
    ada_samples,
    cytokine_samples,
    subject_records,
)
from cartrial.services.trial_summary import TrialAnalysis, analyse
from cartrial.store.models import (
    AdverseEvent,
    AuditEntry,
    Infusion,
    LabResult,
    ProtocolVersion,
    Subject,
    TumourAssessment,
    utcnow,
)

__all__ = ["LabShift", "StudyData", "study_data", "study_protocol_ids"]


@dataclass(frozen=True)
class LabShift:
    """Subjects of one lab test by (baseline grade, worst post-infusion grade)."""

    test: str
    term: str
    cells: dict[tuple[int, int], list[str]]


@dataclass(frozen=True)
class StudyData:
    """The analysis, the per-subject records and the biomarker results of one snapshot."""

    analysis: TrialAnalysis
    records: list[SubjectRecord]
    software_version: str
    protocol_sha256: str
    read_at: dt.datetime
    entries_after_cut: int
    unlocked: list[str]
    ae_flags: list[AeFlags]
    lab_shifts: list[LabShift]
    cytokine_kinetics: pd.DataFrame | None
    cytokines_by_crs: pd.DataFrame | None
    ada: pd.DataFrame | None
    ada_summary: dict[str, float | int] | None
    exposure_response: list[ExposureResponse]
    engine_versions: dict[str, list[str]]
    rates_by_tumour: list[RateEstimate]
    rates_by_tumour_in_window: list[RateEstimate]

    @property
    def locked(self) -> bool:
        """True when every subject's data are locked at the cut."""
        return not self.unlocked


def study_protocol_ids(sessions: Sessions) -> list[str]:
    """The protocol ids registered in the database, sorted."""
    with snapshot(sessions) as session:
        return sorted(set(session.scalars(select(ProtocolVersion.protocol_id))))


def _pick_protocol(session: Session, protocol_id: str | None) -> str:
    ids = sorted(set(session.scalars(select(ProtocolVersion.protocol_id))))
    if protocol_id is not None:
        if protocol_id not in ids:
            raise InputError(
                "--protocol",
                protocol_id,
                "a protocol registered in the database: " + (", ".join(ids) or "none"),
            )
        return protocol_id
    if len(ids) != 1:
        raise InputError(
            "--protocol",
            None,
            "a protocol id (the database holds " + (", ".join(ids) or "none") + ")",
        )
    return ids[0]


def _ae_flags(analysis: TrialAnalysis) -> list[AeFlags]:
    tables, protocol = analysis.safety_tables, analysis.protocol
    if tables is None or protocol.windows is None:
        return []
    min_rel = protocol.dlt.min_relatedness if protocol.dlt else "possible"
    return [
        f
        for p in tables.patients
        for f in classify_adverse_events(
            patient=p,
            window=protocol.windows.teae,
            aesi=list(protocol.aesi),
            min_relatedness=min_rel,
        )
    ]


def _lab_shifts(
    session: Session, subjects: list[Subject], infusions: dict[str, Infusion]
) -> list[LabShift]:
    codes = {s.id: s.code for s in subjects if s.id in infusions}
    rows = session.scalars(
        select(LabResult)
        .where(LabResult.subject_id.in_(list(codes)), LabResult.derived_grade.is_not(None))
        .order_by(LabResult.collected_at, LabResult.id)
    ).all()
    per: dict[tuple[str, str], dict[str, tuple[int | None, int | None]]] = {}
    for r in rows:
        key = (r.test, r.ctcae_term or r.test)
        base, worst = per.setdefault(key, {}).get(r.subject_id, (None, None))
        grade = int(r.derived_grade or 0)
        if r.collected_at <= infusions[r.subject_id].started_at:
            base = grade
        else:
            worst = grade if worst is None else max(worst, grade)
        per[key][r.subject_id] = (base, worst)
    out = []
    for (test, term), by_subject in sorted(per.items()):
        cells: dict[tuple[int, int], list[str]] = {}
        for sid, (base, worst) in by_subject.items():
            if base is None or worst is None:
                continue
            cells.setdefault((base, worst), []).append(codes[sid])
        out.append(LabShift(test=test, term=term, cells=cells))
    return out


def _crs_frame(analysis: TrialAnalysis) -> pd.DataFrame:
    worst = analysis.summary.crs_rate.worst_grade_by_subject
    return pd.DataFrame(
        {
            "subject": analysis.summary.infused.subjects,
            "crs_grade": [worst.get(c, 0) for c in analysis.summary.infused.subjects],
        }
    )


def _exposure_response(analysis: TrialAnalysis) -> list[ExposureResponse]:
    s = analysis.summary
    cmax = {r.subject: r.cmax for r in s.nca.subjects if r.matrix == "blood"}
    if not cmax:
        return []
    clinical = pd.DataFrame(
        {
            "subject": s.infused.subjects,
            "crs_grade": [s.crs_rate.worst_grade_by_subject.get(c, 0) for c in s.infused.subjects],
            "icans_grade": [
                s.icans_rate.worst_grade_by_subject.get(c, 0) for c in s.infused.subjects
            ],
            "bor": [s.best_overall_response.get(c, "") for c in s.infused.subjects],
        }
    )
    data = derive_outcomes(clinical)
    data["cmax"] = [cmax.get(c) for c in data["subject"]]
    return [
        compute_exposure_response(data, exposure="cmax", outcome=o)
        for o in ("crs_grade_ge2", "objective_response")
    ]


def _tumour_rates(
    analysis: TrialAnalysis, records: list[SubjectRecord], *, in_window: bool
) -> list[RateEstimate]:
    study = analysis.study
    if study is None:
        return []
    tumours = {r.code: r.baseline.tumour_type for r in records}
    evaluable = set(analysis.summary.orr.subjects)
    rows = [
        SubjectBestResponse(
            subject_id=r.subject_id,
            dose_level=r.dose_level,
            tumour_type=tumours.get(r.subject_id) or "unknown",
            best_overall_response=(
                r.best_overall_response_in_window if in_window else r.best_overall_response
            ),
            window_days=study.window_days if in_window else None,
        )
        for r in study.subjects
        if r.subject_id in evaluable
    ]
    return compute_response_rates(rows, group_by="tumour_type") if rows else []


def _engine_versions(session: Session, ids: list[str]) -> dict[str, list[str]]:
    out = {}
    for name, model in (
        ("AE grades (ASTCT/CTCAE)", AdverseEvent),
        ("lab grades (CTCAE v5.0)", LabResult),
        ("tumour responses (RECIST 1.1)", TumourAssessment),
    ):
        found = session.scalars(
            select(model.engine_version)
            .where(model.subject_id.in_(ids), model.engine_version.is_not(None))
            .distinct()
        )
        out[name] = sorted(str(v) for v in found)
    return out


def study_data(
    sessions: Sessions, *, protocol_id: str | None = None, as_of: dt.datetime | None = None
) -> StudyData:
    """The study report's data for ``protocol_id`` (the only one in the database when
    None) at the data cut ``as_of`` (default now), all read in one snapshot."""
    if as_of is not None and as_of.tzinfo is None:
        raise InputError("--as-of", as_of.isoformat(), "a timestamp with a UTC offset")
    with snapshot(sessions) as session:
        read_at = utcnow()
        last = session.scalar(select(func.max(AuditEntry.at)))
        cut = as_of or last or read_at
        protocol_id = _pick_protocol(session, protocol_id)
        analysis = analyse(session, protocol_id, cut)
        subjects = list(
            session.scalars(
                select(Subject)
                .join(ProtocolVersion, ProtocolVersion.id == Subject.protocol_version_id)
                .where(ProtocolVersion.protocol_id == protocol_id)
                .order_by(Subject.code, Subject.created_at)
            )
        )
        ids = [s.id for s in subjects]
        infusions = {
            i.subject_id: i
            for i in session.scalars(select(Infusion).where(Infusion.subject_id.in_(ids)))
        }
        records = subject_records(session, analysis.protocol, subjects, cut)
        sha = session.scalars(
            select(ProtocolVersion.sha256)
            .where(ProtocolVersion.protocol_id == protocol_id)
            .order_by(ProtocolVersion.registered_at.desc(), ProtocolVersion.id)
            .limit(1)
        ).one()
        after = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.at > cut)
        )
        cytokines = cytokine_samples(session, subjects, infusions)
        ada = ada_samples(session, subjects, infusions)
        shifts = _lab_shifts(session, subjects, infusions)
        versions = _engine_versions(session, ids)
    kinetics = derive_cytokine_kinetics(cytokines) if cytokines is not None else None
    by_crs = (
        summarise_by_crs_grade(kinetics, _crs_frame(analysis)) if kinetics is not None else None
    )
    assessed = assess_ada(ada) if ada is not None else None
    return StudyData(
        analysis=analysis,
        records=records,
        software_version=__version__,
        protocol_sha256=sha,
        read_at=read_at,
        entries_after_cut=int(after or 0),
        unlocked=[r.code for r in records if not r.locked],
        ae_flags=_ae_flags(analysis),
        lab_shifts=shifts,
        cytokine_kinetics=kinetics,
        cytokines_by_crs=by_crs,
        ada=assessed,
        ada_summary=summarise_ada(assessed) if assessed is not None else None,
        exposure_response=_exposure_response(analysis),
        engine_versions=versions,
        rates_by_tumour=_tumour_rates(analysis, records, in_window=False),
        rates_by_tumour_in_window=_tumour_rates(analysis, records, in_window=True),
    )
