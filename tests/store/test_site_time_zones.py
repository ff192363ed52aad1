"""Sites carry a time zone; the store keeps UTC; the engines count the site's local days.

Every expected date below is computed by hand. The Shenzhen site's clock is
Asia/Shanghai (UTC+8, no summer time): the infusion stored at
2026-03-09T17:30Z is 2026-03-10 01:30 there, so day 0 is 2026-03-10 and day
28 is 2026-04-07 (21 days to 31 March, 7 more into April). A site on UTC
infused at the same instant has day 0 = 2026-03-09 and day 28 = 2026-04-06.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from cartrial.cli.main import app
from cartrial.errors import EnrolmentBlocked, InfusionRefused, InputError
from cartrial.services import adjudication, admin, enrolment, safety, screening, treatment
from cartrial.services.context import Sessions
from cartrial.services.safety import DltVerdict
from cartrial.services.site_clock import SiteClock, elapsed_hours, time_zone_named
from cartrial.services.syndromes import grade_series, record_syndrome_observation
from cartrial.store.migrate import downgrade, upgrade
from cartrial.store.models import (
    AdverseEvent,
    AeObservation,
    AuditEntry,
    Infusion,
    Site,
    Subject,
    Visit,
)
from tests.store.trial import (
    PASSWORD,
    ROOT,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    screened,
    with_lot,
)

UTC = dt.UTC
SHANGHAI = "Asia/Shanghai"
#: Stored instant of the infusion: 2026-03-10 01:30 in Shenzhen, 2026-03-09 17:30 UTC.
INFUSED_AT = dt.datetime(2026, 3, 9, 17, 30, tzinfo=UTC)


def _infuse(world: World, code: str = "S-001", *, at: dt.datetime = INFUSED_AT) -> str:
    """Enrol, release a lot, lymphodepletion (last dose 2026-03-03T10:00Z), infuse at ``at``."""
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
        started_at=at,
    )
    return subject_id


def _planned(world: World, subject_id: str) -> dict[str, dt.date]:
    with world.sessions() as s:
        visits = s.scalars(select(Visit).where(Visit.subject_id == subject_id))
        return {v.visit_code: v.planned_date for v in visits}


def _verdict(world: World, subject_id: str, as_of: dt.datetime) -> DltVerdict:
    with world.sessions() as s:
        subject = s.get(Subject, subject_id)
        assert subject is not None
        protocol = admin.protocol_of(s, subject)
        return adjudication.assess_subject_dlt(s, subject, protocol, as_of=as_of)


# --- the seam module -------------------------------------------------------------------


def test_shenzhen_clock_turns_the_stored_instant_into_the_next_local_day() -> None:
    clock = SiteClock(time_zone_named(SHANGHAI))
    assert clock.local(INFUSED_AT) == dt.datetime(2026, 3, 10, 1, 30)
    assert clock.local_date(INFUSED_AT) == dt.date(2026, 3, 10)
    assert clock.to_utc(dt.datetime(2026, 3, 10, 1, 30)) == INFUSED_AT


def test_72_hours_across_the_paris_summer_time_change_are_real_hours() -> None:
    # 29 March 2026, 02:00 CET -> 03:00 CEST: 10:00 on the 27th to 10:00 on the 30th
    # shows 72 h on the wall clock but is 71 h (09:00Z -> 08:00Z three days later).
    paris = ZoneInfo("Europe/Paris")
    start = dt.datetime(2026, 3, 27, 10, 0, tzinfo=paris)
    assert elapsed_hours(start, dt.datetime(2026, 3, 30, 10, 0, tzinfo=paris)) == 71
    assert elapsed_hours(start, dt.datetime(2026, 3, 30, 11, 0, tzinfo=paris)) == 72


def test_a_paris_time_the_clock_skips_is_refused_and_a_repeated_one_is_the_first() -> None:
    clock = SiteClock(time_zone_named("Europe/Paris"))
    with pytest.raises(InputError) as skipped:
        clock.to_utc(dt.datetime(2026, 3, 29, 2, 30), field="observation.time")
    assert (skipped.value.field, skipped.value.value) == ("observation.time", "2026-03-29T02:30:00")
    assert "skipped when summer time starts" in skipped.value.expected
    # 25 October 2026, 03:00 CEST -> 02:00 CET: 02:30 happens twice; the first is 00:30Z.
    assert clock.to_utc(dt.datetime(2026, 10, 25, 2, 30)) == dt.datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


# --- sites: registration, validation, audited change --------------------------------------


@pytest.mark.parametrize("zone", ["Asia/Shenzhen", "asia/shanghai", "UTC+8", "localtime", ""])
def test_unknown_time_zone_is_refused_naming_the_field_value_and_expectation(
    sessions: Sessions, zone: str
) -> None:
    with pytest.raises(InputError) as refused:
        admin.create_site(sessions, actor=ROOT, code="SZ", name="Shenzhen", time_zone=zone)
    assert (refused.value.field, refused.value.value, refused.value.expected) == (
        "time_zone",
        zone,
        "an IANA time zone such as Asia/Shanghai",
    )
    with sessions() as s:
        assert s.scalars(select(Site)).all() == []


def test_changing_a_sites_zone_is_an_audited_update_with_its_reason(sessions: Sessions) -> None:
    admin.create_site(sessions, actor=ROOT, code="SZ", name="Shenzhen", time_zone="UTC")
    with pytest.raises(InputError) as no_reason:
        admin.set_site_time_zone(sessions, actor=ROOT, code="SZ", time_zone=SHANGHAI, reason=" ")
    assert no_reason.value.field == "reason"
    with pytest.raises(InputError) as bad_zone:
        admin.set_site_time_zone(
            sessions, actor=ROOT, code="SZ", time_zone="Asia/Shenzhen", reason="wrong zone"
        )
    assert bad_zone.value.field == "time_zone"
    why = "Shenzhen keeps Beijing time; registered on UTC by mistake"
    site = admin.set_site_time_zone(sessions, actor=ROOT, code="SZ", time_zone=SHANGHAI, reason=why)
    assert (site.time_zone, site.version) == (SHANGHAI, 2)
    with sessions() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.record_id == site.id).order_by(AuditEntry.seq)
        ).all()
    assert [(e.action, e.field) for e in entries] == [("insert", None), ("update", "time_zone")]
    change = entries[1]
    assert (change.old_value, change.new_value, change.reason, change.username) == (
        "UTC",
        SHANGHAI,
        why,
        "cli:test",
    )


def test_sites_registered_before_migration_0006_get_utc(engine: Engine) -> None:
    assert downgrade(engine, "0005") == "0005"
    t = dt.datetime(2026, 1, 5, 9, 0)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO site (id, version, code, name, created_at) "
                "VALUES ('s1', 1, 'SZ', 'Shenzhen', :t)"
            ),
            {"t": t},
        )
        conn.execute(
            text(
                "INSERT INTO user_account (id, version, username, full_name, password_hash, "
                "is_active, failed_logins, created_at) "
                "VALUES ('u1', 1, 'ada', 'Ada', 'x', :yes, 0, :t)"
            ),
            {"t": t, "yes": True},
        )
        conn.execute(
            text(
                "INSERT INTO role_grant (id, version, user_id, role, site_id, granted_at) "
                "VALUES ('g1', 1, 'u1', 'investigator', 's1', :t)"
            ),
            {"t": t},
        )
    assert upgrade(engine) == "0010"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT code, time_zone FROM site")).all() == [("SZ", "UTC")]


def test_cli_site_add_needs_a_known_time_zone(tmp_path: Path) -> None:
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'trial.db'}"

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--url", url])
        return result.exit_code, result.output

    assert run("db", "init")[0] == 0
    code, out = run("site", "add", "SZ", "Shenzhen", "--time-zone", "Asia/Shenzhen")
    assert code == 2
    assert (
        "field 'time_zone': got 'Asia/Shenzhen', expected an IANA time zone such as Asia/Shanghai"
    ) in out
    code, out = run("site", "add", "SZ", "Shenzhen")
    assert code == 2 and "--time-zone" in out
    assert run("site", "add", "SZ", "Shenzhen", "--time-zone", "UTC") == (
        0,
        "site SZ added (UTC)\n",
    )
    code, out = run("site", "set-time-zone", "SZ", "Asia/Shanghai")
    assert code == 2 and "--reason" in out
    assert run(
        "site", "set-time-zone", "SZ", "Asia/Shanghai", "--reason", "registered on UTC by mistake"
    ) == (0, "site SZ now on Asia/Shanghai\n")


# --- day 0 and the visit calendar -------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day0", "day28"),
    [
        (SHANGHAI, dt.date(2026, 3, 10), dt.date(2026, 4, 7)),
        ("UTC", dt.date(2026, 3, 9), dt.date(2026, 4, 6)),
    ],
)
def test_visits_are_planned_from_the_sites_calendar_day_of_the_infusion(
    sessions: Sessions, zone: str, day0: dt.date, day28: dt.date
) -> None:
    world = build_world(sessions, zone_a=zone)
    subject_id = _infuse(world)
    assert _planned(world, subject_id) == {"d0": day0, "d28": day28}
    with sessions() as s:
        stored = s.scalars(select(Infusion.started_at)).one()
    assert stored == INFUSED_AT


def test_infusion_72_hours_after_lymphodepletion_across_summer_time_in_paris(
    sessions: Sessions,
) -> None:
    paris = ZoneInfo("Europe/Paris")
    world = build_world(sessions, zone_a="Europe/Paris")
    coord = world.actors["coordinator"]
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    for day, date in ((-5, 25), (-4, 26), (-3, 27)):
        for agent, mg in (("fludarabine", "54"), ("cyclophosphamide", "900")):
            treatment.record_lymphodepletion_dose(
                sessions,
                actor=coord,
                subject_id=subject_id,
                agent=agent,
                study_day=day,
                dose_mg=Decimal(mg),
                completed_at=dt.datetime(2026, 3, date, 10, 0, tzinfo=paris),
            )

    def infuse(at: dt.datetime) -> None:
        treatment.record_infusion(
            sessions,
            actor=coord,
            subject_id=subject_id,
            lot_id=lot_id,
            scanned_chain_of_identity_id=coi_of(world, subject_id),
            cells_infused=7_000_000,
            started_at=at,
        )

    with pytest.raises(InfusionRefused) as refused:
        infuse(dt.datetime(2026, 3, 30, 10, 0, tzinfo=paris))
    assert refused.value.reasons == [
        "only 71.0 h since the last lymphodepletion dose (2026-03-27T09:00:00.000000Z); "
        "the protocol requires at least 72 h"
    ]
    infuse(dt.datetime(2026, 3, 30, 11, 0, tzinfo=paris))
    assert _planned(world, subject_id) == {"d0": dt.date(2026, 3, 30), "d28": dt.date(2026, 4, 27)}
    with sessions() as s:
        assert s.scalars(select(Infusion.started_at)).one() == dt.datetime(
            2026, 3, 30, 9, 0, tzinfo=UTC
        )


# --- CRS graded per local day -------------------------------------------------------------


def test_crs_series_crossing_local_midnight_is_graded_per_shenzhen_day(sessions: Sessions) -> None:
    world = build_world(sessions, zone_a=SHANGHAI)
    subject_id = _infuse(world)
    coord = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 10),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    # Shenzhen wall-clock times: day 0 evening, then just after local midnight (day 1).
    # In UTC all three fall on 2026-03-10 (13:00Z, 16:40Z, 18:00Z).
    for payload in (
        {"kind": "temperature", "time": "2026-03-10T21:00", "celsius": "38.6"},
        {"kind": "temperature", "time": "2026-03-11T00:40", "celsius": "39.4"},
        {
            "kind": "blood_pressure",
            "time": "2026-03-11T02:00",
            "hypotension": True,
            "systolic_mmhg": 82,
            "vasopressors": [{"agent": "norepinephrine"}],
        },
    ):
        graded = record_syndrome_observation(sessions, actor=coord, ae_id=ae.id, payload=payload)
    assert (graded.derived_grade, graded.derivation_reason) == (
        3,
        "CRS grade 3: hypotension needing one vasopressor (norepinephrine) on day 1",
    )
    with sessions() as s:
        observed = s.scalars(select(AeObservation.observed_at).order_by(AeObservation.observed_at))
        assert list(observed) == [
            dt.datetime(2026, 3, 10, 13, 0, tzinfo=UTC),
            dt.datetime(2026, 3, 10, 16, 40, tzinfo=UTC),
            dt.datetime(2026, 3, 10, 18, 0, tzinfo=UTC),
        ]
        event = s.get(AdverseEvent, ae.id)
        subject = s.get(Subject, subject_id)
        assert event is not None and subject is not None
        result = grade_series(s, event, subject)
    assert [(d.date, d.study_day, d.grade) for d in result.days] == [
        (dt.date(2026, 3, 10), 0, 1),
        (dt.date(2026, 3, 11), 1, 3),
    ]
    assert (result.onset_day, result.duration_days) == (0, 2)


def test_crs_observation_at_a_time_the_paris_clock_skips_is_refused(sessions: Sessions) -> None:
    world = build_world(sessions, zone_a="Europe/Paris")
    subject_id = enrolled(world)
    coord = world.actors["coordinator"]
    ae = safety.record_adverse_event(
        sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 29),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    fever = {"kind": "temperature", "celsius": "38.5"}
    with pytest.raises(InputError) as refused:
        record_syndrome_observation(
            sessions, actor=coord, ae_id=ae.id, payload={**fever, "time": "2026-03-29T02:30"}
        )
    assert (refused.value.field, refused.value.value) == ("observation.time", "2026-03-29T02:30:00")
    record_syndrome_observation(
        sessions, actor=coord, ae_id=ae.id, payload={**fever, "time": "2026-03-29T03:30"}
    )
    with sessions() as s:
        assert s.scalars(select(AeObservation.observed_at)).one() == dt.datetime(
            2026, 3, 29, 1, 30, tzinfo=UTC
        )


# --- the 28-day DLT window counts local days ------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "as_of", "outcome", "days_followed"),
    [
        # 2026-04-06 18:00 in Shenzhen: local day 27 (UTC day 28): the window is still open.
        (SHANGHAI, dt.datetime(2026, 4, 6, 10, 0, tzinfo=UTC), "pending", 27),
        # 2026-04-07 00:30 in Shenzhen: local day 28: followed through the window.
        (SHANGHAI, dt.datetime(2026, 4, 6, 16, 30, tzinfo=UTC), "no", 28),
        # The same first instant at a UTC site is day 28 there.
        ("UTC", dt.datetime(2026, 4, 6, 10, 0, tzinfo=UTC), "no", 28),
    ],
)
def test_dlt_window_is_28_local_days_from_the_local_infusion_day(
    sessions: Sessions, zone: str, as_of: dt.datetime, outcome: str, days_followed: int
) -> None:
    world = build_world(sessions, zone_a=zone)
    subject_id = _infuse(world)
    verdict = _verdict(world, subject_id, as_of)
    assert (verdict.outcome, verdict.days_followed) == (outcome, days_followed)
    expected = {
        "pending": "DLT window ongoing: followed to day 27 of 28, no DLT so far",
        "no": "DLT-evaluable: followed through the 28-day DLT window without a DLT",
    }
    assert verdict.reason == expected[outcome]


@pytest.mark.parametrize(
    ("zone", "outcome", "rule_id", "reason"),
    [
        # 2026-04-07 is Shenzhen day 28 (inside the 28-day window): rule D5 makes it a DLT.
        (SHANGHAI, "yes", "D5", "grade 3 Pneumonitis (day 28)"),
        # At a UTC site the same date is day 29, outside the window.
        ("UTC", "no", None, "DLT-evaluable: followed through the 28-day DLT window without a DLT"),
    ],
)
def test_ae_onset_on_local_day_28_is_inside_the_window_only_on_the_sites_clock(
    sessions: Sessions, zone: str, outcome: str, rule_id: str | None, reason: str
) -> None:
    world = build_world(sessions, zone_a=zone)
    subject_id = _infuse(world)
    safety.record_adverse_event(
        sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Pneumonitis",
        onset_date=dt.date(2026, 4, 7),
        grading_scale="ctcae_v5",
        reported_grade=3,
        relatedness="probable",
    )
    result = adjudication.adjudicate_dlt(
        sessions,
        actor=world.actors["investigator"],
        subject_id=subject_id,
        password=PASSWORD,
        as_of=dt.datetime(2026, 4, 8, 0, 0, tzinfo=UTC),
    )
    assert (result.outcome, result.rule_id, result.reason) == (outcome, rule_id, reason)


@pytest.mark.parametrize(("zone", "level"), [(SHANGHAI, None), ("UTC", 2)])
def test_enrolment_waits_while_shenzhen_windows_are_open_on_the_local_clock(
    sessions: Sessions, zone: str, level: int | None
) -> None:
    world = build_world(sessions, zone_a=zone)
    for n in (1, 2, 3):
        _infuse(world, f"S-00{n}")
    subject_id = screened(world, "S-004")
    screening.sign_eligibility(
        sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )
    # 2026-04-06T10:00Z: Shenzhen day 27 for all three (wait); UTC day 28 (escalate).
    assign = functools.partial(
        enrolment.assign_dose_from_engine, as_of=dt.datetime(2026, 4, 6, 10, 0, tzinfo=UTC)
    )

    def enrol() -> Subject:
        return enrolment.enrol(
            sessions,
            actor=world.actors["coordinator"],
            subject_id=subject_id,
            weight_kg=Decimal(70),
            assign_dose=assign,
        )

    if level is None:
        with pytest.raises(EnrolmentBlocked) as blocked:
            enrol()
        assert blocked.value.reason.startswith(
            "the escalation engine says wait: 3 patient(s) inside the 28-day DLT window "
            "(3 at level 1)"
        )
    else:
        assert enrol().dose_level == level
