"""The study report of the 87-patient uclm802 trial against independent computations
from the stored rows: ORR with scipy's exact binomial interval, KM medians by lifelines on
times computed here from the rows, TEAE subjects by SQL; the outcome-measure map."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lifelines import KaplanMeierFitter
from scipy.stats import binomtest
from tests.simulated_trials import SimulatedTrial

from cartrial.protocol.load import load_protocol
from cartrial.report.study.build import build_report
from cartrial.report.study.html import render_report_html
from cartrial.report.study.model import StudyReport, Table
from cartrial.report.study.outcomes import ANSWERS
from cartrial.services.study_report import StudyData, study_data
from cartrial.store import make_sessionmaker
from cartrial.store.db import make_engine

SEEDS = Path("/work/shared/seeds")


@pytest.fixture(scope="module")
def built(uclm802_trial: SimulatedTrial) -> tuple[StudyData, StudyReport, str]:
    engine = make_engine(uclm802_trial.url)
    try:
        data = study_data(make_sessionmaker(engine), as_of=uclm802_trial.data_cut)
    finally:
        engine.dispose()
    report = build_report(data)
    return data, report, render_report_html(report)


@pytest.fixture(scope="module")
def db(uclm802_trial: SimulatedTrial) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{uclm802_trial.path}?mode=ro", uri=True)


def _table(report: StudyReport, key: str) -> Table:
    found = report.find(key)
    assert isinstance(found, Table)
    return found


def _infused(db: sqlite3.Connection) -> dict[str, tuple[str, dt.datetime, str]]:
    """subject id -> (code, infusion start UTC, site time zone)."""
    rows = db.execute(
        "select s.id, s.code, i.started_at, site.time_zone from subject s "
        "join infusion i on i.subject_id = s.id join site on site.id = s.site_id"
    ).fetchall()
    return {
        sid: (code, dt.datetime.fromisoformat(str(at)).replace(tzinfo=dt.UTC), tz)
        for sid, code, at, tz in rows
    }


def _local(moment: dt.datetime, tz: str) -> dt.date:
    return moment.astimezone(ZoneInfo(tz)).date()


def test_orr_equals_confirmed_responses_in_the_stored_assessments(
    built: tuple[StudyData, StudyReport, str], db: sqlite3.Connection
) -> None:
    """RECIST 1.1 section 4.6: a responder has CR/PR confirmed >= 28 days later (protocol)."""
    data, report, html = built
    gap = load_protocol("uclm802").protocol.response.confirmation_min_days  # type: ignore[union-attr]
    infused = _infused(db)
    evaluable, responders = set(), set()
    for sid, (code, _, _) in infused.items():
        rows = db.execute(
            "select assessed_on, derived_response from tumour_assessment where subject_id = ? "
            "order by assessed_on",
            (sid,),
        ).fetchall()
        if code in data.analysis.summary.efficacy_excluded:
            continue
        evaluable.add(code)
        seen: list[dt.date] = []
        for day, response in rows:
            if response == "PD":
                break
            if response in ("CR", "PR"):
                when = dt.date.fromisoformat(str(day))
                if any((when - first).days >= gap for first in seen):
                    responders.add(code)
                    break
                seen.append(when)
    orr = data.analysis.summary.orr
    assert orr.n == len(evaluable)
    assert orr.responders == len(responders)
    ci = binomtest(len(responders), len(evaluable)).proportion_ci(method="exact")
    assert orr.lower == pytest.approx(ci.low, abs=1e-9)
    assert orr.upper == pytest.approx(ci.high, abs=1e-9)
    row = next(
        r for r in _table(report, "orr_dcr").rows if r[0].text == "ORR" and r[1].text == "Overall"
    )
    assert row[4].text == f"{100 * len(responders) / len(evaluable):.1f}"
    assert row[5].text == f"{100 * ci.low:.1f}-{100 * ci.high:.1f}"
    assert row[5].text in html


def test_os_median_equals_lifelines_on_times_computed_from_the_rows(
    built: tuple[StudyData, StudyReport, str], db: sqlite3.Connection, uclm802_trial: SimulatedTrial
) -> None:
    data, report, _ = built
    cut = uclm802_trial.data_cut
    times, events = [], []
    for sid, (_code, start, tz) in _infused(db).items():  # OS: every infused subject
        day0 = _local(start, tz)
        died = db.execute("select died_on from death where subject_id = ?", (sid,)).fetchone()
        if died:
            times.append((dt.date.fromisoformat(died[0]) - day0).days)
            events.append(True)
            continue
        withdrawn = db.execute(
            "select withdrawn_on from withdrawal where subject_id = ?", (sid,)
        ).fetchone()
        cut_day = _local(cut, tz)
        if withdrawn:
            last = min(dt.date.fromisoformat(withdrawn[0]), cut_day)
        else:
            dates = [
                dt.date.fromisoformat(str(d))
                for q in (
                    "select actual_date from visit where subject_id = ? "
                    "and actual_date is not null",
                    "select assessed_on from tumour_assessment where subject_id = ?",
                    "select onset_date from adverse_event where subject_id = ?",
                    "select end_date from adverse_event where subject_id = ? "
                    "and end_date is not null",
                )
                for (d,) in db.execute(q, (sid,))
            ]
            for q in (
                "select collected_at from sample where subject_id = ?",
                "select collected_at from lab_result where subject_id = ?",
                "select measured_at from vital_sign where subject_id = ?",
            ):
                dates += [
                    _local(dt.datetime.fromisoformat(str(t)).replace(tzinfo=dt.UTC), tz)
                    for (t,) in db.execute(q, (sid,))
                ]
            last = max(d for d in dates if d <= cut_day)
        times.append((last - day0).days)
        events.append(False)
    fit = KaplanMeierFitter().fit(times, events)
    median = data.analysis.summary.median_os_days
    expected = fit.median_survival_time_
    assert median.n == len(times)
    assert median.events == sum(events)
    if expected == float("inf"):
        assert median.estimate is None
    else:
        assert median.estimate == pytest.approx(expected)
    row = next(r for r in _table(report, "km").rows if r[0].text == "OS" and r[1].text == "Overall")
    assert row[2].text == str(len(times))


def test_pfs_median_equals_lifelines_on_the_listed_times(
    built: tuple[StudyData, StudyReport, str],
) -> None:
    _, report, _ = built
    listing = _table(report, "bor_listing")
    pfs = [r[6].text for r in listing.rows]
    times = [int(t.rstrip("+")) for t in pfs]
    events = [not t.endswith("+") for t in pfs]
    expected = KaplanMeierFitter().fit(times, events).median_survival_time_
    row = next(
        r for r in _table(report, "km").rows if r[0].text == "PFS" and r[1].text == "Overall"
    )
    assert row[4].text == ("not reached" if expected == float("inf") else f"{expected:g}")


def test_any_teae_subjects_equal_an_sql_count(
    built: tuple[StudyData, StudyReport, str], db: sqlite3.Connection
) -> None:
    """TEAE: onset from the first lymphodepleting dose up to N days after infusion (protocol)."""
    _, report, _ = built
    window = load_protocol("uclm802").protocol.windows.teae  # type: ignore[union-attr]
    assert window.anchor == "first_lymphodepletion"
    subjects = set()
    for sid, (code, start, tz) in _infused(db).items():
        first = db.execute(
            "select min(completed_at) from lymphodepletion_dose where subject_id = ?", (sid,)
        ).fetchone()[0]
        begin = _local(dt.datetime.fromisoformat(first).replace(tzinfo=dt.UTC), tz)
        end = _local(start, tz) + dt.timedelta(days=window.days_after_infusion)
        onsets = [dt.date.fromisoformat(d) for (d,) in db.execute(
            "select onset_date from adverse_event where subject_id = ?", (sid,))]  # fmt: skip
        if any(begin <= d <= end for d in onsets):
            subjects.add(code)
    any_row = _table(report, "teae").rows[0]
    assert any_row[1].text == "(any term)"
    overall = any_row[2].text  # the Overall column (first group)
    assert overall.startswith(f"{len(subjects)} (")


def test_tables_and_figures_are_numbered_in_order_with_footnotes(
    built: tuple[StudyData, StudyReport, str],
) -> None:
    _, report, html = built
    tables, figures = report.tables(), report.figures()
    assert [t.number for t in tables] == list(range(1, len(tables) + 1))
    assert [f.number for f in figures] == list(range(1, len(figures) + 1))
    for block in [*tables, *figures]:
        assert "Rule:" in block.footnote and "Engine: cartrial" in block.footnote
        assert f"{block.label}. " in html
    assert all(f.png for f in figures), [f.key for f in figures if not f.png]
    assert html.count("data:image/png;base64,") == len(figures)
    assert 'src="http' not in html  # self-contained


def test_every_outcome_measure_of_the_seed_protocols_is_answered(
    built: tuple[StudyData, StudyReport, str],
) -> None:
    _, report, _ = built
    keys = {b.key for b in [*report.tables(), *report.figures()]}
    for protocol_id, answers in ANSWERS.items():
        endpoints = load_protocol(protocol_id).protocol.endpoints
        assert endpoints
        assert {e.id for e in endpoints} == set(answers), protocol_id
        for endpoint, mapped in answers.items():
            assert mapped and set(mapped) <= keys, (protocol_id, endpoint, set(mapped) - keys)
    outcome = _table(report, "outcome_map")
    assert len(outcome.rows) == 16
    assert not any("NOT ANSWERED" in r[-1].text for r in outcome.rows)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seed records are not here")
def test_the_mapped_endpoints_are_the_registry_outcome_measures() -> None:
    """Every registered outcome-measure title of seeds 001/002 and 000 is an endpoint."""
    text = {
        n: next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8") for n in ("000", "001", "002")
    }
    names = {e.name for e in load_protocol("uclm802").protocol.endpoints}
    titles = (
        "Adverse Events (AEs)",
        "Serious Adverse Events",
        "Objective Response Rate (ORR)",
        "Disease Control Rate (DCR)",
        "Progression-Free Survival (PFS)",
        "Anti-drug Antibodies",
        "Cytokine Level in Peripheral Blood",
        "Bio-distribution of CAR-T cells",
        "Tmax",
        "Cmax",
        "RP2D",
    )
    for title in titles:
        assert title in text["001"] + text["002"]
        assert title in names
    szugh = {e.name for e in load_protocol("szugh-msln-2024").protocol.endpoints}
    for title in ("TRAEs", "Disease-related clinical responses"):
        assert title in text["000"] and title in szugh


def test_title_page_states_the_cut_lock_and_audit_head(
    built: tuple[StudyData, StudyReport, str],
) -> None:
    data, report, html = built
    facts = dict((label, value) for label, value, _ in report.title_page)
    assert facts["Protocol"] == "uclm802"
    assert facts["Data lock at the cut"].startswith("locked")
    assert re.search(r"entry \d+, sha256 [0-9a-f]{64}", facts["Audit chain head read"])
    assert data.protocol_sha256 in html


def test_cmax_geometric_means_by_level_equal_numpy_on_the_stored_qpcr_rows(
    built: tuple[StudyData, StudyReport, str], db: sqlite3.Connection
) -> None:
    """Cmax = the largest quantified result from the infusion on (PKNCA: the interval
    starts at 0 inclusive); by level the geometric
    mean over Cmax > 0 (Julious & Debarnot 2000), recomputed here with numpy."""
    import numpy as np

    data, report, _ = built
    cmax: dict[str, list[float]] = {}
    for sid, (_code, start, _) in _infused(db).items():
        level = db.execute("select dose_level from subject where id = ?", (sid,)).fetchone()[0]
        values = [
            float(v)
            for t, v in db.execute(
                "select s.collected_at, a.value from sample s join assay_result a "
                "on a.sample_id = s.id where s.subject_id = ? and s.analyte = 'car_transgene_qpcr' "
                "and a.value is not null and s.matrix = 'blood'",
                (sid,),
            )
            if dt.datetime.fromisoformat(str(t)).replace(tzinfo=dt.UTC) >= start
        ]
        if values and max(values) > 0:
            cmax.setdefault(str(level), []).append(max(values))
    rows = {
        r[1].text: r
        for r in _table(report, "nca_by_level").rows
        if r[0].text == "blood" and r[2].text == "cmax"
    }
    assert set(rows) == {f"DL{level}" for level in cmax}
    for level, values in cmax.items():
        row = rows[f"DL{level}"]
        assert row[4].text == str(len(values))
        expected = float(np.exp(np.mean(np.log(values))))
        engine = next(
            r
            for r in data.analysis.summary.nca.by_level
            if r.matrix == "blood" and r.parameter == "cmax" and r.dose_level == level
        )
        assert engine.geometric_mean == pytest.approx(expected, rel=1e-9)
        assert float(row[5].text) == pytest.approx(expected, rel=6e-3)  # 3 significant digits


def test_section_11_sets_the_trials_orr_beside_the_pooled_mesothelin_trials(
    built: tuple[StudyData, StudyReport, str],
) -> None:
    """The review has two mesothelin trials with ORR counts: 1/1 (IV, PDAC) and 2/16
    (intrapleural, MPM); the pooled row rests on exactly those 3 responders of 17."""
    data, report, html = built
    table = _table(report, "landscape")
    rows = {(r[0].text, r[2].text): r for r in table.rows}
    orr = data.analysis.summary.orr
    assert rows[("ORR", "MSLN, any route")][1].text.startswith(f"{orr.responders}/{orr.n}")
    assert rows[("ORR", "MSLN, any route")][3].text == "2"
    assert rows[("ORR", "MSLN, any route")][4].text.endswith("3/17")
    assert rows[("ORR", "IV route, any target")][3].text == "17"
    assert rows[("ORR", "MSLN, IV route")][4].text == "-"  # one trial: not pooled
    assert report.sections[-1].number == 11 and "published landscape" in html
