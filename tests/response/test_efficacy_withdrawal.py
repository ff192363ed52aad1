"""Withdrawal from follow-up on the service path (the simulated szugh trial, seed 1).

FDA 2018 (Clinical Trial Endpoints guidance, PFS censoring table) and EMA Appendix 1: a
subject who leaves follow-up before progression or death is censored at the last adequate
assessment on or before leaving; OS is censored at the date last known alive, here the
withdrawal date. Checked against the stored withdrawal, death and assessment rows.
"""

from __future__ import annotations

from sqlalchemy import select

from cartrial.services.trial_summary import trial_analysis
from cartrial.store import make_engine, make_sessionmaker
from cartrial.store.models import Death, Infusion, Subject, Withdrawal
from tests.simulated_trials import SimulatedTrial


def test_withdrawn_subjects_are_censored_at_their_withdrawal(szugh_trial: SimulatedTrial) -> None:
    engine = make_engine(szugh_trial.url)
    try:
        sessions = make_sessionmaker(engine)
        study = trial_analysis(sessions, szugh_trial.protocol_id, as_of=szugh_trial.data_cut).study
        assert study is not None
        rows = {r.subject_id: r for r in study.subjects}
        with sessions() as s:
            withdrawn = s.execute(
                select(Subject.code, Withdrawal.withdrawn_on)
                .join(Withdrawal, Withdrawal.subject_id == Subject.id)
                .join(Infusion, Infusion.subject_id == Subject.id)
            ).all()
            died = set(s.scalars(select(Subject.code).join(Death, Death.subject_id == Subject.id)))
    finally:
        engine.dispose()
    checked = 0
    for code, on in withdrawn:
        if code not in rows or on > szugh_trial.data_cut.date():
            continue
        row = rows[code]
        checked += 1
        if row.pfs.event:
            assert row.pfs.end_date <= on
        else:
            assert row.pfs.rule in ("withdrawal", "censored", "no-assessment")
            assert row.pfs.end_date <= on
        if code not in died:
            assert (row.os.rule, row.os.end_date) == ("withdrawn", on)
    assert checked >= 1, "the seed trial has a subject withdrawn after infusion"
    assert any(rows[c].pfs.rule == "withdrawal" for c, _ in withdrawn if c in rows)
