"""``cartrial trial simulate``: a whole virtual trial through the services, then its analyses.

The database is a new SQLite file (``--db``), or the empty database that
``$CARTRIAL_DATABASE_URL`` names (PostgreSQL). The protocol and the scenario are
read and checked before anything is written. The summary and the pages are
computed from the database afterwards, not from the simulator's memory
(issue 11 section 3).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cartrial.cli.common import fail, handle_errors

__all__ = ["simulate"]


@handle_errors
def simulate(
    protocol: Annotated[
        str, typer.Option("--protocol", "-p", help="bundled protocol id or YAML file")
    ],
    db: Annotated[Path, typer.Option("--db", help="the SQLite file to create")],
    out: Annotated[Path, typer.Option("--out", help="folder for the analysis pages")],
    seed: Annotated[
        int, typer.Option("--seed", help="random seed: the same seed, the same trial")
    ] = 1,
    scenario: Annotated[
        str | None,
        typer.Option("--scenario", help="scenario YAML (default: the protocol's bundled one)"),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="delete an existing --db file first")
    ] = False,
    max_arrivals: Annotated[
        int | None,
        typer.Option("--max-arrivals", min=1, help="stop accrual after this many patients"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the summary as one JSON object")
    ] = False,
) -> None:
    """Run a whole trial of virtual patients through the real services, then analyse it."""
    from cartrial.protocol.load import load_protocol
    from cartrial.sim.scenario import load_scenario
    from cartrial.sim.trial.database import simulation_engine
    from cartrial.sim.trial.run import RunProgress, simulate_trial
    from cartrial.store import make_sessionmaker

    loaded = load_protocol(protocol)
    chosen = load_scenario(scenario or loaded.protocol.id)
    url = os.environ.get("CARTRIAL_DATABASE_URL")
    if url is None:
        if db.exists():
            if not replace:
                raise fail(f"--db {db} already exists: choose a new file or pass --replace")
            db.unlink()
        db.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{db}"
    engine = simulation_engine(url)
    sessions = make_sessionmaker(engine)
    _refuse_used_database(sessions)
    console = Console(stderr=True)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}/{task.total:.0f} enrolled"),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=console,
        disable=as_json or not console.is_terminal,
    ) as bar:
        target = loaded.protocol.planned_enrolment or 1
        task = bar.add_task(f"simulating {loaded.protocol.id}", total=target, status="")

        def show(at: RunProgress) -> None:
            status = f"{at.events:,} events, study date {at.now:%Y-%m-%d}"
            bar.update(task, completed=at.enrolled, total=at.target, status=status)

        run = simulate_trial(
            sessions,
            loaded=loaded,
            scenario=chosen,
            seed=seed,
            max_arrivals=max_arrivals,
            progress=show,
        )
    elapsed = time.perf_counter() - started
    from cartrial.report.trial_console import headline, print_summary
    from cartrial.report.trial_pages import write_trial_pages
    from cartrial.services.trial_summary import trial_analysis

    analysis = trial_analysis(sessions, loaded.protocol.id, as_of=run.data_cut)
    write_trial_pages(analysis, out)
    engine.dispose()
    if as_json:
        typer.echo(
            json.dumps(
                headline(analysis.summary), ensure_ascii=False, sort_keys=True, allow_nan=False
            )
        )
        return
    print_summary(analysis.summary, events=run.events, seconds=elapsed)
    where = str(db) if url.startswith("sqlite") else url
    typer.echo(f"database: {where}")
    typer.echo(f"pages: {out / 'index.html'} (and safety, response, kinetics, escalation)")
    typer.echo(f"browse it: cartrial serve --url sqlite:///{db}")
    first = run.patients[0].code if run.patients else "SUBJECT"
    typer.echo(f"a casebook: cartrial casebook {first} --url sqlite:///{db} --out {first}.html")


def _refuse_used_database(sessions: object) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import sessionmaker

    from cartrial.store.models import ProtocolVersion

    assert isinstance(sessions, sessionmaker)
    with sessions() as s:
        used = s.scalar(select(func.count()).select_from(ProtocolVersion))
    if used:
        raise fail("the database already holds a trial: simulate into an empty database")
