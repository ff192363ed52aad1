"""A hand-built trial database of two subjects, every value chosen so the SDTM values
can be worked out on paper (see the comments beside each record).

Site clock Asia/Shanghai (UTC+8, no daylight saving): stored UTC instants become
the site's wall-clock time, so the day boundary matters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from cartrial.actor import SYSTEM
from cartrial.services.context import Sessions, transaction
from cartrial.store import make_sessionmaker
from cartrial.store.db import make_engine
from cartrial.store.migrate import upgrade
from cartrial.store.models import (
    AdverseEvent,
    Apheresis,
    AssayResult,
    DataLock,
    EligibilityDecision,
    Infusion,
    LabResult,
    LymphodepletionDose,
    ProductLot,
    ProtocolVersion,
    Sample,
    ScreeningEntry,
    Site,
    Subject,
)

UTC = dt.UTC


def _at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def build_hand_trial(path: Path, *, lock_all: bool = True) -> Sessions:
    """Subjects S01-0001 (infused) and S01-0002 (screen failure) of uclm802."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    text = files("cartrial.protocol.bundled").joinpath("uclm802.yaml").read_text("utf-8")
    with transaction(sessions, SYSTEM, reason="hand-built SDTM test data") as s:
        version = ProtocolVersion(
            protocol_id="uclm802",
            label="uclm802 test",
            yaml_text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
        site = Site(code="S01", name="Site 01", time_zone="Asia/Shanghai")
        s.add_all([version, site])
        s.flush()
        one = Subject(
            code="S01-0001",
            site_id=site.id,
            protocol_version_id=version.id,
            weight_kg=Decimal("80"),
            dose_level=2,
            enrolled_at=_at(2026, 1, 20, 2),
        )
        two = Subject(code="S01-0002", site_id=site.id, protocol_version_id=version.id)
        s.add_all([one, two])
        s.flush()
        for subject, birth, sex in ((one, "1970-03-11", "male"), (two, "1980-01-10", "female")):
            record = {
                "consent_date": "2026-01-10",
                "birth_date": birth,
                "sex": sex,
                "diagnosis": {"tumour_type": "mesothelioma", "ajcc8_stage": "IV"},
                "prior_therapies": [
                    {
                        "therapy_class": "cytotoxic_chemotherapy",
                        "agent": "gemcitabine",
                        "start_date": "2025-04-23",
                        "end_date": "2025-08-21",
                    }
                ]
                if subject is one
                else [],
                "labs": [
                    {"test": "platelets", "value": "150000", "unit": "/uL", "date": "2026-01-10"},
                    {
                        "test": "total_bilirubin",
                        "value": "17.104",
                        "unit": "umol/L",
                        "date": "2026-01-10",
                    },
                ],
            }
            entry = ScreeningEntry(
                subject_id=subject.id,
                record_json=json.dumps(record),
                entered_at=_at(2026, 1, 10, 1),
            )
            s.add(entry)
            s.flush()
            if subject is two:
                # not eligible: inclusion inc04 not met, exclusion exc02 applies
                verdicts = [
                    {"id": "inc01", "type": "inclusion", "text": "Age >= 18", "verdict": "met"},
                    {"id": "inc04", "type": "inclusion", "text": "MSLN +", "verdict": "not_met"},
                    {"id": "exc02", "type": "exclusion", "text": "Infection", "verdict": "not_met"},
                    {"id": "exc03", "type": "exclusion", "text": "HIV", "verdict": "met"},
                ]
                s.add(
                    EligibilityDecision(
                        subject_id=two.id,
                        screening_id=entry.id,
                        decision="not_eligible",
                        reason="test",
                        verdicts_json=json.dumps(verdicts),
                        engine_version="test",
                        decided_at=_at(2026, 1, 10, 2),
                    )
                )
        aph = Apheresis(
            subject_id=one.id,
            chain_of_identity_id="COI1",
            collection_id="APH-1",
            collected_at=_at(2026, 2, 1, 0),
        )
        s.add(aph)
        s.flush()
        lot = ProductLot(
            subject_id=one.id,
            apheresis_id=aph.id,
            chain_of_identity_id="COI1",
            lot_number="LOT-1",
            status="released",
            viable_car_cells=24_000_000,
            released_at=_at(2026, 3, 1, 3),
        )
        s.add(lot)
        s.flush()
        # first lymphodepleting dose: 02:00 UTC = 10:00 on 5 March in Shanghai
        s.add(
            LymphodepletionDose(
                subject_id=one.id,
                agent="fludarabine",
                study_day=-5,
                dose_mg=Decimal("60"),
                completed_at=_at(2026, 3, 5, 2),
            )
        )
        # infusion: 17:30 UTC on 9 March = 01:30 on 10 March in Shanghai (day 1)
        s.add(
            Infusion(
                subject_id=one.id,
                lot_id=lot.id,
                scanned_chain_of_identity_id="COI1",
                dose_level=2,
                cells_infused=24_000_000,
                started_at=_at(2026, 3, 9, 17, 30),
            )
        )
        # ALT at 20:00 UTC on 9 March = 04:00 on 10 March local: study day 1, TREATMENT
        s.add(
            LabResult(
                subject_id=one.id,
                collected_at=_at(2026, 3, 9, 20),
                test="alt",
                value=Decimal("130"),
                unit="U/L",
                ctcae_term="Alanine aminotransferase increased",
                uln=Decimal("40"),
                derived_grade=2,
            )
        )
        # an unknown test and a unit without a CDISC equivalent: logged, not in LB
        s.add(
            LabResult(
                subject_id=one.id,
                collected_at=_at(2026, 3, 9, 20),
                test="xyz",
                value=Decimal("1"),
                unit="U/L",
            )
        )
        s.add(
            LabResult(
                subject_id=one.id,
                collected_at=_at(2026, 3, 9, 20),
                test="crp",
                value=Decimal("1"),
                unit="furlong/L",
            )
        )
        # AE on 17 March (local date): study day 8, TREATMENT; one on 8 April: day 30
        s.add(
            AdverseEvent(
                subject_id=one.id,
                term="Nausea",
                onset_date=dt.date(2026, 3, 17),
                end_date=dt.date(2026, 3, 19),
                grading_scale="ctcae_v5",
                reported_grade=2,
                relatedness="possible",
            )
        )
        s.add(
            AdverseEvent(
                subject_id=one.id,
                term="Fatigue",
                onset_date=dt.date(2026, 4, 8),
                grading_scale="ctcae_v5",
                reported_grade=1,
            )
        )
        # a CAR+ cell count by flow (no CP domain) and a qPCR sample with an unknown test
        flow = Sample(
            subject_id=one.id,
            sample_code="S1-FLOW-D7",
            analyte="car_t_flow",
            matrix="blood",
            study_day=7,
            collected_at=_at(2026, 3, 17, 2),
        )
        qpcr = Sample(
            subject_id=one.id,
            sample_code="S1-PCR-D7",
            analyte="car_transgene_qpcr",
            matrix="blood",
            study_day=7,
            collected_at=_at(2026, 3, 17, 2),
        )
        s.add_all([flow, qpcr])
        s.flush()
        s.add(
            AssayResult(
                sample_id=qpcr.id,
                subject_id=one.id,
                test="car_transgene",
                value=Decimal("1200"),
                unit="copies/ug gDNA",
                lloq=Decimal("50"),
            )
        )
        ada = Sample(
            subject_id=one.id,
            sample_code="S1-ADA-D7",
            analyte="anti_drug_antibody",
            matrix="serum",
            study_day=7,
            collected_at=_at(2026, 3, 17, 2),
        )
        s.add(ada)
        s.flush()
        s.add(
            AssayResult(
                sample_id=ada.id,
                subject_id=one.id,
                test="anti_car_antibody",
                result_text="negative",
            )
        )
        s.add(AssayResult(sample_id=ada.id, subject_id=one.id, test="anti_peg", result_text="x"))
        # a CRS series the ASTCT engine graded 0 (definition not met): kept, grade empty
        s.add(
            AdverseEvent(
                subject_id=one.id,
                term="Cytokine release syndrome",
                onset_date=dt.date(2026, 3, 11),
                grading_scale="astct_2019",
                reported_grade=1,
                derived_grade=0,
                relatedness="probable",
            )
        )
    with transaction(sessions, SYSTEM, reason="data cut") as s:
        s.add(DataLock(subject_id=one.id, reason="test lock"))
        if lock_all:
            s.add(DataLock(subject_id=two.id, reason="test lock"))
    return sessions
