"""What the load benchmarks share: a port, the server, percentiles, CPU and memory, pgbench.

``load.py`` (audited writes), ``web_load.py`` (pages) and ``soak.py`` (a long mixed run)
start ``cartrial serve``'s application under uvicorn the same way and measure it the
same way; this module is that one way. Linux only (``/proc``); only 127.0.0.1 is
contacted.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]

_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (1-99) of ``values``, inclusive method; 0 when empty."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def start_server(
    url: str, *, workers: int, threads: int, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``cartrial serve``'s app under uvicorn on a free port, once it answers: (process, base)."""
    port = free_port()
    server_env = {
        **os.environ,
        "CARTRIAL_DATABASE_URL": url,
        "CARTRIAL_API_THREADS": str(threads),
        "PYTHONPATH": str(ROOT / "src"),
        **(env or {}),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cartrial.web.api.serve:app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=server_env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            httpx.get(f"{base}/api/v1/openapi.json", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        server.terminate()
        raise RuntimeError(f"the server on {base} did not answer within 30 s")
    return server, base


def stop_server(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None and server.poll() is None:
        server.terminate()
        server.wait(timeout=30)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (uvicorn's workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (Linux ``/proc``); 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (``VmRSS``); 0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def server_rss_bytes(server_pid: int) -> int:
    """Resident memory of the server and its workers together."""
    return sum(rss_bytes(p) for p in [server_pid, *children(server_pid)])


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str, role: str, site: str
) -> None:
    """Sign ``client`` in through the login page (its CSRF token, then the form)."""
    login = await client.get("/")
    found = _CSRF.search(login.text)
    if found is None:
        raise RuntimeError("the login page has no CSRF token")
    answer = await client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "role": role,
            "site": site,
            "csrf_token": found.group(1),
        },
    )
    if answer.status_code != 303:
        raise RuntimeError(f"login of {username} refused: {answer.status_code}")


def pgbench_tps(schema: str, clients: int, seconds: int, dsn: str) -> float | None:
    """pgbench's built-in simple-update tps on ``dsn`` in ``schema``; None without pgbench."""
    if shutil.which("pgbench") is None:
        return None
    env = {**os.environ, "PGOPTIONS": f"-c search_path={schema}"}
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", "1", dsn], env=env, check=True, capture_output=True
    )
    run = subprocess.run(
        ["pgbench", "-b", "simple-update", "-c", str(clients), "-j", "2", "-T", str(seconds), dsn],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    return float(match.group(1)) if match else None
