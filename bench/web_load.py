"""Load test of the web app's pages: dashboard and subject page with 32 concurrent users.

Simulates the 87-patient ``uclm802`` trial (seed 1, ``cartrial trial simulate``'s path)
into a private PostgreSQL database at 127.0.0.1:5432 (trust auth; created and dropped
here), or into a SQLite file when PostgreSQL is not reachable; serves it with
``cartrial serve``'s application (uvicorn workers); signs in N users through the login
page (coordinators of every site and the sponsor-wide monitor and data manager, as the
simulation created them); each then loads its dashboard and a subject page of its
scope in turn for a fixed time (asyncio + httpx). Prints p50/p95/p99 latency per page,
errors, and the p95 against the issue's 150 ms target. Only 127.0.0.1 is contacted.

Also prints the CPU per request of the server, its PostgreSQL backends and the load
client (from ``/proc``): the figure that bounds throughput when all three share the
machine's two cores.

``--serial N`` measures instead what one request costs the server, one at a time
(one worker, no contention): a subject page first viewed (its body rendered), then N
kept dashboards and subject pages, then dashboards just after a change (a sign-in
moves the audit head). ``--callgrind`` runs that server under valgrind and counts
its instructions per request, a figure that a busy machine does not move.

Usage::

    python bench/web_load.py --clients 32 --seconds 30
    python bench/web_load.py --serial 200 --callgrind --trial-db /tmp/uclm802.db
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, make_url, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchlib import (  # noqa: E402
    children,
    free_port,
    percentile,
    process_cpu_seconds,
    sign_in,
)
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


def _server_cpu(pid: int) -> dict[int, float]:
    """CPU seconds of the uvicorn process and its workers, by process id."""
    return {p: process_cpu_seconds(p) for p in [pid, *children(pid)]}


def _database_cpu(admin: Engine | None, database: str) -> dict[int, float]:
    """CPU seconds of the PostgreSQL backends serving ``database`` (same machine), by id."""
    if admin is None:
        return {}
    with admin.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": database}
        ).scalars()
        return {int(p): process_cpu_seconds(int(p)) for p in pids}


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


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


def _serve(
    url: str, port: int, workers: int, threads: int, callgrind: Path | None
) -> subprocess.Popen[bytes]:
    """``cartrial serve``'s application under uvicorn (under valgrind with ``callgrind``)."""
    env = {
        **os.environ,
        "CARTRIAL_DATABASE_URL": url,
        "CARTRIAL_API_THREADS": str(threads),
        "PYTHONPATH": str(ROOT / "src"),
    }
    prefix: list[str] = []
    if callgrind is not None:
        env["PYTHONHASHSEED"] = "0"
        prefix = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={callgrind}",
            f"--log-file={callgrind}.log",
        ]
    return subprocess.Popen(
        [
            *prefix,
            *[sys.executable, "-m", "uvicorn", "cartrial.web.api.serve:app", "--factory"],
            *["--host", "127.0.0.1", "--port", str(port), "--workers"],
            *[str(workers), "--log-level", "warning"],
        ],
        env=env,
    )


def _wait_up(base: str, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        try:
            httpx.get(f"{base}/", timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise RuntimeError(f"the server at {base} did not answer within {seconds:.0f} s")


class _Meter:
    """CPU (and, under callgrind, instructions) the server spends on a phase of requests."""

    def __init__(
        self, pid: int, admin: Engine | None, database: str, callgrind: Path | None
    ) -> None:
        self.pid, self.admin, self.database, self.callgrind = pid, admin, database, callgrind
        self._dumps = 0
        self._server_before: dict[int, float] = {}
        self._db_before: dict[int, float] = {}
        self._server_spent = self._db_spent = 0.0

    def _control(self, *command: str) -> None:
        subprocess.run(
            ["callgrind_control", *command, str(self.pid)], check=True, capture_output=True
        )

    def start(self) -> None:
        """Count from here (until :meth:`pause`)."""
        if self.callgrind is not None:
            self._control("-i", "on")
        self._server_before = _server_cpu(self.pid)
        self._db_before = _database_cpu(self.admin, self.database)

    def pause(self) -> None:
        self._server_spent += _spent(self._server_before, _server_cpu(self.pid))
        self._db_spent += _spent(self._db_before, _database_cpu(self.admin, self.database))
        if self.callgrind is not None:
            self._control("-i", "off")

    def figures(self, requests: int) -> str:
        """What the counted requests cost each, and start afresh."""
        per = 1000 / requests
        figures = (
            f"server CPU {self._server_spent * per:6.2f} ms, "
            f"PostgreSQL CPU {self._db_spent * per:5.2f} ms"
        )
        self._server_spent = self._db_spent = 0.0
        if self.callgrind is not None:
            self._control("-d")  # writes the counts so far to the next file, and zeroes them
            self._dumps += 1
            dump = Path(f"{self.callgrind}.{self._dumps}").read_text()
            found = re.search(r"^totals: (\d+)", dump, re.MULTILINE)
            assert found is not None, "no totals line in the callgrind dump"
            figures += f", {int(found.group(1)) / requests / 1e6:6.2f} M instructions"
        return figures + " per request"


async def _serial(base: str, meter: _Meter, subjects: list[str], requests: int, site: str) -> None:
    """One coordinator's requests one at a time, phase by phase (module doc)."""
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:
        who = (f"coordinator.{site.lower()}", "coordinator", site)
        await sign_in(client, who[0], PASSWORD, who[1], who[2])
        first = subjects[: min(len(subjects), max(10, requests // 4))]
        kept = [first[n % len(first)] for n in range(requests)]

        async def timed(paths: list[str]) -> None:
            meter.start()
            for path in paths:
                answer = await client.get(path)
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code}")
            meter.pause()

        def report(label: str, requests: int) -> None:
            print(f"{label:28s} {requests:4d}  {meter.figures(requests)}", flush=True)

        await client.get("/dashboard")  # the kept dashboard body exists from here on
        await timed([f"/subjects/{s}" for s in first])
        report("subject page, first view", len(first))
        await timed(["/dashboard"] * requests)
        report("dashboard, kept body", requests)
        await timed([f"/subjects/{s}" for s in kept])
        report("subject page, kept body", requests)
        changes = max(5, requests // 20)
        for _ in range(changes):  # a sign-in moves the audit head: the next body is new
            async with httpx.AsyncClient(base_url=base, timeout=600) as other:
                await sign_in(other, who[0], PASSWORD, who[1], who[2])
            await timed(["/dashboard"])
        report("dashboard after a change", changes)


async def _load(
    base: str,
    users: list[tuple[tuple[str, str, str], list[str]]],
    seconds: int,
    timings: dict[str, list[float]],
    errors: list[str],
    around: tuple[contextlib.AbstractContextManager[None], ...] = (),
) -> float:
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in users]
    try:
        # Everyone signs in first (a login is an audited write), then the pages are timed.
        for client, (who, _subjects) in zip(clients, users, strict=True):
            await sign_in(client, who[0], PASSWORD, who[1], who[2])
        with contextlib.ExitStack() as stack:
            for manager in around:
                stack.enter_context(manager)
            deadline = time.perf_counter() + seconds
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


@contextlib.contextmanager
def _cpu_spent(
    pid: int, admin: Engine | None, database: str, spent: dict[str, float]
) -> Iterator[None]:
    """CPU seconds of the server, its database backends and this client while inside."""
    server, db, client = _server_cpu(pid), _database_cpu(admin, database), time.process_time()
    yield
    spent["server"] = _spent(server, _server_cpu(pid))
    spent["PostgreSQL"] = _spent(db, _database_cpu(admin, database))
    spent["client"] = time.process_time() - client


def _report(
    timings: dict[str, list[float]], errors: list[str], elapsed: float, spent: dict[str, float]
) -> None:
    worst = 0.0
    for kind, values in timings.items():
        p50, p95, p99 = (percentile(values, q) for q in (50, 95, 99))
        worst = max(worst, p95)
        print(
            f"{kind:9s} requests {len(values):6d}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"p99 {p99:7.1f} ms  ({len(values) / elapsed:.0f}/s)  p95/target "
            f"{p95 / TARGET_P95_MS:.2f}"
        )
    served = sum(len(v) for v in timings.values())
    print(f"errors {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))
    print(
        f"total {served / elapsed:.0f} requests/s; CPU per request: "
        + ", ".join(f"{part} {seconds * 1000 / served:.2f} ms" for part, seconds in spent.items())
        + f" (total {sum(spent.values()) * 1000 / served:.2f} ms); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    verdict = "meets" if worst <= TARGET_P95_MS else "misses"
    print(
        f"p95 {worst:.1f} ms {verdict} the {TARGET_P95_MS:.0f} ms target "
        f"(ratio {worst / TARGET_P95_MS:.2f})"
    )


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
    parser.add_argument(
        "--serial",
        type=int,
        metavar="N",
        help="cost of one request at a time instead of the load (N kept pages per phase)",
    )
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="with --serial: count the server's instructions under valgrind (about 50 times "
        "slower, repeatable on a busy machine)",
    )
    args = parser.parse_args()

    unreachable = _postgres(args.dsn)
    name = f"cartrial_webload_{uuid.uuid4().hex[:10]}"
    folder = tempfile.TemporaryDirectory()
    sqlite_path = args.trial_db or Path(folder.name) / "uclm802.db"
    callgrind = Path(folder.name) / "callgrind.out" if args.callgrind else None
    admin = None
    url = f"sqlite:///{sqlite_path}"
    backend = f"SQLite (PostgreSQL unreachable: {unreachable})"
    server = None
    try:
        if sqlite_path.exists():  # a reused simulation: brought to the current schema first
            reused = make_engine(f"sqlite:///{sqlite_path}")
            upgrade(reused)
            reused.dispose()
            by_site = _subjects_by_site(sqlite_path)
        else:
            by_site = _simulate(sqlite_path)
        if unreachable is None:
            admin = create_engine(args.dsn, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name}"))
            url = make_url(args.dsn).set(database=name).render_as_string(hide_password=False)
            _copy_to_postgres(sqlite_path, url)
            backend = "PostgreSQL"
        if unreachable is not None or args.serial:
            args.workers = 1
        every = [s for ids in by_site.values() for s in ids]
        sites = sorted(by_site)
        port = free_port()
        server = _serve(url, port, args.workers, args.threads, callgrind)
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, 900 if callgrind else 60)
        print(
            f"backend {backend}; uvicorn workers {args.workers} x {args.threads} threads; "
            f"{len(every)} subjects at {len(sites)} sites",
            flush=True,
        )
        if args.serial:
            meter = _Meter(server.pid, admin, name, callgrind)
            asyncio.run(_serial(base, meter, by_site[sites[0]], args.serial, sites[0]))
            return 0
        users: list[tuple[tuple[str, str, str], list[str]]] = []
        for i in range(args.clients):
            if i % 8 == 7:
                role = "monitor" if i % 16 == 7 else "data_manager"
                users.append(((role, role, ""), every))
            else:
                code = sites[i % len(sites)]
                users.append(((f"coordinator.{code.lower()}", "coordinator", code), by_site[code]))
        timings: dict[str, list[float]] = {"dashboard": [], "subject": []}
        errors: list[str] = []
        spent: dict[str, float] = {}
        meter_cpu = _cpu_spent(server.pid, admin, name, spent)
        elapsed = asyncio.run(_load(base, users, args.seconds, timings, errors, (meter_cpu,)))
        print(f"{args.clients} users, {elapsed:.0f} s")
        _report(timings, errors, elapsed, spent)
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=120)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
        folder.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
