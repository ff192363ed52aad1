"""Edge cases: a trial cut early (few subjects, no responses or DLTs), an unlocked cut,
casebook links that resolve, and the command's errors (exit 2, one message)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from tests.simulated_trials import SimulatedTrial
from typer.testing import CliRunner

from cartrial.actor import Actor
from cartrial.cli.main import app
from cartrial.report.study.build import build_report
from cartrial.report.study.html import render_report_html
from cartrial.report.study.write import write_study_report
from cartrial.services.data import unlock_subject
from cartrial.services.study_report import study_data
from cartrial.store import make_sessionmaker
from cartrial.store.db import make_engine
from cartrial.store.models import DataLock

RUNNER = CliRunner()


@pytest.fixture()
def small_copy(small_trial: SimulatedTrial, tmp_path: Path) -> Path:
    path = tmp_path / "small.db"
    shutil.copy(small_trial.path, path)
    return path


def test_a_small_trial_reports_what_it_lacks_instead_of_failing(
    small_trial: SimulatedTrial,
) -> None:
    engine = make_engine(small_trial.url)
    try:
        data = study_data(make_sessionmaker(engine))
    finally:
        engine.dispose()
    report = build_report(data)
    html = render_report_html(report)
    s = data.analysis.summary
    assert s.infused.n <= 4
    if not any(v.dlts for v in s.dlts_by_level.values()):
        assert "No dose-limiting toxicity was observed" in html
    if s.orr.responders == 0:
        assert "No objective response" in html or "no efficacy analysis" in html
    assert [sec.number for sec in report.sections] == list(range(1, 12))
    assert "Table 1. Report identification" in html


def test_an_unlocked_cut_is_stated_not_refused(small_copy: Path) -> None:
    engine = make_engine(f"sqlite:///{small_copy}")
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            lock = session.query(DataLock).filter(DataLock.lifted_at.is_(None)).first()
            assert lock is not None, "the simulation locks every subject at the end"
            lock_id = lock.id
        manager = Actor(user_id=None, username="dm", role="data_manager")
        unlock_subject(sessions, actor=manager, lock_id=lock_id, reason="query on the data cut")
        data = study_data(sessions)
    finally:
        engine.dispose()
    assert not data.locked and len(data.unlocked) == 1
    html = render_report_html(build_report(data))
    assert "This data cut is not locked" in html
    assert "NOT locked: 1 of" in html


def test_casebook_links_resolve_to_each_subjects_casebook(small_copy: Path, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{small_copy}")
    try:
        written = write_study_report(
            make_sessionmaker(engine),
            tmp_path / "out",
            casebooks_actor=Actor(user_id=None, username="report", role="admin"),
        )
    finally:
        engine.dispose()
    html = written.paths[0].read_text(encoding="utf-8")
    links = set(re.findall(r'<a href="(casebooks/[^"]+)">([^<]+)</a>', html))
    assert links
    for href, code in links:
        target = tmp_path / "out" / href
        assert target.is_file(), href
        assert code in target.read_text(encoding="utf-8")[:5000]


def test_the_command_writes_the_report(small_copy: Path, tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["report", "--db", str(small_copy), "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").is_file()
    assert "tables and" in result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--db", "/nonexistent/trial.db"], "--db"),
        (["--as-of", "2027-01-01T00:00:00"], "UTC offset"),
        (["--as-of", "yesterday"], "ISO 8601"),
        (["--protocol", "nope"], "nope"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(
    small_copy: Path, tmp_path: Path, args: list[str], said: str
) -> None:
    base = ["report", "--out", str(tmp_path / "r")]
    if "--db" not in args:
        base += ["--db", str(small_copy)]
    result = RUNNER.invoke(app, [*base, *args])
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert "Traceback" not in result.output


def test_a_missing_chromium_is_exit_2_naming_it(
    small_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CARTRIAL_CHROMIUM", "/nonexistent/chromium")
    result = RUNNER.invoke(
        app, ["report", "--db", str(small_copy), "--out", str(tmp_path / "r"), "--pdf"]
    )
    assert result.exit_code == 2, result.output
    assert "chromium" in result.output.lower()


def test_a_cut_in_the_middle_of_the_trial_counts_what_came_later(
    szugh_trial: SimulatedTrial,
) -> None:
    """A cut before some infusions: those subjects are not yet infused at the cut, the
    title page counts the audit entries written after it, and nothing fails."""
    import sqlite3

    with sqlite3.connect(f"file:{szugh_trial.path}?mode=ro", uri=True) as db:
        starts = sorted(str(t) for (t,) in db.execute("select started_at from infusion"))
    cut = dt.datetime.fromisoformat(starts[len(starts) // 2]).replace(tzinfo=dt.UTC)
    engine = make_engine(szugh_trial.url)
    try:
        data = study_data(make_sessionmaker(engine), as_of=cut)
    finally:
        engine.dispose()
    assert data.analysis.summary.infused.n == len(starts) // 2 + 1
    assert data.entries_after_cut > 0
    html = render_report_html(build_report(data))
    assert f"{data.entries_after_cut} audit entries are later than the data cut" in html
