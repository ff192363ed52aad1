"""Time to read and render the casebook of one subject with about 200 records (SQLite).

Builds a trial through the services (the store tests' world: sites, users, a
protocol), takes one subject through screening, signed eligibility, enrolment,
chain of identity, lymphodepletion and infusion, then enters vitals, graded
labs, AEs (each corrected once, with a reason), CRS observations, tumour
assessments with lesions, samples with results, con-meds, a signed DLT
adjudication and queries. Prints the number of records, signatures and audit
entries, the HTML size, and the median of 5 reads (``build_casebook``, which
includes appending its ``export`` audit entry) and renders
(``render_casebook_html``). ``--out FILE`` keeps the page.

    python bench/casebook.py [--out casebook.html]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from tests.store.trial import (  # noqa: E402
    INFUSION_AT,
    PASSWORD,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    with_lot,
)

from cartrial.report.casebook import render_casebook_html  # noqa: E402
from cartrial.services import (  # noqa: E402
    adjudication,
    casebook,
    data,
    followup,
    product,
    safety,
    syndromes,
    treatment,
    tumour,
)
from cartrial.store import accounts, make_engine, make_sessionmaker, upgrade  # noqa: E402


def _populate(world: World) -> str:
    coord = world.actors["coordinator"]
    s = world.sessions
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    coi = coi_of(world, subject_id)
    for n, (who, to) in enumerate([("manufacturer", "courier"), ("courier", "cell lab")]):
        product.record_custody(
            s,
            actor=coord,
            lot_id=lot_id,
            at=INFUSION_AT - dt.timedelta(days=2 - n),
            from_party=who,
            to_party=to,
            location="site A",
            condition="frozen, intact",
        )
    lymphodepleted(world, subject_id)
    treatment.record_infusion(
        s,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi,
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    for day in range(20):
        at = INFUSION_AT + dt.timedelta(days=day)
        followup.record_vital(
            s,
            actor=coord,
            subject_id=subject_id,
            measured_at=at,
            test="temperature",
            value=Decimal("37.2"),
            unit="C",
        )
        followup.record_vital(
            s,
            actor=coord,
            subject_id=subject_id,
            measured_at=at,
            test="systolic_bp",
            value=Decimal(118),
            unit="mmHg",
        )
        for test, term, value in (
            ("platelets", "Platelet count decreased", 60 + day),
            ("anc", "Neutrophil count decreased", Decimal("0.8")),
            ("alt", "Alanine aminotransferase increased", 40 + day),
            ("creatinine", "Creatinine increased", Decimal("1.1")),
        ):
            followup.record_lab(
                s,
                actor=coord,
                subject_id=subject_id,
                collected_at=at,
                test=test,
                value=Decimal(value),
                unit={
                    "platelets": "x10^9/L",
                    "anc": "x10^9/L",
                    "alt": "U/L",
                    "creatinine": "mg/dL",
                }[test],
                ctcae_term=term,
                uln=Decimal(40)
                if test == "alt"
                else Decimal("1.2")
                if test == "creatinine"
                else None,
                lln=Decimal(150)
                if test == "platelets"
                else Decimal("1.8")
                if test == "anc"
                else None,
            )
    crs = safety.record_adverse_event(
        s,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    for hour in range(0, 60, 6):
        syndromes.record_syndrome_observation(
            s,
            actor=coord,
            ae_id=crs.id,
            payload={
                "kind": "temperature",
                "celsius": "38.9",
                "time": (INFUSION_AT + dt.timedelta(hours=24 + hour))
                .replace(tzinfo=None)
                .isoformat(),
            },
        )
    for n in range(19):
        ae = safety.record_adverse_event(
            s,
            actor=coord,
            subject_id=subject_id,
            term=["Fatigue", "Nausea", "Fever"][n % 3],
            onset_date=dt.date(2026, 3, 7) + dt.timedelta(days=n),
            grading_scale="ctcae_v5",
            reported_grade=1,
        )
        safety.update_adverse_event(
            s,
            actor=coord,
            ae_id=ae.id,
            expected_version=1,
            changes={"reported_grade": 2},
            reason="source document reviewed at monitoring visit",
        )
    for day, size in ((-2, "40.0"), (28, "31.0"), (56, "27.5")):
        tumour.record_tumour_assessment(
            s,
            actor=coord,
            subject_id=subject_id,
            assessed_on=INFUSION_AT.date() + dt.timedelta(days=day),
            method="CT",
            lesions=[
                tumour.LesionInput("T1", "target", "pleura", Decimal(size)),
                tumour.LesionInput("T2", "target", "liver", Decimal("22.0")),
                tumour.LesionInput("N1", "non_target", "mediastinum", status="present"),
            ],
        )
    for day in range(10):
        sample = followup.record_sample(
            s,
            actor=coord,
            subject_id=subject_id,
            sample_code=f"S-001-D{day}-QPCR",
            analyte="car_transgene_qpcr",
            matrix="blood",
            collected_at=INFUSION_AT + dt.timedelta(days=day),
            study_day=day,
        )
        followup.record_assay_result(
            s,
            actor=coord,
            sample_id=sample.id,
            test="CAR copies",
            value=Decimal(1000 * (day + 1)),
            unit="copies/ug gDNA",
        )
    for n in range(5):
        followup.record_con_med(
            s,
            actor=coord,
            subject_id=subject_id,
            name=f"medication {n}",
            start_date=dt.date(2026, 3, 7),
            adverse_event_id=crs.id if n == 0 else None,
        )
    adjudication.adjudicate_dlt(
        s,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=INFUSION_AT + dt.timedelta(days=29),
    )
    for n in range(3):
        data.open_query(
            s,
            actor=world.actors["monitor"],
            subject_id=subject_id,
            table_name="adverse_event",
            record_id=crs.id,
            field="onset_date",
            text=f"please confirm ({n})",
        )
    return subject_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the rendered page here")
    args = parser.parse_args()
    accounts._HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # setup only
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        world = build_world(make_sessionmaker(engine))
        subject_id = _populate(world)
        reader = world.actors["monitor"]
        reads, renders = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            book = casebook.build_casebook(
                world.sessions, actor=reader, subject_id=subject_id, source="cli"
            )
            t1 = time.perf_counter()
            page = render_casebook_html(book)
            t2 = time.perf_counter()
            reads.append(t1 - t0)
            renders.append(t2 - t1)
        records = book.records()
        entries = sum(len(r.history) for r in records)
        print(
            f"casebook: {len(records)} records, {len(book.signatures())} signatures, "
            f"{entries} audit entries; HTML {len(page.encode()) / 1024:.0f} KiB; "
            f"read {statistics.median(reads) * 1000:.0f} ms, "
            f"render {statistics.median(renders) * 1000:.0f} ms (median of 5, SQLite)"
        )
        if args.out:
            args.out.write_text(page, encoding="utf-8")
        engine.dispose()


if __name__ == "__main__":
    main()
