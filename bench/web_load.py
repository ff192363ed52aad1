"""Load test of the web app's pages: dashboard and subject page with 32 concurrent users.

Simulates the 87-patient ``uclm802`` trial (seed 1, ``cartrial trial simulate``'s path)
into a private PostgreSQL database at 127.0.0.1:5432 (trust auth; created and dropped
here), or into a SQLite file when PostgreSQL is not reachable; serves it with
``cartrial serve``'s application (uvicorn workers); signs in N users through the login
page (coordinators of every site and the sponsor-wide monitor and data manager, as the
simulation created them); each then loads its dashboard and a subject page of its
scope in turn for a fixed time (asyncio + httpx). Prints p50/p95/p99 latency per page,
errors, and the p95 against the issue's 150 ms target. Only 127.0.0.1 is contacted.

Usage::

    python bench/web_load.py --clients 32 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, make_url, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchlib import percentile, sign_in, start_server, stop_server  # noqa: E402
from cartrial.protocol.load import load_protocol  # noqa: E402
from cartrial.sim.scenario import load_scenario  # noqa: E402
from cartrial.sim.trial.database import simulation_engine  # noqa: E402
from cartrial.sim.trial.run import simulate_trial  # noqa: E402
from cartrial.sim.trial.world import PASSWORD  # noqa: E402
from cartrial.store import make_engine, make_sessionmaker, upgrade  # noqa: E402
from cartrial.store.models import Base, Site, Subject  # noqa: E402

TARGET_P95_MS = 150.0


def _postgres(dsn: str) -> str | None:
    try:
        probe = create_engine(dsn, connect_args={"connect_timeout": 3})
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
    except Exception as exc:  # unreachable, for any reason: fall back to SQLite
        return f"{exc.__class__.__name__}"
    return None


def _simulate(sqlite_path: Path) -> dict[str, list[str]]:
    """The trial into a new SQLite file (the simulation's own path); subject ids by site."""
    engine = simulation_engine(f"sqlite:///{sqlite_path}")
    sessions = make_sessionmaker(engine)
    started = time.perf_counter()
    simulate_trial(
        sessions, loaded=load_protocol("uclm802"), scenario=load_scenario("uclm802"), seed=1
    )
    print(f"simulated uclm802 seed 1 in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()
    return _subjects_by_site(sqlite_path)


def _subjects_by_site(sqlite_path: Path) -> dict[str, list[str]]:
    engine = make_engine(f"sqlite:///{sqlite_path}")
    by_site: dict[str, list[str]] = {}
    with engine.connect() as conn:
        rows = conn.execute(select(Site.code, Subject.id).join(Subject, Subject.site_id == Site.id))
        for code, subject_id in rows:
            by_site.setdefault(code, []).append(subject_id)
    engine.dispose()
    return by_site


def _copy_to_postgres(sqlite_path: Path, url: str) -> None:
    """Every row of the simulated trial into a migrated PostgreSQL database, as stored.

    Simulating into PostgreSQL directly takes tens of minutes (every step is an audited
    transaction); the rows, audit chain included, are copied table by table in
    foreign-key order with the record-keeping triggers paused for this session only
    (``session_replication_role = replica``: the rows are already audited).
    """
    started = time.perf_counter()
    target = make_engine(url)
    upgrade(target)
    source = make_engine(f"sqlite:///{sqlite_path}")
    with source.connect() as read, target.begin() as write:
        write.execute(text("SET session_replication_role = replica"))
        for table in Base.metadata.sorted_tables:
            rows = [dict(r._mapping) for r in read.execute(table.select())]
            if rows:
                write.execute(table.insert(), rows)
    source.dispose()
    target.dispose()
    print(f"copied into PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)


async def _user(
    client: httpx.AsyncClient,
    subjects: list[str],
    deadline: float,
    timings: dict[str, list[float]],
    errors: list[str],
) -> None:
    rng = random.Random(id(client))
    while time.perf_counter() < deadline:
        for kind, path in (
            ("dashboard", "/dashboard"),
            ("subject", f"/subjects/{rng.choice(subjects)}"),
        ):
            start = time.perf_counter()
            try:
                answer = await client.get(path)
                if answer.status_code != 200:
                    errors.append(f"{path}: {answer.status_code}")
            except httpx.HTTPError as exc:
                errors.append(f"{path}: {exc.__class__.__name__}")
            timings[kind].append((time.perf_counter() - start) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=3, help="request threads per worker")
    parser.add_argument("--dsn", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--trial-db",
        type=Path,
        help="a simulated uclm802 SQLite file to reuse (made there when missing)",
    )
    args = parser.parse_args()

    unreachable = _postgres(args.dsn)
    name = f"cartrial_webload_{uuid.uuid4().hex[:10]}"
    folder = tempfile.TemporaryDirectory()
    sqlite_path = args.trial_db or Path(folder.name) / "uclm802.db"
    admin = None
    url = f"sqlite:///{sqlite_path}"
    backend = f"SQLite (PostgreSQL unreachable: {unreachable})"
    server = None
    try:
        by_site = _subjects_by_site(sqlite_path) if sqlite_path.exists() else _simulate(sqlite_path)
        if unreachable is None:
            admin = create_engine(args.dsn, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name}"))
            url = make_url(args.dsn).set(database=name).render_as_string(hide_password=False)
            _copy_to_postgres(sqlite_path, url)
            backend = "PostgreSQL"
        else:
            args.workers = 1
        users: list[tuple[tuple[str, str, str], list[str]]] = []
        every = [s for ids in by_site.values() for s in ids]
        sites = sorted(by_site)
        for i in range(args.clients):
            if i % 8 == 7:
                role = "monitor" if i % 16 == 7 else "data_manager"
                users.append(((role, role, ""), every))
            else:
                code = sites[i % len(sites)]
                users.append(((f"coordinator.{code.lower()}", "coordinator", code), by_site[code]))
        server, base = start_server(url, workers=args.workers, threads=args.threads)
        timings: dict[str, list[float]] = {"dashboard": [], "subject": []}
        errors: list[str] = []

        async def run_all() -> float:
            clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in users]
            try:
                # Everyone signs in first (a login is an audited write), then the pages are timed.
                for client, (who, _subjects) in zip(clients, users, strict=True):
                    username, role, site = who
                    await sign_in(client, username, PASSWORD, role, site)
                deadline = time.perf_counter() + args.seconds
                start = time.perf_counter()
                await asyncio.gather(
                    *(
                        _user(client, subjects, deadline, timings, errors)
                        for client, (_who, subjects) in zip(clients, users, strict=True)
                    )
                )
                return time.perf_counter() - start
            finally:
                for client in clients:
                    await client.aclose()

        elapsed = asyncio.run(run_all())
        print(
            f"backend {backend}; {args.clients} users, {elapsed:.0f} s, "
            f"uvicorn workers {args.workers} x {args.threads} threads; "
            f"{len(every)} subjects at {len(sites)} sites"
        )
        worst = 0.0
        for kind, values in timings.items():
            p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
            worst = max(worst, p95)
            print(
                f"{kind:9s} requests {len(values):6d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                f"p99 {p99:7.1f} ms  ({len(values) / elapsed:.0f}/s)"
            )
        print(f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
        verdict = "meets" if worst <= TARGET_P95_MS else "misses"
        print(
            f"p95 {worst:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target "
            f"(ratio {worst / TARGET_P95_MS:.2f})"
        )
        return 0
    finally:
        stop_server(server)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
        folder.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
