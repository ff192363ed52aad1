"""Soak test: a realistic read/write mix at 32 clients for 30 minutes, as the app role.

A private PostgreSQL schema at 127.0.0.1:5432 (trust auth) is migrated and given a site,
a coordinator and ``--subjects`` screened subjects (``load.py``'s setup); the server
(``cartrial serve``'s application under uvicorn) connects as a least-privileged role made
by ``cartrial.store.app_role`` (``--as-owner`` to skip). Each client signs in through the
login page and holds an API token, then runs a closed loop of: the site dashboard and a
subject page (pages), the subject list and a subject's labs (API list reads), a subject's
casebook (an audited export), and lab and AE entries (audited writes), in the proportions
of :data:`MIX`. Every ``--interval`` seconds it prints the requests, latency percentiles,
errors and the server's resident memory (server and workers); at the end, every
acknowledged write is looked up in its table and in the audit trail (lost), the hash chain
is verified and the trail replayed against every table. Usage::

    python bench/soak.py --minutes 30
    python bench/soak.py --minutes 2 --interval 20
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchlib import percentile, server_rss_bytes, sign_in, start_server, stop_server  # noqa: E402
from cartrial.store import make_engine, make_sessionmaker  # noqa: E402
from cartrial.store.app_role import grant_app_role  # noqa: E402
from cartrial.store.audit_replay import replay_trail  # noqa: E402
from load import PASSWORD, setup, verify_writes, write_request  # noqa: E402

#: Share of each request kind in a client's loop (a site's day: mostly reading).
MIX: dict[str, int] = {
    "dashboard": 15,
    "subject_page": 10,
    "subject_list": 15,
    "labs_list": 20,
    "casebook": 5,
    "write": 35,
}


@dataclass
class Tally:
    """What the clients measured; ``window`` is emptied at every interval report."""

    window: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    acked: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)


def _request(kind: str, subject: str) -> str:
    return {
        "dashboard": "/dashboard",
        "subject_page": f"/subjects/{subject}",
        "subject_list": "/api/v1/subjects?limit=50",
        "labs_list": f"/api/v1/subjects/{subject}/labs?limit=50",
        "casebook": f"/api/v1/subjects/{subject}/casebook",
    }[kind]


async def _client(
    client: httpx.AsyncClient,
    token: str,
    subjects: list[str],
    deadline: float,
    seed: int,
    tally: Tally,
) -> None:
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    api = {"Authorization": f"Bearer {token}"}
    n = 0
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        subject = rng.choice(subjects)
        start = time.perf_counter()
        try:
            if kind == "write":
                n += 1
                table, path, body = write_request(subject, n)
                reply = await client.post(path, json=body, headers=api)
                if reply.status_code == 201:
                    tally.acked.append((table, reply.json()["id"]))
                else:
                    tally.errors.append(f"POST {path}: {reply.status_code} {reply.text[:80]}")
            else:
                path = _request(kind, subject)
                reply = await client.get(path, headers=api if path.startswith("/api") else {})
                if reply.status_code != 200:
                    tally.errors.append(f"GET {path}: {reply.status_code}")
        except httpx.HTTPError as exc:
            tally.errors.append(f"{kind}: {type(exc).__name__}")
            continue
        ms = (time.perf_counter() - start) * 1000
        tally.window.append(ms)
        tally.by_kind.setdefault(kind, []).append(ms)
        tally.requests[kind] += 1


async def _reporter(
    server_pid: int, started: float, deadline: float, interval: float, tally: Tally
) -> list[int]:
    rss: list[int] = []
    print(
        "     t  requests    /s    p50 ms    p95 ms    p99 ms  writes  errors  server RSS MiB",
        flush=True,
    )
    last = started
    while time.perf_counter() < deadline:
        await asyncio.sleep(min(interval, max(0.0, deadline - time.perf_counter())))
        window, tally.window = tally.window, []
        seconds, last = time.perf_counter() - last, time.perf_counter()
        now = last - started
        memory = server_rss_bytes(server_pid)
        rss.append(memory)
        print(
            f"{now:6.0f}  {len(window):8d} {len(window) / max(seconds, 1e-9):5.0f}  "
            f"{percentile(window, 50):8.1f}  {percentile(window, 95):8.1f}  "
            f"{percentile(window, 99):8.1f}  {len(tally.acked):6d}  {len(tally.errors):6d}  "
            f"{memory / 2**20:14.1f}",
            flush=True,
        )
    return rss


def _drop_role(dsn: str, role: str) -> None:
    engine = create_engine(dsn, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between reports")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--subjects", type=int, default=128)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=3, help="request threads per worker")
    parser.add_argument("--as-owner", action="store_true", help="serve as the schema's owner")
    parser.add_argument("--dsn", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    schema = f"cartrial_soak_{uuid.uuid4().hex[:10]}"
    role = None if args.as_owner else schema.replace("soak", "soak_app")
    admin = create_engine(args.dsn, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    owner_url = f"{args.dsn}?options=-csearch_path%3D{schema}"
    server = None
    try:
        token, subjects = setup(owner_url, args.subjects)
        served_url = owner_url
        if role is not None:
            owner = make_engine(owner_url)
            granted = grant_app_role(owner, role)
            owner.dispose()
            served_url = owner_url.replace("postgres@", f"{role}@", 1)
            print(granted.describe())
        server, base = start_server(served_url, workers=args.workers, threads=args.threads)
        tally = Tally()
        timing: dict[str, float] = {}

        async def run_all() -> list[int]:
            clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(args.clients)]
            try:
                # Everyone signs in first (an audited write each, argon2id), then the clock runs.
                for client in clients:
                    await sign_in(client, "coord", PASSWORD, "coordinator", "A")
                started = timing["started"] = time.perf_counter()
                deadline = started + args.minutes * 60
                loops = [
                    _client(client, token, subjects, deadline, seed, tally)
                    for seed, client in enumerate(clients)
                ]
                reporter = _reporter(server.pid, started, deadline, args.interval, tally)
                *_, rss = await asyncio.gather(*loops, reporter)
                return list(rss)
            finally:
                for client in clients:
                    await client.aclose()

        print(
            f"soak: {args.clients} clients, {args.minutes:g} min, {len(subjects)} subjects, "
            f"uvicorn {args.workers} x {args.threads} threads, served as "
            f"{role or 'the owner'}; mix {MIX}",
            flush=True,
        )
        rss = asyncio.run(run_all())
        elapsed = time.perf_counter() - timing["started"]
        stop_server(server)
        server = None

        total = sum(tally.requests.values())
        print(f"\n{total} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s)")
        for kind in MIX:
            values = tally.by_kind.get(kind, [])
            print(
                f"  {kind:13s} {len(values):7d}  p50 {percentile(values, 50):7.1f}  "
                f"p95 {percentile(values, 95):7.1f}  p99 {percentile(values, 99):7.1f} ms"
            )
        print(
            f"errors: {len(tally.errors)}"
            + (f" (first: {tally.errors[:3]})" if tally.errors else "")
        )
        if rss:
            print(
                f"server RSS: first interval {rss[0] / 2**20:.1f} MiB, last {rss[-1] / 2**20:.1f} "
                f"MiB, highest {max(rss) / 2**20:.1f} MiB"
            )
        lost_db, lost_audit, chain, intact = verify_writes(owner_url, tally.acked)
        print(
            f"audited writes acknowledged: {len(tally.acked)}; lost: {lost_db} not in the "
            f"database, {lost_audit} not in the audit trail"
        )
        print(chain)
        engine = make_engine(owner_url)
        with make_sessionmaker(engine)() as session:
            replay = replay_trail(session)
        engine.dispose()
        print(replay.describe())
        ok = not tally.errors and lost_db == 0 and lost_audit == 0 and intact and replay.matches
        return 0 if ok else 1
    finally:
        stop_server(server)
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        if role is not None:
            _drop_role(args.dsn, role)
        admin.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
