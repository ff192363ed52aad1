"""SDTM datasets agree with the trial summary (``services.trial_summary``) on the same database.

Both read the database; the summary computes each figure with its engine. SDTM must
carry the same facts: who was infused, each subject's best overall response, the
worst CRS grade per subject, each subject's Cmax of the CAR transgene.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine

from cartrial.cdisc.sdtm import SdtmBuild, build_sdtm
from cartrial.services.trial_model import TrialSummary
from cartrial.services.trial_summary import trial_summary
from cartrial.store import make_sessionmaker
from tests.simulated_trials import SimulatedTrial


@pytest.fixture(scope="module")
def both(szugh_trial: SimulatedTrial) -> tuple[SdtmBuild, TrialSummary]:
    engine = create_engine(szugh_trial.url)
    try:
        sessions = make_sessionmaker(engine)
        built = build_sdtm(sessions, as_of=szugh_trial.data_cut)
        summary = trial_summary(sessions, szugh_trial.protocol_id, as_of=szugh_trial.data_cut)
    finally:
        engine.dispose()
    return built, summary


def _code(usubjid: str) -> str:
    """The site's subject code: USUBJID is STUDYID-SUBJID and STUDYID may hold hyphens."""
    return "-".join(usubjid.split("-")[-2:])


def test_treated_subjects_are_the_infused(both: tuple[SdtmBuild, TrialSummary]) -> None:
    built, summary = both
    dm = built.dataset("DM").frame
    treated = sorted(_code(u) for u in dm.loc[dm["ACTARMCD"].notna(), "USUBJID"])
    assert treated == sorted(summary.infused.subjects)


def test_best_overall_response_matches_the_efficacy_service(
    both: tuple[SdtmBuild, TrialSummary],
) -> None:
    built, summary = both
    rs = built.dataset("RS").frame
    bor = {
        _code(u): r
        for u, r in zip(
            rs.loc[rs["RSTESTCD"] == "BESTRSP", "USUBJID"],
            rs.loc[rs["RSTESTCD"] == "BESTRSP", "RSORRES"],
            strict=True,
        )
    }
    assert {k: bor.get(k) for k in summary.best_overall_response} == dict(
        summary.best_overall_response
    )


def test_worst_crs_grade_matches_the_safety_summary(both: tuple[SdtmBuild, TrialSummary]) -> None:
    built, summary = both
    ae = built.dataset("AE").frame
    crs = ae[(ae["AEDECOD"] == "Cytokine release syndrome") & ae["AETOXGR"].notna()]
    worst = crs.groupby("USUBJID")["AETOXGR"].apply(lambda g: max(int(x) for x in g))
    assert {_code(u): g for u, g in worst.items()} == summary.crs_rate.worst_grade_by_subject


def test_cmax_matches_the_kinetics_summary(both: tuple[SdtmBuild, TrialSummary]) -> None:
    built, summary = both
    pp = built.dataset("PP").frame
    cmax = pp[(pp["PPTESTCD"] == "CMAX") & pp["PPENINT"].isna()]
    got = {_code(u): v for u, v in zip(cmax["USUBJID"], cmax["PPSTRESN"], strict=True)}
    want = {r.subject: r.cmax for r in summary.nca.subjects}
    assert got.keys() == want.keys()
    for subject, value in want.items():
        assert got[subject] == pytest.approx(value) if value is not None else got[subject] is None


def test_interval_cmax_is_the_largest_pc_result_inside_the_interval(
    both: tuple[SdtmBuild, TrialSummary],
) -> None:
    """PP's CMAX over [0, 28] days equals the largest PC result collected in that window.

    Independent of the NCA code: read PC's collection and reference times, keep the
    quantified results 0-28 days after the infusion, take the maximum per subject.
    """
    built, _ = both
    pp = built.dataset("PP").frame
    pc = built.dataset("PC").frame
    rows = pp[(pp["PPTESTCD"] == "CMAX") & (pp["PPSTINT"] == "P0D") & (pp["PPENINT"] == "P28D")]
    assert not rows.empty
    elapsed = (
        pd.to_datetime(pc["PCDTC"], utc=True) - pd.to_datetime(pc["PCRFTDTC"], utc=True)
    ).dt.total_seconds() / 86400
    inside = pc[(elapsed >= 0) & (elapsed <= 28) & pc["PCSTRESN"].notna()]
    want = inside.groupby("USUBJID")["PCSTRESN"].max()
    checked = 0
    for usubjid, value in zip(rows["USUBJID"], rows["PPSTRESN"], strict=True):
        if usubjid not in want.index:  # every result BLQ: PKNCA's Cmax is 0 (BLQ as 0)
            assert value == 0
            continue
        assert value == pytest.approx(want[usubjid])
        checked += 1
    assert checked >= 3
