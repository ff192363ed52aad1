"""Start-up of the ``cartrial`` command: median wall time of ``--help`` and of a cheap command.

Each run is a fresh interpreter (``python -c "from cartrial.cli.main import app; app()"``),
as a user's shell would start it. Goal (issue 12): ``cartrial --help`` <= 0.3 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_S = 0.3
RUNS = 7
SRC = Path(__file__).resolve().parents[1] / "src"
LAUNCH = "import sys; sys.argv[0] = 'cartrial'; from cartrial.cli.main import app; app()"


def median_seconds(*argv: str) -> float:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", LAUNCH, *argv], env=env, check=True, capture_output=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    bare = median_seconds_python()
    print(f"python -c pass: {bare:.3f} s (the interpreter alone)")
    for argv in (("--help",), ("version",), ("protocol", "list")):
        seconds = median_seconds(*argv)
        print(
            f"cartrial {' '.join(argv)}: median {seconds:.3f} s of {RUNS} runs, "
            f"{seconds / GOAL_S:.2f} x the {GOAL_S} s goal"
        )


def median_seconds_python() -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
