"""Server CPU per audited write, one request at a time (no queueing, no contention).

Starts ``cartrial serve``'s application under uvicorn as one process on a private
PostgreSQL schema, sends ``--requests`` writes one after another (labs and adverse
events alternating, as ``load.py`` does) and prints the server process's CPU time
per write, the load client's CPU time per write and the database round trips per
write (statements counted by PostgreSQL's ``pg_stat_database.xact_commit`` is not
per-connection, so the server counts its own: ``CARTRIAL_COUNT_STATEMENTS``).

This is the figure that bounds throughput on a machine where client, server and
database share the cores: at 2 cores, ``2000 ms / (server + client + database ms)``
writes per second at most. Usage::

    python bench/request_cost.py --requests 2000
    python bench/request_cost.py --requests 3000 --py-spy profile.svg
    python bench/request_cost.py --requests 2000 --idempotency-key  # a new key per write
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from benchlib import free_port, process_cpu_seconds  # noqa: E402
from load import setup  # noqa: E402


def _backend_cpu_seconds(admin_dsn: str, schema: str) -> float:
    """CPU of the PostgreSQL backends serving the schema's connections (by search_path)."""
    engine = create_engine(admin_dsn.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE application_name = :app"),
            {"app": schema},
        ).scalars()
        total = sum(process_cpu_seconds(pid) for pid in pids)
    engine.dispose()
    return total


def _bodies(n: int) -> tuple[str, dict[str, object]]:
    if n % 2:
        return "labs", {
            "collected_at": dt.datetime.now(dt.UTC).isoformat(),
            "test": "crp",
            "value": str(n),
            "unit": "mg/L",
        }
    return "adverse-events", {
        "term": "Fever",
        "onset_date": "2026-03-07",
        "grading_scale": "ctcae_v5",
        "reported_grade": 1,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="run the server under valgrind and count its instructions per write (repeatable "
        "on a busy machine, about 50 times slower)",
    )
    parser.add_argument(
        "--idempotency-key",
        dest="keyed",
        action="store_true",
        help="send every write with a new Idempotency-Key (its reply stored in its transaction)",
    )
    parser.add_argument(
        "--py-spy", dest="py_spy", help="record a flame graph here (.svg; .txt: collapsed stacks)"
    )
    args = parser.parse_args()

    schema = f"cartrial_cost_{uuid.uuid4().hex[:10]}"
    admin_engine = create_engine(args.dsn.replace("postgresql://", "postgresql+psycopg://"))
    with admin_engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{args.dsn}?options=-csearch_path%3D{schema}&application_name={schema}"
    server = spy = None
    callgrind_log = Path(f"/tmp/{schema}.callgrind.log")
    try:
        token, subjects = setup(url, 1)
        port = free_port()
        env = {
            **os.environ,
            "CARTRIAL_DATABASE_URL": url,
            "CARTRIAL_API_THREADS": str(args.threads),
        }
        prefix = []
        if args.callgrind:
            env["PYTHONHASHSEED"] = "0"
            prefix = [
                "valgrind",
                "--tool=callgrind",
                "--instr-atstart=no",
                f"--callgrind-out-file={os.devnull}",
                f"--log-file={callgrind_log}",
            ]
        server = subprocess.Popen(
            [
                *prefix,
                *[sys.executable, "-m", "uvicorn", "cartrial.web.api.serve:app", "--factory"],
                *["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for _ in range(600):
                try:
                    client.get("/api/v1/openapi.json", timeout=5)
                    break
                except httpx.HTTPError:
                    time.sleep(0.5)

            def key() -> dict[str, str]:
                return {"Idempotency-Key": f'"{uuid.uuid4()}"'} if args.keyed else {}

            for n in range(args.warmup):
                path, body = _bodies(n)
                client.post(f"/api/v1/subjects/{subjects[0]}/{path}", json=body, headers=key())
            if args.py_spy:
                spy_bin = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
                spy = subprocess.Popen(
                    [
                        spy_bin,
                        "record",
                        "-p",
                        str(server.pid),
                        "-o",
                        args.py_spy,
                        "-r",
                        "500",
                        "--gil",
                    ]
                    + (["--format", "raw"] if args.py_spy.endswith(".txt") else []),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(1)
            if args.callgrind:
                subprocess.run(
                    ["callgrind_control", "-i", "on", str(server.pid)],
                    check=True,
                    capture_output=True,
                )
            server_before = process_cpu_seconds(server.pid)
            db_before = _backend_cpu_seconds(args.dsn, schema)
            client_before = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            for n in range(args.requests):
                path, body = _bodies(n)
                reply = client.post(
                    f"/api/v1/subjects/{subjects[0]}/{path}", json=body, headers=key()
                )
                if reply.status_code != 201:
                    print("error:", reply.status_code, reply.text[:200])
                    return 1
            elapsed = time.perf_counter() - started
            if args.callgrind:
                subprocess.run(
                    ["callgrind_control", "-i", "off", str(server.pid)],
                    check=True,
                    capture_output=True,
                )
            client_after = resource.getrusage(resource.RUSAGE_SELF)
            server_cpu = process_cpu_seconds(server.pid) - server_before
            db_cpu = _backend_cpu_seconds(args.dsn, schema) - db_before
        client_cpu = (client_after.ru_utime + client_after.ru_stime) - (
            client_before.ru_utime + client_before.ru_stime
        )
        n = args.requests
        per = 1000 / n
        total = (server_cpu + client_cpu + db_cpu) * per
        print(f"{n} serial audited writes in {elapsed:.1f} s ({elapsed * per:.2f} ms each)")
        print(
            f"CPU per write: server {server_cpu * per:.2f} ms, client {client_cpu * per:.2f} ms, "
            f"PostgreSQL {db_cpu * per:.2f} ms, total {total:.2f} ms"
        )
        print(f"bound on 2 cores: {2000 / total:.0f} writes/s")
        if args.callgrind:
            server.terminate()
            server.wait(timeout=120)
            server = None
            collected = re.search(r"Collected : (\d+)", callgrind_log.read_text())
            if collected:
                print(f"server instructions per write: {int(collected.group(1)) / n / 1e6:.2f} M")
        return 0
    finally:
        if spy is not None:
            spy.send_signal(2)
            spy.wait(timeout=60)
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin_engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin_engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
