"""A five-subject trial built through the services for the trial-summary tests.

Protocol ``analysis-test`` (tests/store/data/analysis-protocol.yaml): 3+3 that
declares the level below two DLTs the MTD. Hand-known facts:

- 7 screened: S-006 fails E1 (ANC 0.3), S-007 fails I1 (born 1940); 5 enrolled
  and infused: S-001, S-002 at level 1 on 2026-03-06, S-003 at level 1 on
  2026-04-06 (enrolled once the first two windows closed: 3+3 waits while two
  are pending), S-004 and S-005 at level 2 on 2026-05-08 and 2026-05-09 (the
  engine escalated after three DLT-free windows);
- CRS: S-001 grade 2 (fever, then hypotension without vasopressor), S-002 grade
  3 (norepinephrine), graded by the engine from the observation series;
- DLTs: S-004 and S-005 grade 3 probable pneumonitis (rule D5), every subject
  adjudicated at day 29 and signed; decisions: escalate 1 -> 2, then stop
  (level 2: 2 DLTs in 2; MTD level 1);
- tumour: S-001 PR on 2026-05-01 confirmed on 2026-06-26; S-002 PD (new lesion)
  on 2026-05-01; S-003 baseline only and died 2026-06-05 (day 60); S-004/S-005
  no tumour assessment;
- qPCR (copies/ug gDNA): S-001 days 0 (BLQ), 7, 14, 28 = -, 1000, 5000, 500;
  S-002 days 7, 10, 28 = 2000, 3000, 100.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cartrial.eligibility.record import ScreeningRecord
from cartrial.services import (
    adjudication,
    admin,
    enrolment,
    followup,
    safety,
    screening,
    treatment,
    tumour,
)
from cartrial.services.admin import protocol_of_version
from cartrial.services.context import Sessions
from cartrial.services.syndromes import record_syndrome_observation
from cartrial.store.models import ProtocolVersion
from tests.store.trial import (
    INFUSION_AT,
    PASSWORD,
    ROOT,
    World,
    build_world,
    coi_of,
    screening_record,
    with_lot,
)

PROTOCOL = Path(__file__).parent / "data" / "analysis-protocol.yaml"
UTC = dt.UTC
LATE_L1_AT = INFUSION_AT + dt.timedelta(days=31)
LEVEL2_AT = LATE_L1_AT + dt.timedelta(days=32)
LAST_AT = LEVEL2_AT + dt.timedelta(days=1)
DATA_CUT = dt.datetime(2026, 9, 30, tzinfo=UTC)
DAY29 = dt.timedelta(days=29)


@dataclass
class SmallTrial:
    world: World
    protocol_id: str
    ids: dict[str, str]


def build_analysis_world(sessions: Sessions) -> World:
    """The sites and users of :func:`tests.store.trial.build_world`, protocol ``analysis-test``."""
    world = build_world(sessions)
    pv = admin.register_protocol(sessions, actor=ROOT, yaml_text=PROTOCOL.read_text())
    return dataclasses.replace(world, protocol_version=pv.id)


def _screen(world: World, record: ScreeningRecord) -> str:
    subject, _ = screening.screen(
        world.sessions,
        actor=world.actors["coordinator"],
        site_id=world.site_a,
        protocol_version_id=world.protocol_version,
        record=record,
    )
    return subject.id


def treat(world: World, code: str, *, infusion_at: dt.datetime, as_of: dt.datetime) -> str:
    """Screen, sign, enrol (engine asked at ``as_of``), manufacture, lymphodeplete, infuse."""
    coord = world.actors["coordinator"]
    subject_id = _screen(world, screening_record(code))
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    subject = enrolment.enrol(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        weight_kg=Decimal(70),
        assign_dose=functools.partial(enrolment.assign_dose_from_engine, as_of=as_of),
    )
    lot_id = with_lot(world, subject_id, lot_number=f"L-{code}")
    for day in (-5, -4, -3):
        for agent, mg in (("fludarabine", "54"), ("cyclophosphamide", "900")):
            treatment.record_lymphodepletion_dose(
                world.sessions,
                actor=coord,
                subject_id=subject_id,
                agent=agent,
                study_day=day,
                dose_mg=Decimal(mg),
                completed_at=infusion_at + dt.timedelta(days=day),
            )
    with world.sessions() as s:
        version = s.get(ProtocolVersion, world.protocol_version)
        assert version is not None and subject.dose_level is not None
        per_kg = protocol_of_version(version).dose_level(subject.dose_level).cells_per_kg
    treatment.record_infusion(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=int(per_kg * 70),
        started_at=infusion_at,
    )
    return subject_id


def crs(world: World, subject_id: str, observations: list[dict[str, object]]) -> None:
    ae = safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
        relatedness="definite",
    )
    for payload in observations:
        record_syndrome_observation(
            world.sessions, actor=world.actors["coordinator"], ae_id=ae.id, payload=payload
        )


def pneumonitis(world: World, subject_id: str) -> None:
    safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Pneumonitis",
        onset_date=dt.date(2026, 5, 18),
        grading_scale="ctcae_v5",
        reported_grade=3,
        relatedness="probable",
    )


def adjudicate(world: World, subject_id: str, infusion_at: dt.datetime) -> None:
    adjudication.adjudicate_dlt(
        world.sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=infusion_at + DAY29,
    )


def decide(world: World, as_of: dt.datetime) -> None:
    """The safety committee signs the live engine's answer at ``as_of``."""
    with world.sessions() as s:
        version = s.get(ProtocolVersion, world.protocol_version)
        assert version is not None
        protocol = protocol_of_version(version)
        answer = enrolment.engine_decision(s, protocol, as_of=as_of)
    assert answer.current_level is not None
    safety.record_escalation_decision(
        world.sessions,
        actor=world.actors["safety_committee"],
        protocol_id=protocol.id,
        outcome=safety.EscalationOutcome(
            current_level=answer.current_level,
            action=answer.action,
            next_level=answer.next_level,
            reason=answer.reason,
            engine_version=f"cartrial.escalation ({answer.design})",
        ),
        password=PASSWORD,
    )


def assess(world: World, subject_id: str, on: dt.date, lesions: list[tumour.LesionInput]) -> None:
    tumour.record_tumour_assessment(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        assessed_on=on,
        method="CT",
        lesions=lesions,
    )


def qpcr(world: World, subject_id: str, code: str, values: dict[int, int | None]) -> None:
    """CAR transgene copies/ug gDNA on the given days after infusion (None: BLQ)."""
    coord = world.actors["coordinator"]
    for day, value in values.items():
        sample = followup.record_sample(
            world.sessions,
            actor=coord,
            subject_id=subject_id,
            sample_code=f"{code}-Q{day}",
            analyte="car_transgene_qpcr",
            matrix="blood",
            collected_at=INFUSION_AT + dt.timedelta(days=day),
            study_day=day,
        )
        followup.record_assay_result(
            world.sessions,
            actor=coord,
            sample_id=sample.id,
            test="car_transgene_copies",
            value=Decimal(value) if value is not None else None,
            unit="copies/ug gDNA",
            lloq=Decimal(10),
            result_text="BLQ" if value is None else None,
        )


def _lesion(code: str, mm: str | None = None, status: str | None = None) -> tumour.LesionInput:
    kind = "new" if code.startswith("NEW") else "target"
    return tumour.LesionInput(code, kind, "pleura", Decimal(mm) if mm else None, status)


def build_small_trial(sessions: Sessions) -> SmallTrial:
    """The trial of the module docstring."""
    world = build_analysis_world(sessions)
    ids: dict[str, str] = {}
    for code in ("S-001", "S-002"):
        ids[code] = treat(world, code, infusion_at=INFUSION_AT, as_of=INFUSION_AT)
    ids["S-003"] = treat(world, "S-003", infusion_at=LATE_L1_AT, as_of=INFUSION_AT + DAY29)
    crs(
        world,
        ids["S-001"],
        [
            {"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "39.2"},
            {
                "kind": "blood_pressure",
                "time": "2026-03-07T14:00",
                "hypotension": True,
                "systolic_mmhg": 85,
            },
        ],
    )
    crs(
        world,
        ids["S-002"],
        [
            {"kind": "temperature", "time": "2026-03-07T08:00", "celsius": "39.5"},
            {
                "kind": "blood_pressure",
                "time": "2026-03-07T14:00",
                "hypotension": True,
                "systolic_mmhg": 78,
                "vasopressors": [{"agent": "norepinephrine"}],
            },
        ],
    )
    for code in ("S-001", "S-002"):
        adjudicate(world, ids[code], INFUSION_AT)
    adjudicate(world, ids["S-003"], LATE_L1_AT)
    l1_decided = LATE_L1_AT + DAY29
    decide(world, l1_decided)
    ids["S-004"] = treat(world, "S-004", infusion_at=LEVEL2_AT, as_of=l1_decided)
    ids["S-005"] = treat(
        world, "S-005", infusion_at=LAST_AT, as_of=LEVEL2_AT + dt.timedelta(hours=1)
    )
    for code in ("S-004", "S-005"):
        pneumonitis(world, ids[code])
    adjudicate(world, ids["S-004"], LEVEL2_AT)
    adjudicate(world, ids["S-005"], LAST_AT)
    decide(world, LAST_AT + DAY29)
    _screen(world, screening_record("S-006", anc="0.3"))
    old = screening_record("S-007").model_copy(update={"birth_date": dt.date(1940, 1, 1)})
    _screen(world, old)
    baseline = dt.date(2026, 2, 20)
    assess(world, ids["S-001"], baseline, [_lesion("T1", "40"), _lesion("T2", "20")])
    for on in (dt.date(2026, 5, 1), dt.date(2026, 6, 26)):
        assess(world, ids["S-001"], on, [_lesion("T1", "26"), _lesion("T2", "12")])
    assess(world, ids["S-002"], baseline, [_lesion("T1", "50")])
    assess(world, ids["S-002"], dt.date(2026, 5, 1), [_lesion("T1", "50"), _lesion("NEW1")])
    assess(world, ids["S-003"], baseline, [_lesion("T1", "30")])
    followup.record_death(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=ids["S-003"],
        died_on=dt.date(2026, 6, 5),
        cause="disease progression",
    )
    qpcr(world, ids["S-001"], "S-001", {0: None, 7: 1000, 14: 5000, 28: 500})
    qpcr(world, ids["S-002"], "S-002", {7: 2000, 10: 3000, 28: 100})
    return SmallTrial(world, "analysis-test", ids)
