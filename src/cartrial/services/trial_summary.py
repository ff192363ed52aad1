"""A whole trial summarised from the database, in one snapshot, by the domain engines.

:func:`trial_analysis` reads every table of one protocol in one read-only snapshot
(:func:`cartrial.services.context.snapshot`: PostgreSQL REPEATABLE READ READ ONLY,
as the export does) and computes each figure with the engine that owns its rule;
:func:`trial_summary` returns the figures alone (:class:`TrialSummary`). Nothing
here comes from a simulator's memory. The rules, figure by figure:

- screened: subjects of the protocol with a stored screening; screen failures by
  criterion: for each subject whose latest eligibility decision is
  ``not_eligible``, each criterion of its stored verdicts that is ``not_met``;
- enrolled: subjects with an enrolment time; infused: subjects with an infusion
  started on or before the data cut (a subject infused later is not yet in the safety
  or efficacy populations of that cut);
- DLT-evaluable and DLTs by level: each subject's latest DLT adjudication with a
  valid signature "I adjudicate this DLT" (21 CFR 11.50/11.70), evaluable when
  its outcome is ``yes`` or ``no``, at the level stored on it;
- decisions: the signed escalation decisions in order, with their signature;
- MTD: the live escalation engine's answer on the stored data at the data cut
  (:func:`cartrial.services.enrolment.engine_decision`, the wiring enrolment
  uses): its ``mtd_level`` when it declares one;
- RP2D: the dose level of the expansion-phase subjects, i.e. those enrolled after
  the first signed ``stop`` decision (the end of escalation); if several levels,
  the one with most subjects; with none, the MTD;
- CRS and ICANS: worst grade per infused subject of the AEs of that term, as
  :func:`cartrial.services.adjudication.patient_safety` gives them to the safety
  engine (the ASTCT 2019 grade, Lee et al., Biol Blood Marrow Transplant
  2019;25:625-638, derived from the stored observation series; the reported
  grade where none is derived); rates among infused with Clopper-Pearson CIs;
- efficacy: :mod:`cartrial.services.trial_efficacy`; kinetics:
  :mod:`cartrial.services.trial_kinetics`;
- audit head: the chain's last entry (:data:`cartrial.store.audit.CHAIN_HEAD`).

The protocol's rules (DLT window, TEAE window, response settings, design) are
those of its latest registered version.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from cartrial.errors import InputError, NotFoundError
from cartrial.protocol.model import Protocol
from cartrial.response.rates import compute_clopper_pearson
from cartrial.response.summary import StudySummary
from cartrial.safety.astct import SyndromeResult
from cartrial.safety.dlt import CRS, ICANS
from cartrial.safety.events import PatientSafety
from cartrial.safety.tables import SafetyTables, compute_safety_tables
from cartrial.services.adjudication import patient_safety, signed_dlt_adjudications
from cartrial.services.admin import protocol_of_version
from cartrial.services.context import Sessions, snapshot
from cartrial.services.enrolment import engine_decision
from cartrial.services.safety import opens_expansion
from cartrial.services.syndromes import grade_series
from cartrial.services.trial_efficacy import efficacy
from cartrial.services.trial_kinetics import kinetics_nca, kinetics_samples
from cartrial.services.trial_model import (
    AuditHead,
    Count,
    CriterionFailures,
    DecisionRow,
    DoseAnswer,
    LevelDlts,
    Proportion,
    SyndromeRates,
    TrialSummary,
)
from cartrial.store.audit import CHAIN_HEAD, GENESIS
from cartrial.store.models import (
    AdverseEvent,
    DltAdjudication,
    EligibilityDecision,
    EscalationDecision,
    Infusion,
    ProtocolVersion,
    ScreeningEntry,
    Subject,
    utcnow,
)
from cartrial.store.signatures import find_signatures, signature_status

__all__ = ["TrialAnalysis", "TrialSummary", "analyse", "trial_analysis", "trial_summary"]

DLT_RULE = (
    "latest DLT adjudication of each subject with a valid signature 'I adjudicate this DLT' "
    "(21 CFR 11.50/11.70); evaluable: outcome yes or no; DLT: outcome yes; level as adjudicated"
)


@dataclass(frozen=True)
class TrialAnalysis:
    """The summary and the engines' results the pages render (same snapshot)."""

    summary: TrialSummary
    protocol: Protocol
    safety_tables: SafetyTables | None
    safety_note: str
    study: StudySummary | None
    kinetics_samples: pd.DataFrame | None
    nca_frame: pd.DataFrame | None


def _protocol(session: Session, protocol_id: str) -> tuple[ProtocolVersion, Protocol]:
    version = session.scalars(
        select(ProtocolVersion)
        .where(ProtocolVersion.protocol_id == protocol_id)
        .order_by(ProtocolVersion.registered_at.desc(), ProtocolVersion.id)
        .limit(1)
    ).first()
    if version is None:
        raise NotFoundError("protocol", protocol_id)
    return version, protocol_of_version(version)


def _codes(subjects: Sequence[Subject]) -> list[str]:
    return [s.code for s in subjects]


def _screening(
    session: Session, subjects: Sequence[Subject]
) -> tuple[Count, list[CriterionFailures]]:
    ids = [s.id for s in subjects]
    entered = set(
        session.scalars(select(ScreeningEntry.subject_id).where(ScreeningEntry.subject_id.in_(ids)))
    )
    latest: dict[str, EligibilityDecision] = {}
    for d in session.scalars(
        select(EligibilityDecision)
        .where(EligibilityDecision.subject_id.in_(ids))
        .order_by(EligibilityDecision.decided_at, EligibilityDecision.id)
    ):
        latest[d.subject_id] = d
    failures: dict[str, tuple[dict[str, str], list[str]]] = {}
    for s in subjects:
        decision = latest.get(s.id)
        if decision is None or decision.decision != "not_eligible":
            continue
        for verdict in json.loads(decision.verdicts_json):
            if verdict.get("verdict") == "not_met":
                failures.setdefault(verdict["id"], (verdict, []))[1].append(s.code)
    screened = [s for s in subjects if s.id in entered]
    count = Count(
        n=len(screened),
        subjects=_codes(screened),
        rule="subjects of the protocol with a stored screening record",
    )
    rows = [
        CriterionFailures(
            id=cid,
            type=str(v.get("type", "")),
            text=str(v.get("text", "")),
            n=len(who),
            subjects=who,
        )
        for cid, (v, who) in sorted(failures.items())
    ]
    return count, rows


def _dlts(session: Session, subjects: Sequence[Subject]) -> tuple[Count, dict[int, LevelDlts]]:
    codes = {s.id: s.code for s in subjects}
    latest = signed_dlt_adjudications(session, list(codes))
    evaluable = [r for r in latest.values() if r.outcome in ("yes", "no")]
    levels: dict[int, list[DltAdjudication]] = {}
    for r in evaluable:
        levels.setdefault(r.dose_level or 0, []).append(r)
    by_level = {
        level: LevelDlts(
            evaluable=len(rows),
            dlts=sum(1 for r in rows if r.outcome == "yes"),
            subjects_with_dlt=sorted(codes[r.subject_id] for r in rows if r.outcome == "yes"),
        )
        for level, rows in sorted(levels.items())
    }
    who = sorted(codes[r.subject_id] for r in evaluable)
    return Count(n=len(evaluable), subjects=who, rule=DLT_RULE), by_level


def _decisions(session: Session, protocol_id: str) -> list[DecisionRow]:
    out = []
    for d in session.scalars(
        select(EscalationDecision)
        .where(EscalationDecision.protocol_id == protocol_id)
        .order_by(EscalationDecision.decided_at, EscalationDecision.id)
    ):
        signatures = find_signatures(session, d, "escalation")
        sig = signatures[-1] if signatures else None
        status = signature_status(session, sig) if sig else None
        out.append(
            DecisionRow(
                decided_at=d.decided_at,
                current_level=d.current_level,
                action=d.action,
                next_level=d.next_level,
                reason=d.reason,
                engine_version=d.engine_version,
                signed_by=sig.printed_name if sig else None,
                signer_role=sig.role if sig else None,
                signed_at=sig.signed_at if sig else None,
                signature_valid=bool(status and status.is_valid),
                signature=f"{status.manifest} ({status.reason})" if status else "not signed",
            )
        )
    return out


def _mtd(
    session: Session, protocol: Protocol, cut: dt.datetime, decisions: list[DecisionRow]
) -> DoseAnswer:
    """The MTD: the one declared when dose escalation ended (the signed committee decision
    that opened the expansion), else the live engine's answer on the data at the cut.

    Expansion patients at the RP2D are not dose-finding data: the MTD of a trial
    with an expansion is the one dose escalation declared (seed 001: "dose
    escalation phase followed by dose expansion phase").
    """
    opened = next(
        (
            d
            for d in decisions
            if d.signature_valid and opens_expansion(d.action, d.reason) and d.next_level
        ),
        None,
    )
    if opened is not None:
        return DoseAnswer(
            level=opened.next_level,
            declared=True,
            rule=f"declared at the end of dose escalation, signed by the safety committee on "
            f"{opened.decided_at.isoformat()}: {opened.reason}",
        )
    try:
        answer = engine_decision(session, protocol, as_of=cut)
    except InputError as exc:
        return DoseAnswer(level=None, declared=False, rule=f"no escalation engine answer: {exc}")
    said = (
        f"live escalation engine ({answer.design}) on the stored data at the data cut "
        f"{cut.isoformat()}: {answer.action}; {answer.reason}"
    )
    if answer.mtd_declared and answer.mtd_level is not None:
        return DoseAnswer(level=answer.mtd_level, declared=True, rule=said)
    return DoseAnswer(level=None, declared=False, rule=f"MTD not declared; {said}")


def _rp2d(subjects: Sequence[Subject], decisions: list[DecisionRow], mtd: DoseAnswer) -> DoseAnswer:
    stop = next(
        (
            d
            for d in decisions
            if d.signature_valid and (d.action == "stop" or opens_expansion(d.action, d.reason))
        ),
        None,
    )
    expansion = [
        s
        for s in subjects
        if stop is not None
        and s.enrolled_at is not None
        and s.enrolled_at > stop.decided_at
        and s.dose_level is not None
    ]
    if stop is not None and expansion:
        counts = Counter(s.dose_level for s in expansion)
        level, n = max(counts.items(), key=lambda kv: (kv[1], -(kv[0] or 0)))
        return DoseAnswer(
            level=level,
            declared=True,
            rule=f"RP2D = the level expanded at: {n} of {len(expansion)} subject(s) enrolled "
            f"after the signed decision ending escalation ({stop.action}) of "
            f"{stop.decided_at.isoformat()} "
            f"({', '.join(_codes(expansion))}) at level {level}",
        )
    why = "no subject enrolled after a signed decision ending escalation (no expansion phase)"
    if mtd.level is None:
        return DoseAnswer(level=None, declared=False, rule=f"{why}; no MTD declared: no RP2D")
    return DoseAnswer(level=mtd.level, declared=True, rule=f"{why}: RP2D = the MTD")


def _proportion(hits: list[str], n: int, rule: str) -> Proportion:
    if n == 0:
        return Proportion(estimate=None, lower=None, upper=None, n=0, responders=0, rule=rule)
    low, high = compute_clopper_pearson(successes=len(hits), n=n)
    return Proportion(
        estimate=len(hits) / n,
        lower=low,
        upper=high,
        n=n,
        responders=len(hits),
        subjects=sorted(hits),
        rule=rule,
    )


def _syndrome(patients: list[PatientSafety], term: str, name: str) -> SyndromeRates:
    worst: dict[str, int] = {}
    for p in patients:
        grades = [ae.grade for ae in p.adverse_events if ae.term == term]
        if grades:
            worst[p.id] = max(grades)
    source = (
        f"worst {name} grade per infused subject (ASTCT 2019, Lee et al. 2019, derived from "
        "the stored observation series; reported grade where none is derived) / infused; "
        "exact Clopper-Pearson 95% CI"
    )
    n = len(patients)
    return SyndromeRates(
        any_grade=_proportion(list(worst), n, f"{name} any grade: {source}"),
        grade3_or_more=_proportion(
            [p for p, g in worst.items() if g >= 3], n, f"{name} grade >= 3: {source}"
        ),
        worst_grade_by_subject=worst,
    )


def _crs_treatment(session: Session, subjects: Sequence[Subject]) -> dict[str, SyndromeResult]:
    """Tocilizumab and corticosteroids given for CRS, from each subject's stored CRS series.

    The ASTCT engine reads them from the series' medication records (Lee et al.
    2019: anti-cytokine therapy and steroids are part of the CRS record); a
    subject without a CRS series is absent (none given for CRS).
    """
    out: dict[str, SyndromeResult] = {}
    for subject in subjects:
        events = session.scalars(
            select(AdverseEvent).where(
                AdverseEvent.subject_id == subject.id,
                AdverseEvent.term == CRS,
                AdverseEvent.grading_scale == "astct_2019",
            )
        ).all()
        for event in events:
            result = grade_series(session, event, subject)
            seen = out.get(subject.code)
            if seen is None or result.tocilizumab or result.corticosteroids:
                out[subject.code] = result
    return out


def _safety_tables(
    protocol: Protocol, patients: list[PatientSafety], crs: dict[str, SyndromeResult]
) -> tuple[SafetyTables | None, str]:
    if not patients:
        return None, "no infused subject"
    if protocol.windows is None:
        return None, f"protocol {protocol.id} defines no TEAE window ('windows:')"
    tables = compute_safety_tables(
        patients=patients, protocol=protocol, by_dose_level=True, crs_treatment=crs
    )
    return tables, (
        "safety population: infused subjects, their stored records (patient_safety); "
        "tocilizumab and corticosteroids from the stored CRS series (ASTCT engine)"
    )


def trial_analysis(
    sessions: Sessions, protocol_id: str, *, as_of: dt.datetime | None = None
) -> TrialAnalysis:
    """Every figure of the trial under ``protocol_id`` at the data cut ``as_of`` (module doc).

    ``as_of`` (default now) is the instant the escalation engine follows DLT windows
    to and the cap on the last date known alive.
    """
    with snapshot(sessions) as session:
        return analyse(session, protocol_id, as_of or utcnow())


def analyse(session: Session, protocol_id: str, cut: dt.datetime) -> TrialAnalysis:
    """:func:`trial_analysis` inside a snapshot the caller holds (the study report reads
    its other tables in the same one: :mod:`cartrial.services.study_report`)."""
    version, protocol = _protocol(session, protocol_id)
    subjects = session.scalars(
        select(Subject)
        .join(ProtocolVersion, ProtocolVersion.id == Subject.protocol_version_id)
        .where(ProtocolVersion.protocol_id == protocol_id)
        .order_by(Subject.code, Subject.created_at)
    ).all()
    infusions = {
        i.subject_id: i
        for i in session.scalars(
            select(Infusion).where(Infusion.subject_id.in_([s.id for s in subjects]))
        )
    }
    infused = [s for s in subjects if s.id in infusions and infusions[s.id].started_at <= cut]
    enrolled = [s for s in subjects if s.enrolled_at is not None]
    screened, failures = _screening(session, subjects)
    dlt_evaluable, by_level = _dlts(session, subjects)
    decisions = _decisions(session, protocol_id)
    mtd = _mtd(session, protocol, cut, decisions)
    patients = [patient_safety(session, s) for s in infused]
    tables, note = _safety_tables(protocol, patients, _crs_treatment(session, infused))
    found = efficacy(session, protocol, infused, cut)
    samples = kinetics_samples(session, subjects, infusions)
    nca, nca_frame = kinetics_nca(samples)
    head = session.execute(CHAIN_HEAD).first()
    summary = TrialSummary(
        protocol_id=protocol_id,
        protocol_version=f"{version.label} (sha256 {version.sha256[:12]})",
        data_cut=cut,
        screened=screened,
        screen_failures_by_criterion=failures,
        enrolled=Count(
            n=len(enrolled), subjects=_codes(enrolled), rule="subjects with an enrolment time"
        ),
        infused=Count(
            n=len(infused),
            subjects=_codes(infused),
            rule="subjects with a stored infusion started on or before the data cut",
        ),
        dlt_evaluable=dlt_evaluable,
        dlts_by_level=by_level,
        dlt_rule=DLT_RULE,
        decisions=decisions,
        mtd=mtd,
        rp2d=_rp2d(subjects, decisions, mtd),
        crs_rate=_syndrome(patients, CRS, "CRS"),
        icans_rate=_syndrome(patients, ICANS, "ICANS"),
        best_overall_response=found.best_overall_response,
        orr=found.orr,
        dcr=found.dcr,
        efficacy_excluded=found.excluded,
        median_pfs_days=found.median_pfs_days,
        median_os_days=found.median_os_days,
        nca=nca,
        audit_head=AuditHead(
            seq=int(head[0]) if head else 0,
            sha256=str(head[1]) if head else GENESIS,
            rule="entry_sha256 of the audit chain's last entry read in this snapshot",
        ),
    )
    return TrialAnalysis(summary, protocol, tables, note, found.study, samples, nca_frame)


def trial_summary(
    sessions: Sessions, protocol_id: str, *, as_of: dt.datetime | None = None
) -> TrialSummary:
    """The trial's figures, each with its rule (:func:`trial_analysis`'s summary)."""
    return trial_analysis(sessions, protocol_id, as_of=as_of).summary
