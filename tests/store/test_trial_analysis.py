"""The trial summary computed from the database, checked against hand-computed values.

The trial (tests/store/analysis_trial.py) is built through the services on both
databases; every expected value below is worked out here, independently of
cartrial's engines (scipy's beta quantiles for Clopper-Pearson, lifelines for
Kaplan-Meier, the trapezoid formulas for AUC, the 3+3 rule applied by hand).
"""

from __future__ import annotations

import itertools
import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy.stats import beta
from sqlalchemy import select

from cartrial.report.trial_pages import PAGES, write_trial_pages
from cartrial.services import enrolment, safety, screening
from cartrial.services.context import Sessions
from cartrial.services.trial_summary import trial_analysis, trial_summary
from cartrial.store.models import AuditEntry, EnrolmentHold
from tests.store.analysis_trial import DATA_CUT, SmallTrial, _screen, build_small_trial
from tests.store.trial import PASSWORD, screening_record


@pytest.fixture
def trial(sessions: Sessions) -> SmallTrial:
    return build_small_trial(sessions)


def _cp(x: int, n: int) -> tuple[float, float]:
    """Clopper-Pearson 1934, straight from the beta quantiles."""
    low = 0.0 if x == 0 else float(beta.ppf(0.025, x, n - x + 1))
    high = 1.0 if x == n else float(beta.ppf(0.975, x + 1, n - x))
    return low, high


def _km_median(days: list[int], events: list[bool]) -> tuple[float, float, float]:
    kmf = KaplanMeierFitter().fit(days, events)
    ci = median_survival_times(kmf.confidence_interval_)
    return float(kmf.median_survival_time_), float(ci.iloc[0, 0]), float(ci.iloc[0, 1])


def _lin_up_log_down(points: list[tuple[float, float]]) -> float:
    area = 0.0
    for (t1, c1), (t2, c2) in itertools.pairwise(points):
        if c2 >= c1 or c2 <= 0:
            area += (t2 - t1) * (c1 + c2) / 2
        else:
            area += (t2 - t1) * (c1 - c2) / math.log(c1 / c2)
    return area


def test_every_summary_figure_matches_the_hand_computed_value(trial: SmallTrial) -> None:
    s = trial_summary(trial.world.sessions, trial.protocol_id, as_of=DATA_CUT)
    dumped = s.model_dump()
    for key in ("screened", "enrolled", "infused", "dlt_evaluable", "dlts_by_level", "mtd"):
        assert key in dumped
    for key in ("rp2d", "orr", "dcr", "median_pfs_days", "median_os_days", "audit_head"):
        assert key in dumped

    assert (s.screened.n, s.enrolled.n, s.infused.n) == (7, 5, 5)
    assert [(f.id, f.n, f.subjects) for f in s.screen_failures_by_criterion] == [
        ("E1", 1, ["S-006"]),
        ("I1", 1, ["S-007"]),
    ]
    # DLTs from the signed adjudications: level 1 0 of 3, level 2 2 of 2 (D5 pneumonitis).
    assert s.dlt_evaluable.n == 5
    assert {k: (v.evaluable, v.dlts) for k, v in s.dlts_by_level.items()} == {
        1: (3, 0),
        2: (2, 2),
    }
    assert [(d.action, d.current_level, d.next_level, d.signed_by) for d in s.decisions] == [
        ("escalate", 1, 2, "Sam Committee"),
        ("stop", 2, None, "Sam Committee"),
    ]
    assert all(d.signature_valid for d in s.decisions)
    # 3+3 by hand: 2 DLTs at level 2 exceed the MTD; level 1 (0 of 3) is the MTD
    # (protocol: no expansion of the lower level, six not required).
    assert (s.mtd.level, s.mtd.declared) == (1, True)
    assert (s.rp2d.level, "RP2D = the MTD" in s.rp2d.rule) == (1, True)

    # CRS: S-001 grade 2, S-002 grade 3 (ASTCT, from the observation series); of 5 infused.
    assert s.crs_rate.worst_grade_by_subject == {"S-001": 2, "S-002": 3}
    assert (s.crs_rate.any_grade.responders, s.crs_rate.any_grade.n) == (2, 5)
    assert (s.crs_rate.any_grade.lower, s.crs_rate.any_grade.upper) == pytest.approx(_cp(2, 5))
    assert (s.crs_rate.grade3_or_more.responders, s.icans_rate.any_grade.responders) == (1, 0)

    # ORR 1/2: S-001 confirmed PR, S-002 PD; S-003 (baseline only) is not response-evaluable.
    assert s.best_overall_response == {"S-001": "PR", "S-002": "PD"}
    assert (s.orr.responders, s.orr.n, s.orr.estimate) == (1, 2, 0.5)
    assert (s.orr.lower, s.orr.upper) == pytest.approx(_cp(1, 2), abs=1e-12)
    assert (s.dcr.responders, s.dcr.n) == (1, 2)
    assert "Clopper-Pearson" in s.orr.rule and "response-evaluable" in s.orr.rule
    assert set(s.efficacy_excluded) == {"S-003", "S-004", "S-005"}
    # S-004/S-005 have no tumour assessment at all: not response-evaluable, but in PFS
    # (censored at the infusion, FDA 2018 Table 2) and in OS (censored at the last
    # contact, the pneumonitis onset 2026-05-18: days 10 and 9), so N = 5 for both.
    assert s.efficacy_excluded["S-004"].startswith("no baseline tumour assessment")
    assert "in PFS" in s.efficacy_excluded["S-004"]
    assert (s.median_pfs_days.n, s.median_os_days.n) == (5, 5)
    assert "every infused subject" in s.median_os_days.rule

    # PFS: S-002 PD day 56, S-003 death day 60, S-001 censored day 112 (last assessment).
    median, low, high = _km_median([56, 60, 112, 0, 0], [True, True, False, False, False])
    assert (s.median_pfs_days.estimate, s.median_pfs_days.lower) == (median, low)
    assert s.median_pfs_days.upper is None and math.isinf(high)
    # OS: S-002 censored day 56 (last contact), S-003 died day 60, S-001 censored day 112.
    median, low, _ = _km_median([56, 60, 112, 10, 9], [False, True, False, False, False])
    assert (s.median_os_days.estimate, s.median_os_days.lower, s.median_os_days.events) == (
        median,
        low,
        1,
    )

    # NCA: Cmax is the largest sample, Tmax its day; AUC0-tlast lin-up/log-down from C(0) = 0.
    nca = {r.subject: r for r in s.nca.subjects}
    assert (nca["S-001"].cmax, nca["S-001"].tmax_days, nca["S-001"].tlast_days) == (5000, 14, 28)
    assert (nca["S-002"].cmax, nca["S-002"].tmax_days) == (3000, 10)
    auc1 = _lin_up_log_down([(0, 0), (7, 1000), (14, 5000), (28, 500)])
    auc2 = _lin_up_log_down([(0, 0), (7, 2000), (10, 3000), (28, 100)])
    assert nca["S-001"].auclast == pytest.approx(auc1, rel=1e-12)
    assert nca["S-002"].auclast == pytest.approx(auc2, rel=1e-12)
    level = {r.parameter: r for r in s.nca.by_level if r.dose_level == "1"}
    logs = np.log([5000.0, 3000.0])
    assert level["cmax"].geometric_mean == pytest.approx(math.sqrt(5000 * 3000))
    cv = 100 * math.sqrt(math.exp(float(np.std(logs, ddof=1)) ** 2) - 1)
    assert level["cmax"].geometric_cv_pct == pytest.approx(cv)
    assert level["auclast"].geometric_mean == pytest.approx(math.sqrt(auc1 * auc2))

    with trial.world.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        assert last is not None
        assert (s.audit_head.seq, s.audit_head.sha256) == (last.seq, last.entry_sha256)


def test_subjects_enrolled_after_the_signed_stop_make_their_level_the_rp2d(
    trial: SmallTrial,
) -> None:
    world = trial.world
    with world.sessions() as session:
        hold = session.scalars(select(EnrolmentHold)).one()
    safety.lift_hold(
        world.sessions, actor=world.actors["safety_committee"], hold_id=hold.id, reason="expansion"
    )
    subject_id = _screen(world, screening_record("S-008"))
    screening.sign_eligibility(
        world.sessions, actor=world.actors["investigator"], subject_id=subject_id, password=PASSWORD
    )

    def at_mtd(_session: object, _protocol: object) -> enrolment.DoseAssignment:
        return enrolment.DoseAssignment(1, "expansion cohort at the MTD", "test")

    enrolment.enrol(
        world.sessions,
        actor=world.actors["coordinator"],
        subject_id=subject_id,
        weight_kg=Decimal(70),
        assign_dose=at_mtd,
    )
    s = trial_summary(world.sessions, trial.protocol_id, as_of=DATA_CUT)
    assert s.rp2d.level == 1
    assert "level expanded at" in s.rp2d.rule and "S-008" in s.rp2d.rule
    assert (s.enrolled.n, s.infused.n) == (6, 5)


def test_the_pages_are_written_and_show_the_figures_with_their_rules(
    trial: SmallTrial, tmp_path: Path
) -> None:
    out = tmp_path / "pages"
    analysis = trial_analysis(trial.world.sessions, trial.protocol_id, as_of=DATA_CUT)
    paths = write_trial_pages(analysis, out)
    assert [p.name for p in paths] == list(PAGES)
    pages = {p.name: p.read_text(encoding="utf-8") for p in paths}
    index = pages["index.html"]
    assert "1/2 (50.0%, 95% CI 1.3-98.7%)" in index
    assert "Clopper-Pearson" in index and "response-evaluable" in index
    assert "level 1" in index and "RP2D = the MTD" in index
    assert "60 days" in index and "Brookmeyer-Crowley" in index
    assert "2/5 (40.0%" in index  # CRS any grade
    assert "Cytokine release syndrome" in pages["safety.html"]
    assert "ASTCT 2019" in pages["safety.html"]
    assert "Best overall response" in pages["response.html"]
    assert "response-evaluable" in pages["response.html"]
    kinetics = pages["kinetics.html"]
    assert "data:image/png;base64," in kinetics and "5000" in kinetics
    assert "lin-up/log-down" in kinetics
    escalation = pages["escalation.html"]
    assert "0 DLTs in 3 at level 1: escalate to level 2" in escalation
    assert "Sam Committee (safety_committee)" in escalation
    assert analysis.summary.audit_head.sha256 in escalation
