"""A small trial built through the services: two sites, a protocol, one user per role.

Both sites are on UTC unless a test gives site A (where the subjects are
screened) or site B another IANA zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from cartrial.actor import Actor
from cartrial.eligibility.record import ScreeningRecord
from cartrial.services import admin, enrolment, product, screening, treatment
from cartrial.services.context import Sessions
from cartrial.store.accounts import actor_for
from cartrial.store.models import User

PROTOCOL = Path(__file__).parent / "data" / "store-protocol.yaml"
PASSWORD = "correct horse battery"
ROOT = Actor(user_id=None, username="cli:test", role="admin")
UTC = dt.UTC
LD_LAST = dt.datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
INFUSION_AT = LD_LAST + dt.timedelta(hours=72)


@dataclass
class World:
    sessions: Sessions
    site_a: str
    site_b: str
    protocol_version: str
    actors: dict[str, Actor]


def build_world(sessions: Sessions, *, zone_a: str = "UTC", zone_b: str = "UTC") -> World:
    site_a = admin.create_site(sessions, actor=ROOT, code="A", name="Site A", time_zone=zone_a).id
    site_b = admin.create_site(sessions, actor=ROOT, code="B", name="Site B", time_zone=zone_b).id
    pv = admin.register_protocol(sessions, actor=ROOT, yaml_text=PROTOCOL.read_text())
    people = {
        "investigator": ("inv_a", "Ada Investigator", "investigator", "A"),
        "coordinator": ("coord_a", "Cora Coordinator", "coordinator", "A"),
        "coordinator_b": ("coord_b", "Ben Coordinator", "coordinator", "B"),
        "safety_committee": ("smc", "Sam Committee", "safety_committee", None),
        "data_manager": ("dm", "Dana Manager", "data_manager", None),
        "monitor": ("mon", "Mo Monitor", "monitor", None),
    }
    actors = {}
    for key, (username, name, role, site) in people.items():
        admin.add_user(
            sessions,
            actor=ROOT,
            username=username,
            full_name=name,
            password=PASSWORD,
            roles=[(role, site)],
        )
        with sessions() as s:
            user = s.scalars(select(User).where(User.username == username)).one()
            actors[key] = actor_for(s, user=user, role=role, site_code=site)
    return World(sessions, site_a, site_b, pv.id, actors)


def screening_record(code: str = "S-001", anc: str = "1.5") -> ScreeningRecord:
    return ScreeningRecord.model_validate(
        {
            "subject_id": code,
            "consent_date": "2026-01-10",
            "birth_date": "1970-05-01",
            "labs": [{"test": "anc", "value": anc, "unit": "x10^9/L"}],
        }
    )


def screened(world: World, code: str = "S-001") -> str:
    subject, _decision = screening.screen(
        world.sessions,
        actor=world.actors["coordinator"],
        site_id=world.site_a,
        protocol_version_id=world.protocol_version,
        record=screening_record(code),
    )
    return subject.id


def enrolled(
    world: World,
    code: str = "S-001",
    *,
    sign: bool = True,
    assign_dose: enrolment.AssignDose | None = None,
) -> str:
    subject_id = screened(world, code)
    if sign:
        screening.sign_eligibility(
            world.sessions,
            actor=world.actors["investigator"],
            subject_id=subject_id,
            password=PASSWORD,
        )
    enrolment.enrol(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        weight_kg=Decimal(70),
        assign_dose=assign_dose or enrolment.assign_dose_for_protocol,
    )
    return subject_id


def coi_of(world: World, subject_id: str) -> str:
    from cartrial.store.models import Subject

    with world.sessions() as s:
        subject = s.get(Subject, subject_id)
        assert subject is not None and subject.chain_of_identity_id is not None
        return subject.chain_of_identity_id


def with_lot(
    world: World, subject_id: str, *, release: bool = True, lot_number: str = "L-001"
) -> str:
    coord = world.actors["coordinator"]
    coi = coi_of(world, subject_id)
    collection = product.record_apheresis(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        collection_id=f"APH-{lot_number}",
        chain_of_identity_id=coi,
        collected_at=dt.datetime(2026, 2, 1, 9, 0, tzinfo=UTC),
    )
    lot = product.register_lot(
        world.sessions, actor=coord, apheresis_id=collection.id, lot_number=lot_number
    )
    if release:
        product.release_lot(
            world.sessions,
            actor=coord,
            lot_id=lot.id,
            viable_car_cells=50_000_000,
            is_released=True,
            note="all release tests passed",
        )
    return lot.id


def lymphodepleted(world: World, subject_id: str, *, days: tuple[int, ...] = (-5, -4, -3)) -> None:
    for day in days:
        at = LD_LAST + dt.timedelta(days=day + 3)
        for agent, mg in (("fludarabine", "54"), ("cyclophosphamide", "900")):
            treatment.record_lymphodepletion_dose(
                world.sessions,
                actor=world.actors["coordinator"],
                subject_id=subject_id,
                agent=agent,
                study_day=day,
                dose_mg=Decimal(mg),
                completed_at=at,
            )


def infused(world: World, code: str = "S-001") -> str:
    """An enrolled subject given its released lot (L-<code>) on INFUSION_AT; visits planned."""
    subject_id = enrolled(world, code)
    lot_id = with_lot(world, subject_id, lot_number=f"L-{code}")
    lymphodepleted(world, subject_id)
    treatment.record_infusion(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    return subject_id
