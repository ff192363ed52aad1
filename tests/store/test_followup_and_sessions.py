"""The full path to day-28 follow-up, login sessions, API tokens, concurrent AE edits."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from cartrial.errors import AuthenticationError, ConflictError
from cartrial.services import auth, followup, safety, treatment, tumour
from cartrial.services.context import Sessions
from cartrial.store.audit import verify_chain
from cartrial.store.models import AuditEntry, AuthSession, Subject, Visit
from tests.store.trial import (
    INFUSION_AT,
    PASSWORD,
    World,
    build_world,
    coi_of,
    enrolled,
    lymphodepleted,
    with_lot,
)


@pytest.fixture
def world(sessions: Sessions) -> World:
    return build_world(sessions)


def test_full_path_from_screening_to_day_28_follow_up(world: World) -> None:
    coord = world.actors["coordinator"]
    subject_id = enrolled(world)
    lot_id = with_lot(world, subject_id)
    lymphodepleted(world, subject_id)
    treatment.record_infusion(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        lot_id=lot_id,
        scanned_chain_of_identity_id=coi_of(world, subject_id),
        cells_infused=7_000_000,
        started_at=INFUSION_AT,
    )
    assert followup.plan_visits(world.sessions, actor=coord, subject_id=subject_id) == []
    with world.sessions() as s:
        visits = list(s.scalars(select(Visit).order_by(Visit.planned_date)))
    assert [(v.visit_code, v.planned_date) for v in visits] == [
        ("d0", dt.date(2026, 3, 6)),
        ("d28", dt.date(2026, 4, 3)),
    ]
    followup.advance_status(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        status="follow_up",
        reason="day 1 after infusion",
    )
    ae = safety.record_adverse_event(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        term="Cytokine release syndrome",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="astct_2019",
        reported_grade=1,
    )
    followup.record_con_med(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        name="tocilizumab",
        start_date=dt.date(2026, 3, 8),
        adverse_event_id=ae.id,
    )
    followup.record_lab(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        collected_at=INFUSION_AT + dt.timedelta(days=7),
        test="ferritin",
        value=Decimal(1250),
        unit="ng/mL",
    )
    sample = followup.record_sample(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        sample_code="S-001-D7-QPCR",
        analyte="car_transgene_qpcr",
        matrix="blood",
        collected_at=INFUSION_AT + dt.timedelta(days=7),
        study_day=7,
    )
    followup.record_assay_result(
        world.sessions,
        actor=coord,
        sample_id=sample.id,
        test="CAR copies",
        value=Decimal(15400),
        unit="copies/ug gDNA",
    )
    tumour.record_tumour_assessment(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        assessed_on=dt.date(2026, 4, 3),
        method="CT",
        lesions=[tumour.LesionInput("T1", "target", "pleura", Decimal("32.0"))],
    )
    d28 = next(v for v in visits if v.visit_code == "d28")
    followup.record_visit_date(
        world.sessions,
        actor=coord,
        visit_id=d28.id,
        expected_version=d28.version,
        actual_date=dt.date(2026, 4, 3),
    )
    followup.advance_status(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        status="completed",
        reason="day-28 visit done",
    )
    with world.sessions() as s:
        assert s.get(Subject, subject_id).status == "completed"  # type: ignore[union-attr]
        assert s.scalars(select(Visit.actual_date).where(Visit.visit_code == "d28")).one() == (
            dt.date(2026, 4, 3)
        )
        report = verify_chain(s)
        assert report.is_intact and report.checked > 40


def test_login_issues_a_session_that_expires_after_15_idle_minutes(world: World) -> None:
    token, actor = auth.login(
        world.sessions, username="coord_a", password=PASSWORD, role="coordinator", site_code="A"
    )
    assert auth.resolve_session(world.sessions, token) == actor
    with world.sessions() as s, s.begin():
        s.execute(
            update(AuthSession).values(
                last_seen_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
            )
        )
    with pytest.raises(AuthenticationError, match="session expired after 15 minutes"):
        auth.resolve_session(world.sessions, token)
    with pytest.raises(AuthenticationError, match="unknown or ended session"):
        auth.resolve_session(world.sessions, token)


def test_login_in_a_role_not_granted_at_that_site_is_refused(world: World) -> None:
    from cartrial.errors import PermissionDenied

    with pytest.raises(PermissionDenied, match="at site B"):
        auth.login(
            world.sessions, username="coord_a", password=PASSWORD, role="coordinator", site_code="B"
        )


def test_revoked_api_token_is_refused_and_is_stored_only_as_a_hash(world: World) -> None:
    secret, row = auth.create_api_token(
        world.sessions, actor=world.actors["coordinator"], label="lab interface"
    )
    assert auth.resolve_api_token(world.sessions, secret).username == "coord_a"
    assert secret not in row.token_sha256 and len(row.token_sha256) == 64
    auth.revoke_api_token(world.sessions, actor=world.actors["coordinator"], token_id=row.id)
    with pytest.raises(AuthenticationError, match="unknown or revoked API token"):
        auth.resolve_api_token(world.sessions, secret)


def test_token_check_leaves_the_next_transaction_on_its_connection_atomic(
    world: World,
) -> None:
    # The check runs in autocommit on PostgreSQL; the pooled connection must go back
    # to transactional use, so a failed write after it leaves nothing behind.
    from cartrial.services.context import transaction
    from cartrial.store.models import Site

    secret, _row = auth.create_api_token(
        world.sessions, actor=world.actors["coordinator"], label="lab interface"
    )
    engine = world.sessions.kw["bind"]
    engine.dispose()  # one pooled connection from here on, shared by both steps
    actor = auth.resolve_api_token(world.sessions, secret)
    with world.sessions() as session:
        before = len(session.scalars(select(AuditEntry)).all())
    with pytest.raises(RuntimeError), transaction(world.sessions, actor) as session:
        session.add(Site(code="Z", name="Never"))
        session.flush()
        raise RuntimeError("roll back")
    with world.sessions() as session:
        assert session.scalars(select(Site).where(Site.code == "Z")).all() == []
        assert len(session.scalars(select(AuditEntry)).all()) == before


def test_two_clients_editing_the_same_ae_at_once_lose_no_update(world: World) -> None:
    subject_id = enrolled(world)
    ae = safety.record_adverse_event(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        term="Fever",
        onset_date=dt.date(2026, 3, 7),
        grading_scale="ctcae_v5",
        reported_grade=1,
    )
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}

    def edit(grade: int) -> None:
        barrier.wait()
        try:
            safety.update_adverse_event(
                world.sessions,
                actor=world.actors["coordinator"],
                ae_id=ae.id,
                expected_version=1,
                changes={"reported_grade": grade},
                reason=f"now {grade}",
            )
            outcomes[grade] = "saved"
        except ConflictError as exc:
            outcomes[grade] = f"conflict: theirs {exc.theirs}"

    threads = [threading.Thread(target=edit, args=(g,)) for g in (2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values())[1] == "saved"
    winner = next(g for g, o in outcomes.items() if o == "saved")
    loser = next(g for g in outcomes if g != winner)
    assert outcomes[loser] == f"conflict: theirs {winner}"
    with world.sessions() as s:
        assert s.get(safety.AdverseEvent, ae.id).reported_grade == winner  # type: ignore[union-attr]
        updates = s.scalars(
            select(AuditEntry.new_value).where(
                AuditEntry.record_id == ae.id, AuditEntry.field == "reported_grade"
            )
        ).all()
        assert updates == [str(winner)]


def test_withdrawn_subject_may_still_be_recorded_as_died_but_not_infused(world: World) -> None:
    from cartrial.errors import InputError

    subject_id = enrolled(world)
    coord = world.actors["coordinator"]
    followup.withdraw(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        withdrawn_on=dt.date(2026, 2, 10),
        initiated_by="subject",
        reason="consent withdrawn",
    )
    with pytest.raises(InputError) as err:
        with_lot(world, subject_id)
    assert str(err.value) == (
        "field 'status': got 'withdrawn', expected a subject that is enrolled or apheresed "
        "to record an apheresis"
    )
    followup.record_death(
        world.sessions,
        actor=coord,
        subject_id=subject_id,
        died_on=dt.date(2026, 5, 1),
        cause="disease progression",
    )
    with world.sessions() as s:
        assert s.get(Subject, subject_id).status == "died"  # type: ignore[union-attr]
