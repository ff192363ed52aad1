"""Load test of the REST API against PostgreSQL: audited writes per second.

N concurrent clients (asyncio + httpx) enter labs and adverse events for a
fixed time through ``cartrial serve``'s application (uvicorn workers). Prints
writes per second, p50/p95/p99 latency and errors; then checks that every
acknowledged write is in the database and in the audit trail (zero lost) and
that the hash chain verifies; finally runs pgbench's built-in simple-update
script on the same server with the same client count and prints the ratio of
API writes per second to pgbench transactions per second.

Everything lives in a private schema dropped at the end. Only 127.0.0.1 is
contacted. Usage::

    python bench/load.py --clients 32 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from benchlib import (  # noqa: E402
    children,
    percentile,
    pgbench_tps,
    process_cpu_seconds,
    start_server,
    stop_server,
)
from cartrial.actor import Actor  # noqa: E402
from cartrial.eligibility.record import ScreeningRecord  # noqa: E402
from cartrial.services import admin, auth, screening  # noqa: E402
from cartrial.store import make_engine, make_sessionmaker, upgrade, verify_chain  # noqa: E402
from cartrial.store.models import AdverseEvent, AuditEntry, LabResult  # noqa: E402

PROTOCOL = ROOT / "tests" / "store" / "data" / "store-protocol.yaml"
PASSWORD = "load test password"
#: Issue 7's target at 32 clients on the 2-core machine.
TARGET_WRITES_PER_S = 300
TARGET_P99_MS = 100.0


def setup(url: str, clients: int) -> tuple[str, list[str]]:
    """Migrate ``url``, add site A, a coordinator and ``clients`` screened subjects.

    Returns the coordinator's API token and the subjects' ids.
    """
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    root = Actor(None, "bench", "admin")
    site = admin.create_site(sessions, actor=root, code="A", name="Site A", time_zone="UTC")
    pv = admin.register_protocol(sessions, actor=root, yaml_text=PROTOCOL.read_text())
    admin.add_user(
        sessions,
        actor=root,
        username="coord",
        full_name="Load Coordinator",
        password=PASSWORD,
        roles=[("coordinator", "A")],
    )
    _token, actor = auth.login(
        sessions, username="coord", password=PASSWORD, role="coordinator", site_code="A"
    )
    secret, _row = auth.create_api_token(sessions, actor=actor, label="load test")
    subjects = []
    for n in range(clients):
        record = ScreeningRecord.model_validate(
            {"subject_id": f"L-{n:03d}", "consent_date": "2026-01-10"}
        )
        subject, _ = screening.screen(
            sessions, actor=actor, site_id=site.id, protocol_version_id=pv.id, record=record
        )
        subjects.append(subject.id)
    engine.dispose()
    return secret, subjects


def write_request(subject: str, n: int) -> tuple[str, str, dict[str, Any]]:
    """The ``n``-th write of a client: (table, path, body), a lab and an AE in turn."""
    if n % 2:
        body: dict[str, Any] = {
            "collected_at": dt.datetime.now(dt.UTC).isoformat(),
            "test": "crp",
            "value": str(n % 500),
            "unit": "mg/L",
        }
        return "lab_result", f"/api/v1/subjects/{subject}/labs", body
    body = {
        "term": "Fever",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }
    return "adverse_event", f"/api/v1/subjects/{subject}/adverse-events", body


def verify_writes(url: str, acked: list[tuple[str, str]]) -> tuple[int, int, str, bool]:
    """Acknowledged writes missing from their table and from the audit trail, and the chain.

    Returns (lost from the tables, lost from the trail, the chain's description, intact).
    """
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        stored = {("lab_result", i) for i in session.scalars(select(LabResult.id))}
        stored |= {("adverse_event", i) for i in session.scalars(select(AdverseEvent.id))}
        audited = set(
            session.execute(
                select(AuditEntry.table_name, AuditEntry.record_id).where(
                    AuditEntry.action == "insert",
                    AuditEntry.table_name.in_(["lab_result", "adverse_event"]),
                )
            )
        )
        chain = verify_chain(session)
    engine.dispose()
    lost_db = len([a for a in acked if a not in stored])
    lost_audit = len([a for a in acked if a not in audited])
    return lost_db, lost_audit, chain.describe(), chain.is_intact


async def _client(
    base: str,
    token: str,
    subject: str,
    deadline: float,
    latencies: list[float],
    acked: list[tuple[str, str]],
    errors: list[str],
    keyed: bool = False,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            kind, path, body = write_request(subject, n)
            start = time.perf_counter()
            try:
                key = {"Idempotency-Key": f'"{uuid.uuid4()}"'} if keyed else None
                reply = await client.post(path, json=body, headers=key)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append(time.perf_counter() - start)
            if reply.status_code == 201:
                acked.append((kind, reply.json()["id"]))
            else:
                errors.append(f"{reply.status_code}: {reply.text[:100]}")


def _backend_cpu_seconds(dsn: str, application_name: str) -> float:
    """CPU of the PostgreSQL backends whose ``application_name`` is ``application_name``."""
    engine = create_engine(dsn.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :app"),
            {"app": application_name},
        ).scalars()
        total = sum(process_cpu_seconds(pid) for pid in pids)
    engine.dispose()
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=3, help="request threads per worker")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument(
        "--idempotency-key",
        dest="keyed",
        action="store_true",
        help="send every write with a new Idempotency-Key (docs/store.md, Retries)",
    )
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    schema = f"cartrial_load_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(args.dsn.replace("postgresql://", "postgresql+psycopg://"))
    with admin_engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{args.dsn}?options=-csearch_path%3D{schema}&application_name={schema}"
    server = None
    try:
        token, subjects = setup(url, args.clients)
        server, base = start_server(url, workers=args.workers, threads=args.threads)
        per_client: list[list[float]] = [[] for _ in range(args.clients)]
        acked: list[tuple[str, str]] = []
        errors: list[str] = []
        deadline = time.perf_counter() + args.seconds

        async def run_all() -> None:
            await asyncio.gather(
                *[
                    _client(
                        base, token, subjects[i], deadline, per_client[i], acked, errors, args.keyed
                    )
                    for i in range(args.clients)
                ]
            )

        workers = children(server.pid)
        server_cpu_before = sum(process_cpu_seconds(p) for p in [server.pid, *workers])
        db_cpu_before = _backend_cpu_seconds(args.dsn, schema)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        asyncio.run(run_all())
        elapsed = time.perf_counter() - started
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        server_cpu = sum(process_cpu_seconds(p) for p in [server.pid, *workers])
        server_cpu -= server_cpu_before
        db_cpu = _backend_cpu_seconds(args.dsn, schema) - db_cpu_before
        client_cpu = (client_after.ru_utime + client_after.ru_stime) - (
            client_before.ru_utime + client_before.ru_stime
        )
        stop_server(server)
        server = None

        lost_db, lost_audit, chain, intact = verify_writes(url, acked)
        rate = len(acked) / elapsed
        ms = [x * 1000 for one in per_client for x in one]
        p99 = percentile(ms, 99)
        medians = sorted(statistics.median(one) * 1000 for one in per_client if one)
        print(
            f"clients {args.clients}, {elapsed:.1f} s, uvicorn workers {args.workers} "
            f"x {args.threads} threads"
        )
        print(f"audited writes: {len(acked)} ({rate:.0f}/s); errors: {len(errors)}")
        print(
            f"latency ms: p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  p99 {p99:.1f}"
        )
        print(f"lost: {lost_db} not in the database, {lost_audit} not in the audit trail; {chain}")
        uneven = medians[-1] > 1.5 * medians[0]
        print(
            f"per-client median latency ms: lowest {medians[0]:.1f}, highest {medians[-1]:.1f}"
            + (" (uneven: some workers hold more connections than others)" if uneven else "")
        )
        per = 1000 / max(len(acked), 1)
        print(
            f"CPU per write: server {server_cpu * per:.2f} ms, client {client_cpu * per:.2f} ms, "
            f"PostgreSQL {db_cpu * per:.2f} ms; machine busy "
            f"{(server_cpu + client_cpu + db_cpu) / elapsed / (os.cpu_count() or 1):.0%}"
        )
        if errors:
            print("first errors:", errors[:3])
        tps = pgbench_tps(schema, args.clients, args.pgbench_seconds, args.dsn)
        pgbench = (
            "pgbench not installed: no figure for this machine"
            if tps is None
            else f"pgbench simple-update on this run {tps:.0f} tps (API / pgbench {rate / tps:.3f})"
        )
        met = rate >= TARGET_WRITES_PER_S and p99 <= TARGET_P99_MS
        print(
            f"target {TARGET_WRITES_PER_S} writes/s with p99 <= {TARGET_P99_MS:.0f} ms "
            f"at 32 clients: {'met' if met else 'missed'} ({rate:.0f}/s, p99 {p99:.1f} ms); "
            f"{pgbench}"
        )
        ok = not errors and lost_db == 0 and lost_audit == 0 and intact
        return 0 if ok else 1
    finally:
        stop_server(server)
        with admin_engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin_engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
