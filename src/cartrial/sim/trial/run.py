"""The whole trial through the services: virtual patients from consent to data lock.

Issue 11 section 3. Each virtual patient (:mod:`cartrial.sim.model`) arrives at
a site on the accrual process, is screened on a record the site would enter
(:mod:`cartrial.sim.observations`), signed eligible by the investigator,
enrolled at the level the live escalation engine gives (when it says wait, the
patient waits and may be lost, as at a real site), apheresed, manufactured
(or not), lymphodepleted with the dosing engine's doses, infused through the
interlocks, and followed on the protocol's calendar: visits, labs, CAR-T
samples, CRS/ICANS observations, adverse events, tumour scans, DLT adjudication
signed by the investigator, escalation decisions signed by the safety
committee, death, withdrawal and loss to follow-up, then data lock.

Every record goes through the same service calls the REST API uses, so the
audit trail, the signatures and the interlocks are the real ones; the services
take "now" from the :class:`~cartrial.clock.SimulatedClock` that the calendar
(:mod:`cartrial.sim.trial.calendar`) advances. The simulator enters raw
observations only; grades, DLTs, responses and decisions are the engines'.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from cartrial.clock import SimulatedClock, simulated
from cartrial.dosing.schedule import Schedule, ScheduleRequest, compute_schedule
from cartrial.errors import EnrolmentBlocked
from cartrial.protocol.load import LoadedProtocol
from cartrial.services import enrolment, followup, product, safety, screening, treatment
from cartrial.services.adjudication import adjudicate_dlt
from cartrial.services.context import Sessions
from cartrial.services.data import lock_subject
from cartrial.services.enrolment import engine_decision, has_expansion
from cartrial.services.safety import EXPANSION, EscalationOutcome, opens_expansion
from cartrial.sim.model import at_dose, draw_patients
from cartrial.sim.observations._common import num
from cartrial.sim.observations.screening import screening_record
from cartrial.sim.patients import VirtualPatients
from cartrial.sim.scenario import Scenario
from cartrial.sim.trial.calendar import Calendar
from cartrial.sim.trial.followup import schedule_follow_up
from cartrial.sim.trial.world import PASSWORD, SimSite, SimWorld, build_world, site_zone_for
from cartrial.store.accounts import virtual_accounts

__all__ = ["RunProgress", "SimPatient", "TrialRun", "simulate_trial"]

#: The first consent of every simulated trial (site time 09:00 on its first site).
FIRST_DAY = dt.date(2026, 1, 5)
#: How long a patient waits for a place in a cohort before being lost (assumed: 8 weeks).
MAX_WAIT_DAYS = 56
#: Signed-eligible patients already waiting for a place beyond which a site consents no
#: one new (assumed: slot allocation in dose escalation keeps a short waiting list).
MAX_WAITING = 2
#: How often the site asks the engine again for a patient who waits (assumed: weekly).
RETRY_DAYS = 7


@dataclass
class SimPatient:
    """One virtual patient's progress through the trial."""

    index: int
    site: SimSite
    code: str
    consent_date: dt.date
    rng: np.random.Generator
    subject_id: str = ""
    dose_level: int | None = None
    infusion_at: dt.datetime | None = None
    lot_id: str = ""
    coi: str = ""
    ended: bool = False  # died, withdrawn or completed: no more events
    progressed: bool = False  # RECIST PD derived: no more scans (survival follow-up only)
    waiting_since: dt.datetime | None = None
    retry_scheduled: bool = False
    planned_infusion: dt.date | None = None


@dataclass(frozen=True)
class RunProgress:
    """Where a running simulation is: events run, enrolled of the target, simulated date."""

    events: int
    enrolled: int
    target: int
    now: dt.datetime


@dataclass
class TrialRun:
    """What the run did (counts of service calls); the findings are read from the database."""

    protocol_id: str
    seed: int
    arrivals: int = 0
    events: int = 0
    decisions_signed: int = 0
    referrals_declined: int = 0
    patients: list[SimPatient] = field(default_factory=list)
    #: The instant of the database lock: the data cut of the analyses.
    data_cut: dt.datetime | None = None
    #: The latent truth at the end (each enrolled patient at the dose given), for checks.
    truth: VirtualPatients | None = None


class _Trial:
    def __init__(
        self,
        world: SimWorld,
        scenario: Scenario,
        pool: VirtualPatients,
        calendar: Calendar,
        seed_sequence: np.random.SeedSequence,
        progress: Callable[[RunProgress], None] | None,
    ) -> None:
        self.world = world
        self.protocol = world.protocol
        self.scenario = scenario
        self.pool = pool
        self.calendar = calendar
        self.seeds = seed_sequence
        self.progress = progress
        self.run = TrialRun(protocol_id=world.protocol.id, seed=0)
        self.enrolled = 0
        self.target = world.protocol.planned_enrolment or pool.n
        self.accrual_open = True
        self.last_decision: tuple[str, int | None, bool] | None = None
        self.waiting: list[SimPatient] = []
        self.expansion_open = False
        self.arrival_rng = np.random.default_rng(seed_sequence.spawn(1)[0])

    # --- accrual -------------------------------------------------------------------------
    def start(self) -> None:
        for site in self.world.sites:
            self._next_arrival(site, site.at(FIRST_DAY, 9))

    def _next_arrival(self, site: SimSite, after: dt.datetime) -> None:
        rate = self.scenario.operations.accrual_per_month_per_site.value / 30.4375
        gap = float(self.arrival_rng.exponential(1.0 / rate))
        day = site.today(after + dt.timedelta(days=gap))
        self.calendar.at(site.at(day, 9), "arrival", lambda: self._arrive(site))

    def _arrive(self, site: SimSite) -> None:
        if not self.accrual_open or self.run.arrivals >= self.pool.n:
            return
        if len(self.waiting) >= MAX_WAITING:
            # No place in sight: the site does not consent another patient for now (the
            # sponsor allocates slots during dose escalation); the referral goes elsewhere.
            self.run.referrals_declined += 1
            self._next_arrival(site, self.calendar.clock.now())
            return
        index = self.run.arrivals
        self.run.arrivals += 1
        rng = np.random.default_rng(self.seeds.spawn(1)[0])
        now = self.calendar.clock.now()
        patient = SimPatient(
            index=index,
            site=site,
            code=f"{site.code}-{index + 1:04d}",
            consent_date=site.today(now),
            rng=rng,
        )
        self.run.patients.append(patient)
        self._screen(patient)
        self._next_arrival(site, now)

    # --- screening and enrolment --------------------------------------------------------
    def _screen(self, p: SimPatient) -> None:
        record = screening_record(
            self.pool.row(p.index), self.protocol, p.code, p.consent_date, p.rng
        )
        subject, decision = screening.screen(
            self.world.sessions,
            actor=self.world.actor("coordinator", p.site),
            site_id=p.site.id,
            protocol_version_id=self.world.protocol_version_id,
            record=record,
        )
        p.subject_id = subject.id
        if decision.decision == "eligible":
            self.calendar.at(
                p.site.at(p.consent_date + dt.timedelta(days=1), 14), "sign", lambda: self._sign(p)
            )
            return
        why = (
            decision.reason
            if decision.decision == "not_eligible"
            else (f"investigator review did not confirm eligibility: {decision.reason}")
        )
        self.calendar.at(
            p.site.at(p.consent_date + dt.timedelta(days=2), 10),
            "screen failure",
            lambda: self._screen_fail(p, why),
        )

    def _screen_fail(self, p: SimPatient, why: str) -> None:
        followup.advance_status(
            self.world.sessions,
            actor=self.world.actor("investigator", p.site),
            subject_id=p.subject_id,
            status="screen_failed",
            reason=why[:500],
        )
        p.ended = True

    def _sign(self, p: SimPatient) -> None:
        screening.sign_eligibility(
            self.world.sessions,
            actor=self.world.actor("investigator", p.site),
            subject_id=p.subject_id,
            password=PASSWORD,
        )
        self._try_enrol(p)

    def _try_enrol(self, p: SimPatient) -> None:
        p.retry_scheduled = False
        if p.ended:
            return
        if self.enrolled >= self.target:
            self._leave_queue(p)
            self._withdraw(p, "enrolment complete before a place was free", "sponsor")
            return
        # The committee reviews the engine's answer before a place is given, so every
        # change of level is signed before the patient it applies to is enrolled.
        self.review_escalation()
        row = self.pool.row(p.index)
        try:
            subject = enrolment.enrol(
                self.world.sessions,
                actor=self.world.actor("coordinator", p.site),
                subject_id=p.subject_id,
                weight_kg=Decimal(str(round(num(row, "weight_kg"), 1))),
            )
        except EnrolmentBlocked as blocked:
            self._wait_for_place(p, str(blocked))
            return
        self._leave_queue(p)
        self.enrolled += 1
        if self.enrolled >= self.target:
            self.accrual_open = False
        p.dose_level = subject.dose_level
        p.coi = subject.chain_of_identity_id or ""
        level = self.protocol.dose_level(subject.dose_level or 1)
        dose = np.array([float(level.cells_per_kg)])
        self.pool = _replace_row(
            self.pool, p.index, at_dose(self.pool.take(np.array([p.index])), dose, self.scenario)
        )
        self._plan_treatment(p)
        self.offer_place()  # the next in line may fit the same cohort

    # --- the waiting list ---------------------------------------------------------------
    # A signed-eligible patient the engine cannot place yet waits in line. The site asks
    # again for the first in line when something may have changed (a DLT adjudication,
    # a committee decision, an enrolment) and weekly (a stagger ends with time alone);
    # a patient who waits longer than MAX_WAIT_DAYS, or who drops out meanwhile (the
    # scenario's no-show probability), is withdrawn, as at a real site.
    def _wait_for_place(self, p: SimPatient, why: str) -> None:
        if " says stop" in why:
            self.accrual_open = False
            self._leave_queue(p)
            self._withdraw(p, "enrolment closed: the escalation engine says stop", "sponsor")
            for other in list(self.waiting):
                self._leave_queue(other)
                self._withdraw(
                    other, "enrolment closed: the escalation engine says stop", "sponsor"
                )
            return
        now = self.calendar.clock.now()
        if p not in self.waiting:
            self.waiting.append(p)
            p.waiting_since = now
            lost = self.scenario.operations.no_show_while_waiting.value
            days = MAX_WAIT_DAYS
            if p.rng.random() < lost:
                days = int(p.rng.integers(RETRY_DAYS, MAX_WAIT_DAYS))
            self.calendar.at(
                now + dt.timedelta(days=days),
                "waited too long",
                functools.partial(self._give_up, p),
            )
        if self.waiting and self.waiting[0] is p:
            self._retry(p, now + dt.timedelta(days=RETRY_DAYS))

    def _retry(self, p: SimPatient, when: dt.datetime) -> None:
        if p.retry_scheduled or p.ended:
            return
        p.retry_scheduled = True
        self.calendar.at(when, "enrol retry", functools.partial(self._try_enrol, p))

    def offer_place(self) -> None:
        """Ask the engine again for the first patient in line (something changed)."""
        if self.waiting:
            self._retry(self.waiting[0], self.calendar.clock.now() + dt.timedelta(hours=1))

    def _give_up(self, p: SimPatient) -> None:
        if p in self.waiting and not p.ended:
            waited = (
                self.calendar.clock.now() - (p.waiting_since or self.calendar.clock.now())
            ).days
            self._leave_queue(p)
            self._withdraw(p, f"no place in a cohort after {waited} days of waiting", "subject")
            self.offer_place()

    def _leave_queue(self, p: SimPatient) -> None:
        if p in self.waiting:
            self.waiting.remove(p)

    def _withdraw(self, p: SimPatient, reason: str, by: str) -> None:
        if p.ended:
            return
        followup.withdraw(
            self.world.sessions,
            actor=self.world.actor("investigator", p.site),
            subject_id=p.subject_id,
            withdrawn_on=p.site.today(self.calendar.clock.now()),
            initiated_by=by,
            reason=reason,
        )
        p.ended = True

    # --- product, lymphodepletion, infusion ---------------------------------------------
    def _plan_treatment(self, p: SimPatient) -> None:
        row = self.pool.row(p.index)
        today = p.site.today(self.calendar.clock.now())
        wait = max(
            3, math.ceil(num(row, "days_consent_to_apheresis") - (today - p.consent_date).days)
        )
        apheresis_day = today + dt.timedelta(days=wait)
        v2v = max(14, round(num(row, "vein_to_vein_days")))
        p.planned_infusion = apheresis_day + dt.timedelta(days=v2v)
        self.calendar.at(p.site.at(apheresis_day, 8), "apheresis", lambda: self._apheresis(p))

    def _apheresis(self, p: SimPatient) -> None:
        if p.ended:
            return
        coord = self.world.actor("coordinator", p.site)
        now = self.calendar.clock.now()
        collection = product.record_apheresis(
            self.world.sessions,
            actor=coord,
            subject_id=p.subject_id,
            collection_id=f"APH-{p.code}",
            chain_of_identity_id=p.coi,
            collected_at=now,
        )
        lot = product.register_lot(
            self.world.sessions, actor=coord, apheresis_id=collection.id, lot_number=f"LOT-{p.code}"
        )
        p.lot_id = lot.id
        product.record_custody(
            self.world.sessions,
            actor=coord,
            lot_id=lot.id,
            at=now + dt.timedelta(hours=4),
            from_party=f"apheresis unit {p.site.code}",
            to_party="manufacturing facility",
            location="courier, 2-8 °C",
            condition="intact, temperature log within range",
        )
        assert p.planned_infusion is not None
        release_day = p.planned_infusion - dt.timedelta(days=7)
        self.calendar.at(p.site.at(release_day, 11), "lot release", lambda: self._release(p))

    def _release(self, p: SimPatient) -> None:
        if p.ended:
            return
        row = self.pool.row(p.index)
        coord = self.world.actor("coordinator", p.site)
        failed = bool(row["manufacturing_failed"])
        schedule = self._schedule(p)
        cells = schedule.cell_dose.total_cells
        product.release_lot(
            self.world.sessions,
            actor=coord,
            lot_id=p.lot_id,
            viable_car_cells=0 if failed else int(cells * 1.5),
            is_released=not failed,
            note="out of specification: insufficient expansion"
            if failed
            else "all release tests passed",
        )
        if failed:
            self._withdraw(p, "manufacturing failure: lot out of specification", "investigator")
            return
        if bool(row["withdraws_before_infusion"]):
            day = p.site.today(self.calendar.clock.now()) + dt.timedelta(days=2)
            self.calendar.at(
                p.site.at(day, 10),
                "withdrawal",
                lambda: self._withdraw(p, "withdrew consent before lymphodepletion", "subject"),
            )
            return
        product.record_custody(
            self.world.sessions,
            actor=coord,
            lot_id=p.lot_id,
            at=self.calendar.clock.now() + dt.timedelta(days=5),
            from_party="manufacturing facility",
            to_party=f"cell therapy laboratory {p.site.code}",
            location="liquid nitrogen dry shipper",
            condition="frozen, temperature log within range",
        )
        assert p.planned_infusion is not None
        for agent in schedule.lymphodepletion.agents:
            if not agent.is_given:
                continue
            for study_day, date in zip(agent.days, agent.dates, strict=True):
                hour = 9 if agent.agent == "fludarabine" else 10
                give = functools.partial(self._ld, p, agent.agent, study_day, agent.daily_dose_mg)
                self.calendar.at(p.site.at(date, hour), "lymphodepletion", give)
        last = max(max(a.dates) for a in schedule.lymphodepletion.agents if a.is_given)
        ld_end = p.site.at(last, 11)
        self.calendar.at(ld_end + dt.timedelta(hours=73), "infusion", lambda: self._infuse(p))

    def _schedule(self, p: SimPatient) -> Schedule:
        row = self.pool.row(p.index)
        assert p.planned_infusion is not None
        return compute_schedule(
            protocol=self.protocol,
            request=ScheduleRequest(
                infusion_date=p.planned_infusion,
                weight_kg=Decimal(str(round(num(row, "weight_kg"), 1))),
                height_cm=Decimal(str(round(num(row, "height_cm"), 1))),
                dose_level=p.dose_level,
            ),
        )

    def _ld(self, p: SimPatient, agent: str, study_day: int, mg: Decimal) -> None:
        if p.ended:
            return
        treatment.record_lymphodepletion_dose(
            self.world.sessions,
            actor=self.world.actor("coordinator", p.site),
            subject_id=p.subject_id,
            agent=agent,
            study_day=study_day,
            dose_mg=mg,
            completed_at=self.calendar.clock.now() + dt.timedelta(hours=1),
        )

    def _infuse(self, p: SimPatient) -> None:
        if p.ended:
            return
        schedule = self._schedule(p)
        now = self.calendar.clock.now()
        treatment.record_infusion(
            self.world.sessions,
            actor=self.world.actor("coordinator", p.site),
            subject_id=p.subject_id,
            lot_id=p.lot_id,
            scanned_chain_of_identity_id=p.coi,
            cells_infused=schedule.cell_dose.total_cells,
            started_at=now,
        )
        p.infusion_at = now
        schedule_follow_up(self, p)

    # --- oversight ----------------------------------------------------------------------
    def adjudicate(self, p: SimPatient) -> None:
        """The investigator signs the engine's DLT adjudication; the committee reviews."""
        adjudicate_dlt(
            self.world.sessions,
            actor=self.world.actor("investigator", p.site),
            subject_id=p.subject_id,
            password=PASSWORD,
        )
        self.review_escalation()
        self.offer_place()

    def review_escalation(self) -> None:
        """The safety committee signs the engine's decision when it moves the trial on."""
        spec = self.protocol.escalation
        if spec is None or spec.design == "investigator_assigned" or self.expansion_open:
            return
        with self.world.sessions() as session:
            decision = engine_decision(session, self.protocol, as_of=self.calendar.clock.now())
        if decision.action == "wait":
            return
        if decision.mtd_declared and decision.mtd_level and has_expansion(self.protocol):
            decision = decision.model_copy(
                update={
                    "action": "stay",
                    "next_level": decision.mtd_level,
                    "reason": f"{EXPANSION}, level {decision.mtd_level}: MTD level "
                    f"{decision.mtd_level} declared ({decision.reason})",
                }
            )
        key = (
            decision.action,
            decision.next_level,
            opens_expansion(decision.action, decision.reason),
        )
        if key == self.last_decision:
            return
        self.last_decision = key
        outcome = EscalationOutcome(
            current_level=decision.current_level or 0,
            action=decision.action,
            next_level=decision.next_level,
            reason=decision.reason,
            engine_version=f"cartrial.escalation ({decision.design})",
        )
        safety.record_escalation_decision(
            self.world.sessions,
            actor=self.world.actor("safety_committee"),
            protocol_id=self.protocol.id,
            outcome=outcome,
            password=PASSWORD,
        )
        self.run.decisions_signed += 1
        self.expansion_open = opens_expansion(outcome.action, outcome.reason)
        if decision.action == "stop":
            self.accrual_open = False

    def lock_all(self) -> None:
        """The data manager locks every subject's data (the data cut)."""
        for p in self.run.patients:
            lock_subject(
                self.world.sessions,
                actor=self.world.actor("data_manager"),
                subject_id=p.subject_id,
                reason="database lock at the end of the simulated trial",
                password=PASSWORD,
            )

    def loop(self) -> None:
        while len(self.calendar):
            self.calendar.run_next()
            self.run.events += 1
            if self.progress and self.run.events % 50 == 0:
                self.progress(
                    RunProgress(
                        self.run.events, self.enrolled, self.target, self.calendar.clock.now()
                    )
                )


def _replace_row(pool: VirtualPatients, index: int, one: VirtualPatients) -> VirtualPatients:
    """``pool`` with row ``index`` replaced by the single patient ``one``."""
    from dataclasses import fields

    values = {}
    for f in fields(pool):
        array = getattr(pool, f.name).copy()
        array[index] = getattr(one, f.name)[0]
        values[f.name] = array
    return VirtualPatients(**values)


def simulate_trial(
    sessions: Sessions,
    *,
    loaded: LoadedProtocol,
    scenario: Scenario,
    seed: int,
    max_arrivals: int | None = None,
    progress: Callable[[RunProgress], None] | None = None,
) -> TrialRun:
    """Run the whole trial of ``loaded`` under ``scenario`` into the migrated database."""
    protocol = loaded.protocol
    root = np.random.SeedSequence(seed)
    pool_seed, trial_seed = root.spawn(2)
    target = protocol.planned_enrolment or 20
    cap = max_arrivals or target * 4
    pool = draw_patients(scenario, np.random.default_rng(pool_seed), cap)
    start = dt.datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=dt.UTC)
    clock = SimulatedClock(start - dt.timedelta(days=7), seed=seed)
    with simulated(clock), virtual_accounts(seed):
        world = build_world(
            sessions,
            protocol=protocol,
            yaml_text=loaded.text,
            n_sites=scenario.operations.n_sites.value,
            zone=site_zone_for(protocol),
        )
        trial = _Trial(world, scenario, pool, Calendar(clock), trial_seed, progress)
        trial.run.seed = seed
        trial.start()
        trial.loop()
        trial.lock_all()
        trial.run.data_cut = clock.now()
    trial.run.truth = trial.pool
    return trial.run
